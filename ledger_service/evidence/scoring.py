"""The rules model evidence obeys on intake: registrations, scores, risk alerts.

Pure functions over what intake already loaded (the registration a score cites, the
indicator ids of the registered models, the alerts already cleared), so intake, the
API and any outside checker judge a score the same way. The computation itself is
the verifier's (``ledger_proof.scoring``): the service never scores with code an
auditor cannot run.

Why these rules:

- a ``model.registered`` must carry a spec that is a valid scorecard whose SHA-256
  is the hash it claims and whose ids are the ids it claims: the registration is
  what every later score is recomputed against, so it must be self-consistent;
- it is recorded under the platform operator's own USCC (no enterprise's data in
  it) and one model id and version is registered once: two specs under one name
  would make "recomputed under the registered model" ambiguous;
- a ``score.computed`` must ref exactly one registration, whose hash, id and
  version it repeats, and its dimensions, total and grade must follow from its own
  factor values under that model. The service cannot see the inputs behind a score
  submitted as an event, but it can refuse one that contradicts itself;
- a ``risk.alert`` names indicators the registered models know; a ``risk.cleared``
  refs the alert it clears, of the same enterprise, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger_proof.scoring import (
    REFERENCE_SPEC,
    Scorecard,
    SpecError,
    consistency,
    load_model,
    model_hash,
)
from ledger_service.core.errors import (
    AlertCleared,
    InconsistentScore,
    InvalidModel,
    ModelHashMismatch,
    RefRuleViolation,
    UnregisteredModel,
)
from ledger_service.evidence.schemas import ALERT_TYPE, CLEARED_TYPE, MODEL_TYPE

#: When the reference model's registration in the story and the tests is dated: before
#: every score they record, and fixed, so the registration is the same event everywhere.
REFERENCE_REGISTERED_AT = "2026-01-01T00:00:00Z"


def registration_id(spec_hash: str) -> str:
    """A registration's event id, derived from the model's hash: registering the same
    model again (a retry, a second `ledger models register`) names the same event, so
    intake answers it instead of recording a second one."""
    return "evt_" + spec_hash[:32]


def registration_event(spec: dict[str, Any], operator_uscc: str,
                       occurred_at: str = REFERENCE_REGISTERED_AT) -> dict[str, Any]:
    """The ``model.registered`` event for a spec (hash and ids taken from the spec)."""
    digest = model_hash(spec)
    return {"id": registration_id(digest), "type": MODEL_TYPE, "enterprise_id": operator_uscc,
            "occurred_at": occurred_at, "refs": [],
            "payload": {"model_id": spec.get("model_id"),
                        "model_version": spec.get("model_version"),
                        "model_hash": digest, "spec": spec}}


def reference_registration(operator_uscc: str) -> dict[str, Any]:
    """The reference model's registration as the story and the tests record it."""
    return registration_event(REFERENCE_SPEC, operator_uscc)


@dataclass(frozen=True)
class Registration:
    """A recorded model registration, with its scorecard built once."""

    id: str
    card: Scorecard
    occurred_at: str | None = None

    @property
    def model_hash(self) -> str:
        return str(self.card.hash)


def card_of(spec: Any) -> Scorecard:
    """The model a spec describes, built by the kind registry the verifier's rescore uses
    (so a kind registered there is accepted here too); InvalidModel when it is not valid."""
    if not isinstance(spec, dict):
        raise InvalidModel("the model specification must be a JSON object")
    try:
        return load_model(spec)
    except SpecError as exc:
        raise InvalidModel(f"not a valid scorecard/v1 specification: {exc}") from None


def check_registration(index: int, event: Any, operator_uscc: str) -> Scorecard:
    """The rules of a ``model.registered`` that need nothing stored; returns its card."""
    payload = event["payload"]
    if event["enterprise_id"] != operator_uscc:
        raise InvalidModel("a model.registered is recorded under the platform operator's "
                           "USCC (LEDGER_OPERATOR_USCC)", index=index,
                           operator_uscc=operator_uscc)
    if event.get("refs"):
        raise RefRuleViolation("a model.registered cites nothing", index=index,
                               event_type=MODEL_TYPE)
    card = card_of(payload["spec"])
    if card.hash != payload["model_hash"]:  # the card's hash is the spec's, computed once
        raise InvalidModel("model_hash is not the SHA-256 of the spec's canonical JSON",
                           index=index, field="model_hash")
    for name in ("model_id", "model_version"):
        if payload[name] != payload["spec"].get(name):
            raise InvalidModel(f"{name} differs from the spec's", index=index, field=name)
    return card


def check_score(index: int, event: Any, registrations: list[Registration]) -> None:
    """A ``score.computed`` against the registrations it refs (found among its refs)."""
    payload = event["payload"]
    if len(registrations) != 1:
        raise UnregisteredModel(
            "a score.computed must ref exactly one model.registered (the model that "
            f"computed it); it refs {len(registrations)}", index=index,
            model_id=payload["model_id"], model_version=payload["model_version"])
    reg = registrations[0]
    card = reg.card
    if (payload["model_hash"] != reg.model_hash or payload["model_id"] != card.model_id
            or payload["model_version"] != card.model_version):
        raise ModelHashMismatch(
            "the score's model hash, id or version differ from the registration it cites",
            index=index, registration=reg.id, registered_hash=reg.model_hash,
            model_hash=payload["model_hash"])
    field = consistency(card, payload)
    if field is not None:
        raise InconsistentScore(f"{field} does not follow from the score's factor values "
                                "under the registered model", index=index, field=field)


def check_alert(index: int, event: Any, known_indicators: frozenset[str]) -> None:
    """A ``risk.alert`` names only indicators of a registered model."""
    unknown = [i for i in event["payload"]["indicators"] if i not in known_indicators]
    if unknown:
        raise InvalidModel("a risk.alert names indicators of a registered model only",
                           index=index, indicator=unknown[0], field="indicators")


def check_clearance(index: int, event: Any, alert_type: str | None, alert_enterprise: str | None,
                    already_cleared: bool) -> None:
    """A ``risk.cleared`` refs the alert it clears (payload.alert_id), of the same
    enterprise, not cleared before."""
    alert_id = event["payload"]["alert_id"]
    if alert_id not in (event.get("refs") or ()) or alert_type is None:
        raise RefRuleViolation("a risk.cleared must ref the alert it clears "
                               "(payload.alert_id)", index=index, event_type=CLEARED_TYPE)
    if alert_type != ALERT_TYPE or alert_enterprise != event["enterprise_id"]:
        raise RefRuleViolation("alert_id must name a risk.alert of the same enterprise",
                               index=index, event_type=CLEARED_TYPE)
    if already_cleared:
        raise AlertCleared(f"alert {alert_id} is cleared already", index=index,
                           alert_id=alert_id)
