"""Scoring as a service: register a model, score from inputs, recompute a recorded score.

The computation is ``ledger_proof.scoring``, the verifier's own code: the service
records what an auditor recomputes with ``credit-verify rescore`` or
``ledger rescore``, and nothing it computes here is beyond their reach. The API
(``/v1/models``, ``/v1/scores``) and the CLI (``ledger models``, ``ledger score``,
``ledger rescore``) both go through this module, so they refuse the same inputs
the same way; every refusal happens before anything is recorded.

The inputs never reach the ledger. A score carries ``inputs_digest`` =
SHA-256(salt || JCS(inputs)) with a fresh 32-byte salt that is handed back to
whoever submitted the inputs and is not kept: without it, nobody holding the
ledger can test a guess of the inputs against the digest.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import select

from ledger_proof.scoring import InputError, inputs_digest, model_hash, rescore, score_payload
from ledger_proof.timefmt import to_text, us_text
from ledger_service.access.keys import Principal
from ledger_service.access.write_policy import check_may_record
from ledger_service.core.errors import (
    InvalidInput,
    InvalidScoreInputs,
    ModelConflict,
    NotFound,
    UnregisteredModel,
)
from ledger_service.evidence.schemas import EVENT_ADAPTER, MODEL_TYPE
from ledger_service.evidence.scoring import card_of, registration_event
from ledger_service.pipeline.erasure import AlreadyErased
from ledger_service.pipeline.intake import Recorded
from ledger_service.pipeline.reader import event_status
from ledger_service.runtime.context import LedgerContext
from ledger_service.store.tables import EVENTS, MODEL_REGISTRATIONS

SALT_BYTES = 32


@dataclass(frozen=True)
class ModelRow:
    """A recorded registration as the API lists it."""

    event_id: str
    model_id: str
    model_version: str
    model_hash: str
    registered_at: str
    recorded_at: str
    status: str
    spec: dict[str, Any] | None

    def as_dict(self, with_spec: bool = False) -> dict[str, Any]:
        out = {"event_id": self.event_id, "model_id": self.model_id,
               "model_version": self.model_version, "model_hash": self.model_hash,
               "registered_at": self.registered_at, "recorded_at": self.recorded_at,
               "status": self.status}
        if with_spec:
            out["spec"] = self.spec
        return out


def now_text() -> str:
    return to_text(datetime.now(UTC))


def validated(ctx: LedgerContext, event: dict[str, Any]) -> Any:
    """An event built here, validated exactly as intake validates a submitted one."""
    try:
        return EVENT_ADAPTER.validate_json(orjson.dumps(event),
                                           context={"uscc_allowlist": ctx.settings.allowlist})
    except ValidationError as exc:
        raise InvalidInput("the event does not match its schema",
                           errors=[{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""),
                                    "type": e.get("type", "")} for e in exc.errors()[:50]],
                           error_count=exc.error_count()) from None


def parse_salt(text: Any) -> bytes:
    """The hex salt handed out with a score; 422 when it is not 32 bytes of hex."""
    if not isinstance(text, str):
        raise InvalidInput("inputs_salt must be a hex string", field="inputs_salt")
    try:
        salt = bytes.fromhex(text)
    except ValueError:
        raise InvalidInput("inputs_salt is not hex", field="inputs_salt") from None
    if len(salt) != SALT_BYTES:
        raise InvalidInput(f"inputs_salt must be {SALT_BYTES} bytes ({2 * SALT_BYTES} hex "
                           "digits)", field="inputs_salt")
    return salt


class Scoring:
    """Models, scores and rescoring over one ledger context."""

    def __init__(self, ctx: LedgerContext) -> None:
        self.ctx = ctx

    # -- models --------------------------------------------------------------------------

    def models(self) -> list[ModelRow]:
        """Every registration, oldest first."""
        with self.ctx.engine.connect() as conn:
            rows = conn.execute(select(EVENTS).where(MODEL_REGISTRATIONS)  # the partial index
                                .order_by(EVENTS.c.pos)).all()
        upto = self.ctx.reader
        out = []
        for row in rows:
            doc = orjson.loads(row.body) if row.body is not None else None
            if doc is None:
                continue
            batch = upto.batch_of(row.pos)
            anchored = bool(batch is not None and upto.anchors_of([batch.seq]).get(batch.seq))
            payload = doc["payload"]
            out.append(ModelRow(row.id, payload["model_id"], payload["model_version"],
                                payload["model_hash"], doc["occurred_at"],
                                us_text(row.recorded_us),
                                event_status(None if batch is None else batch.seq, anchored),
                                payload["spec"]))
        return out

    def model(self, model_id: str, model_version: str) -> ModelRow:
        for row in self.models():
            if row.model_id == model_id and row.model_version == model_version:
                return row
        raise NotFound(f"no registered model {model_id} {model_version}",
                       model_id=model_id, model_version=model_version)

    def register(self, principal: Principal, spec: Any, occurred_at: str | None = None
                 ) -> tuple[ModelRow, bool]:
        """Register a model: (its registration, whether it was recorded now). The same
        specification again answers the existing registration; another specification
        under a registered id and version is refused (409)."""
        card = card_of(spec)
        for row in self.models():
            if (row.model_id, row.model_version) == (card.model_id, card.model_version):
                if row.model_hash == card.hash:
                    return row, False
                raise ModelConflict(f"model {card.model_id} {card.model_version} is "
                                    "registered already with another specification",
                                    registration=row.event_id, registered_hash=row.model_hash,
                                    model_hash=card.hash)
        event = validated(self.ctx, registration_event(
            spec, self.ctx.settings.operator_uscc, occurred_at or now_text()))
        check_may_record(principal, 0, event)
        self.ctx.recorder.record(principal.org, [event])
        return self.model(card.model_id, card.model_version), True

    def registration_for(self, model_id: str | None, model_version: str | None) -> ModelRow:
        """The named model, or (none named) the one registered last."""
        if model_id is not None or model_version is not None:
            if model_id is None or model_version is None:
                raise InvalidInput("name both model_id and model_version, or neither")
            try:
                return self.model(model_id, model_version)
            except NotFound:
                raise UnregisteredModel(f"model {model_id} {model_version} is not registered",
                                        model_id=model_id, model_version=model_version
                                        ) from None
        rows = self.models()
        if not rows:
            raise UnregisteredModel("no scoring model is registered yet (POST /v1/models, "
                                    "or `ledger models register`)")
        return rows[-1]

    # -- scores --------------------------------------------------------------------------

    def score(self, principal: Principal, enterprise_id: Any, inputs: Any,
              occurred_at: str | None = None, model_id: str | None = None,
              model_version: str | None = None) -> dict[str, Any]:
        """Compute a score from inputs with a registered model and record it.

        Answers the receipt, the recorded event and the salt (hex) of the inputs
        digest: the only copy of the salt, which the service does not keep.
        """
        reg = self.registration_for(model_id, model_version)
        card = card_of(reg.spec)
        try:
            result = card.compute(inputs)
        except InputError as exc:
            raise InvalidScoreInputs(f"inputs: {exc.message}", indicator=exc.indicator,
                                     reason=exc.code) from None
        salt = os.urandom(SALT_BYTES)
        payload = score_payload(card, result, inputs_digest(inputs, salt))
        event = validated(self.ctx, {
            "type": "score.computed", "enterprise_id": enterprise_id,
            "occurred_at": occurred_at or now_text(), "refs": [reg.event_id],
            "payload": payload})
        check_may_record(principal, 0, event)
        recorded: Recorded = self.ctx.recorder.record(principal.org, [event])[0]
        return {"id": recorded.id, "leaf_hash": recorded.leaf_hash, "status": recorded.status,
                "event": self.ctx.reader.event(recorded.id)["event"],
                "registration": reg.event_id, "inputs_salt": salt.hex()}

    def score_and_registration(self, event_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The recorded score event and the registration it cites (committed bodies)."""
        row = self.ctx.reader.event_row(event_id)
        if row.type != "score.computed":
            raise NotFound(f"event {event_id} is a {row.type}, not a score.computed",
                           id=event_id)
        if row.body is None:
            raise AlreadyErased(f"score {event_id} was erased: there is nothing to recompute",
                                id=event_id)
        score = orjson.loads(row.body)
        for ref in score["refs"]:
            try:
                reg = self.ctx.reader.event_row(ref)
            except NotFound:
                continue
            if reg.type == MODEL_TYPE and reg.body is not None:
                return score, orjson.loads(reg.body)
        raise UnregisteredModel(f"score {event_id} cites no recorded model registration",
                                id=event_id)

    def rescore(self, event_id: str, inputs: Any, salt_hex: Any) -> dict[str, Any]:
        """Recompute a recorded score from its inputs and salt under the model its
        registration holds: the verifier's report (ok, first_difference, checks)."""
        salt = parse_salt(salt_hex)
        score, registration = self.score_and_registration(event_id)
        spec = registration["payload"]["spec"]
        report = rescore(spec, inputs, salt, score["payload"]).to_json()
        report["event_id"] = event_id
        report["registration"] = registration["id"]
        report["registered_hash"] = model_hash(spec)
        return report
