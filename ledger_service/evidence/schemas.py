"""Evidence event schemas: the twelve types of DESIGN.md, ``event.erased``, and the
scoring model's evidence (``model.registered``, ``risk.alert``, ``risk.cleared``).

A score is evidence only if anyone can recompute it: ``model.registered`` puts a
scoring model's canonical specification and its SHA-256 on the ledger, and every
``score.computed`` cites one and carries the per-factor and per-dimension values
and a salted digest of its inputs (the inputs stay off the ledger).

``event.erased`` records an erasure (DESIGN.md guarantee 5) as evidence in its
own right: the ledger must be able to prove that a payload was deleted, when,
by whom and on which ground, and that the deletion did not rewrite history.
It carries no personal data (the erased id and a reason code only) and is
never submitted directly: only POST /v1/events/{id}/erase records it.

Validation happens once, at the edge, on the raw JSON bytes (strict mode: no
numeric strings, no floats, unknown fields refused) so that what gets committed
is exactly what the schema describes. Money is integer fen and rates basis
points: canonical bytes must be unambiguous, and floats are not.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from pydantic import (
    AfterValidator,
    AwareDatetime,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationInfo,
    with_config,
)
from typing_extensions import TypedDict

from ledger_proof.timefmt import representable, to_text
from ledger_service.evidence.uscc import InvalidUSCC, validate_uscc

EVENT_TYPES = (
    "score.computed",
    "consent.granted",
    "consent.revoked",
    "loan.applied",
    "loan.approved",
    "loan.rejected",
    "loan.disbursed",
    "loan.repaid",
    "loan.overdue",
    "loan.closed",
    "certificate.issued",
    "certificate.revoked",
    "event.erased",
    "model.registered",
    "risk.alert",
    "risk.cleared",
)
#: The thirteenth type: recorded by the erasure endpoint, never by clients.
ERASURE_TYPE = "event.erased"
MODEL_TYPE = "model.registered"
ALERT_TYPE, CLEARED_TYPE = "risk.alert", "risk.cleared"
ALERT_LEVELS = ("red", "yellow", "blue")
GRADES = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C")
PRODUCTS = ("credit", "supply_chain", "ip_pledge", "carbon_pledge")
MAX_REFS = 64

Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")]
EventId = Annotated[str, StringConstraints(pattern=r"^evt_[0-9a-f]{32}$")]
Fen = Annotated[int, Field(gt=0, le=10**15)]
#: Points on the model's fixed-point scale: 0-1000 = 0.0-100.0 in tenths.
Points = Annotated[int, Field(ge=0, le=1000)]
Signature = Annotated[str, StringConstraints(max_length=200)]


def _uscc(value: str, info: ValidationInfo) -> str:
    allow = (info.context or {}).get("uscc_allowlist", ())
    try:
        return validate_uscc(value, allow)
    except InvalidUSCC as exc:
        raise ValueError(str(exc)) from None


def _unique(refs: list[str]) -> list[str]:
    if len(set(refs)) != len(refs):
        raise ValueError("refs lists an event twice")
    return refs


USCC = Annotated[str, AfterValidator(_uscc)]
#: An aware instant whose UTC form exists (years 1 to 9999): an offset can push a valid
#: RFC 3339 string outside that range, and it would then break every conversion after.
Instant = Annotated[AwareDatetime, AfterValidator(representable)]
Refs = Annotated[list[EventId], Field(max_length=MAX_REFS), AfterValidator(_unique)]

# TypedDicts, not BaseModels: pydantic-core then validates straight into plain
# dicts, 3-4x faster on bulk intake, and the payload needs no dump afterwards.
_STRICT = ConfigDict(extra="forbid", strict=True)


@with_config(_STRICT)
class Dimensions(TypedDict):
    financial_health: Points
    operating_activity: Points
    growth_potential: Points


@with_config(_STRICT)
class ScorePayload(TypedDict):
    """Which registered model, its hash, and every value it computed: the factor values
    determine dimensions, total and grade under the model (intake checks that), and
    ``inputs_digest`` = SHA-256(salt || JCS(inputs)) lets whoever holds the inputs check
    the rest."""

    model_id: Ident
    model_version: Ident
    model_hash: Hex64
    score: Points
    grade: Literal[GRADES]  # type: ignore[valid-type]
    dimensions: Dimensions
    factors: Annotated[dict[Ident, Points], Field(min_length=1, max_length=64)]
    inputs_digest: Hex64


@with_config(_STRICT)
class ModelRegisteredPayload(TypedDict):
    """A scoring model's canonical specification (scorecard/v1) and its SHA-256 (of the
    spec's RFC 8785 bytes). Intake checks the spec is a valid scorecard, the hash and the
    ids match it."""

    model_id: Ident
    model_version: Ident
    model_hash: Hex64
    spec: dict[str, Any]


def _unique_ids(ids: list[str]) -> list[str]:
    if len(set(ids)) != len(ids):
        raise ValueError("indicators lists an indicator twice")
    return ids


@with_config(_STRICT)
class RiskAlertPayload(TypedDict):
    """A risk alert about the enterprise: red (stop), yellow (look closer), blue (note);
    the model indicators that triggered it and a reason code (no free text: no personal
    data through an alert)."""

    level: Literal[ALERT_LEVELS]  # type: ignore[valid-type]
    indicators: Annotated[list[Ident], Field(min_length=1, max_length=28),
                          AfterValidator(_unique_ids)]
    reason_code: Ident


@with_config(_STRICT)
class RiskClearedPayload(TypedDict):
    alert_id: EventId
    reason_code: Ident


def _scope(scope: list[str]) -> list[str]:
    if "*" in scope and len(scope) > 1:
        raise ValueError('"*" covers every type and must stand alone')
    if len(set(scope)) != len(scope):
        raise ValueError("scope lists a type twice")
    return scope


@with_config(_STRICT)
class ConsentGrantedPayload(TypedDict):
    grantee_org: Name
    scope: Annotated[list[Literal[(*EVENT_TYPES, "*")]],  # type: ignore[valid-type]
                     Field(min_length=1, max_length=16), AfterValidator(_scope)]
    purpose: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    expires_at: Instant


@with_config(_STRICT)
class ConsentRevokedPayload(TypedDict):
    consent_id: EventId


@with_config(_STRICT)
class LoanAppliedPayload(TypedDict):
    loan_id: Ident
    amount_fen: Fen
    currency: Literal["CNY"]
    term_months: Annotated[int, Field(ge=1, le=600)]
    product: Literal[PRODUCTS]  # type: ignore[valid-type]


@with_config(_STRICT)
class LoanApprovedPayload(TypedDict):
    loan_id: Ident
    amount_fen: Fen
    rate_bp: Annotated[int, Field(ge=0, le=100_000)]


@with_config(_STRICT)
class LoanRejectedPayload(TypedDict):
    loan_id: Ident
    reason_code: Ident


@with_config(_STRICT)
class LoanAmountPayload(TypedDict):
    loan_id: Ident
    amount_fen: Fen


@with_config(_STRICT)
class LoanOverduePayload(TypedDict):
    loan_id: Ident
    days_overdue: Annotated[int, Field(ge=1, le=100_000)]


@with_config(_STRICT)
class LoanClosedPayload(TypedDict):
    loan_id: Ident


@with_config(_STRICT)
class CertificatePayload(TypedDict):
    certificate_id: Ident
    credential_hash: Hex64


@with_config(_STRICT)
class ErasurePayload(TypedDict):
    event_id: EventId
    reason_code: Ident


def _event(type_name: str, payload: Any, doc: str) -> Any:
    """One event type: the common envelope with its own type tag and payload schema.

    ``id`` is an optional client-chosen id: it lets a bulk request ref its own
    earlier events, and makes a retried POST safe (the same event again is
    answered, not duplicated). The acting org comes from the API key.
    """
    fields = {"type": Literal[type_name], "id": NotRequired[EventId],  # type: ignore[valid-type]
              "enterprise_id": USCC, "occurred_at": Instant,
              "refs": NotRequired[Refs], "signature": NotRequired[Signature],
              "payload": payload}
    cls = TypedDict(type_name.title().replace(".", ""), fields)  # type: ignore[operator]
    cls.__doc__ = doc
    return with_config(_STRICT)(cls)


def _consent_window(event: dict[str, Any]) -> dict[str, Any]:
    if event["payload"]["expires_at"] <= event["occurred_at"]:
        raise ValueError("consent expires_at must be after occurred_at")
    return event


ScoreComputed = _event("score.computed", ScorePayload, "A credit score and its inputs' digest.")
ConsentGranted = Annotated[
    _event("consent.granted", ConsentGrantedPayload, "An enterprise lets an org see its data."),
    AfterValidator(_consent_window)]
ConsentRevoked = _event("consent.revoked", ConsentRevokedPayload, "A consent withdrawn.")
LoanApplied = _event("loan.applied", LoanAppliedPayload, "A loan application.")
LoanApproved = _event("loan.approved", LoanApprovedPayload, "Approval, citing score and consent.")
LoanRejected = _event("loan.rejected", LoanRejectedPayload, "Rejection of an application.")
LoanDisbursed = _event("loan.disbursed", LoanAmountPayload, "Money paid out.")
LoanRepaid = _event("loan.repaid", LoanAmountPayload, "A repayment.")
LoanOverdue = _event("loan.overdue", LoanOverduePayload, "An overdue instalment.")
LoanClosed = _event("loan.closed", LoanClosedPayload, "The loan closed.")
CertificateIssued = _event("certificate.issued", CertificatePayload, "A credit certificate.")
CertificateRevoked = _event("certificate.revoked", CertificatePayload, "A certificate revoked.")
EventErased = _event(ERASURE_TYPE, ErasurePayload, "An event's payload and salt were deleted.")
ModelRegistered = _event(MODEL_TYPE, ModelRegisteredPayload,
                         "A scoring model's specification and hash (platform).")
RiskAlert = _event(ALERT_TYPE, RiskAlertPayload, "A red, yellow or blue risk alert.")
RiskCleared = _event(CLEARED_TYPE, RiskClearedPayload, "A risk alert cleared.")

EventIn = Annotated[
    ScoreComputed
    | ConsentGranted
    | ConsentRevoked
    | LoanApplied
    | LoanApproved
    | LoanRejected
    | LoanDisbursed
    | LoanRepaid
    | LoanOverdue
    | LoanClosed
    | CertificateIssued
    | CertificateRevoked
    | EventErased
    | ModelRegistered
    | RiskAlert
    | RiskCleared,
    Field(discriminator="type"),
]


@with_config(_STRICT)
class BulkIn(TypedDict):
    events: Annotated[list[EventIn], Field(min_length=1)]
    signature: NotRequired[Signature]


EVENT_ADAPTER: TypeAdapter[Any] = TypeAdapter(EventIn)
BULK_ADAPTER: TypeAdapter[BulkIn] = TypeAdapter(BulkIn)


def payload_json(event: dict[str, Any]) -> dict[str, Any]:
    """The payload as JSON values, datetimes in the ledger's one canonical spelling."""
    payload = event["payload"]
    if event["type"] == "consent.granted":
        return {**payload, "expires_at": to_text(payload["expires_at"])}
    return payload
