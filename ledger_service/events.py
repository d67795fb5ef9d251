"""Evidence event schemas: the twelve types of DESIGN.md as a discriminated union.

Validation happens once, at the edge, on the raw JSON bytes (strict mode: no
numeric strings, no floats, unknown fields refused) so that what gets committed
is exactly what the schema describes. Money is integer fen and rates basis
points: canonical bytes must be unambiguous, and floats are not.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .timefmt import to_text
from .uscc import InvalidUSCC, validate_uscc

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
)
GRADES = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C")
PRODUCTS = ("credit", "supply_chain", "ip_pledge", "carbon_pledge")
MAX_REFS = 64

Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")]
EventId = Annotated[str, StringConstraints(pattern=r"^evt_[0-9a-f]{32}$")]
Fen = Annotated[int, Field(gt=0, le=10**15)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Dimensions(_Strict):
    financial_health: int = Field(ge=0, le=100)
    operating_activity: int = Field(ge=0, le=100)
    growth_potential: int = Field(ge=0, le=100)


class ScorePayload(_Strict):
    model_id: Ident
    model_version: Ident
    score: int = Field(ge=0, le=1000)
    grade: Literal[GRADES]  # type: ignore[valid-type]
    dimensions: Dimensions
    inputs_digest: Hex64


class ConsentGrantedPayload(_Strict):
    grantee_org: Name
    scope: list[Literal[(*EVENT_TYPES, "*")]] = Field(min_length=1, max_length=16)  # type: ignore[valid-type]
    purpose: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    expires_at: AwareDatetime

    @field_validator("scope")
    @classmethod
    def _star_alone(cls, scope: list[str]) -> list[str]:
        if "*" in scope and len(scope) > 1:
            raise ValueError('"*" covers every type and must stand alone')
        if len(set(scope)) != len(scope):
            raise ValueError("scope lists a type twice")
        return scope


class ConsentRevokedPayload(_Strict):
    consent_id: EventId


class LoanAppliedPayload(_Strict):
    loan_id: Ident
    amount_fen: Fen
    currency: Literal["CNY"]
    term_months: int = Field(ge=1, le=600)
    product: Literal[PRODUCTS]  # type: ignore[valid-type]


class LoanApprovedPayload(_Strict):
    loan_id: Ident
    amount_fen: Fen
    rate_bp: int = Field(ge=0, le=100_000)


class LoanRejectedPayload(_Strict):
    loan_id: Ident
    reason_code: Ident


class LoanAmountPayload(_Strict):
    loan_id: Ident
    amount_fen: Fen


class LoanOverduePayload(_Strict):
    loan_id: Ident
    days_overdue: int = Field(ge=1, le=100_000)


class LoanClosedPayload(_Strict):
    loan_id: Ident


class CertificatePayload(_Strict):
    certificate_id: Ident
    credential_hash: Hex64


class _EventBase(_Strict):
    """Fields every evidence event carries on input; the acting org comes from the API key."""

    #: Optional client-chosen id: lets a bulk request ref its own earlier events, and
    #: makes a retried POST safe (the same event again is answered, not duplicated).
    id: EventId | None = None
    enterprise_id: str
    occurred_at: AwareDatetime
    refs: list[EventId] = Field(default_factory=list, max_length=MAX_REFS)
    signature: Annotated[str, StringConstraints(max_length=200)] | None = None

    @field_validator("enterprise_id")
    @classmethod
    def _uscc(cls, value: str, info: ValidationInfo) -> str:
        allow = (info.context or {}).get("uscc_allowlist", ())
        try:
            return validate_uscc(value, allow)
        except InvalidUSCC as exc:
            raise ValueError(str(exc)) from None

    @field_validator("refs")
    @classmethod
    def _unique_refs(cls, refs: list[str]) -> list[str]:
        if len(set(refs)) != len(refs):
            raise ValueError("refs lists an event twice")
        return refs


class ScoreComputed(_EventBase):
    type: Literal["score.computed"]
    payload: ScorePayload


class ConsentGranted(_EventBase):
    type: Literal["consent.granted"]
    payload: ConsentGrantedPayload

    @model_validator(mode="after")
    def _expires_after_grant(self) -> ConsentGranted:
        if self.payload.expires_at <= self.occurred_at:
            raise ValueError("consent expires_at must be after occurred_at")
        return self


class ConsentRevoked(_EventBase):
    type: Literal["consent.revoked"]
    payload: ConsentRevokedPayload


class LoanApplied(_EventBase):
    type: Literal["loan.applied"]
    payload: LoanAppliedPayload


class LoanApproved(_EventBase):
    type: Literal["loan.approved"]
    payload: LoanApprovedPayload


class LoanRejected(_EventBase):
    type: Literal["loan.rejected"]
    payload: LoanRejectedPayload


class LoanDisbursed(_EventBase):
    type: Literal["loan.disbursed"]
    payload: LoanAmountPayload


class LoanRepaid(_EventBase):
    type: Literal["loan.repaid"]
    payload: LoanAmountPayload


class LoanOverdue(_EventBase):
    type: Literal["loan.overdue"]
    payload: LoanOverduePayload


class LoanClosed(_EventBase):
    type: Literal["loan.closed"]
    payload: LoanClosedPayload


class CertificateIssued(_EventBase):
    type: Literal["certificate.issued"]
    payload: CertificatePayload


class CertificateRevoked(_EventBase):
    type: Literal["certificate.revoked"]
    payload: CertificatePayload


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
    | CertificateRevoked,
    Field(discriminator="type"),
]


class BulkIn(_Strict):
    events: list[EventIn] = Field(min_length=1)
    signature: Annotated[str, StringConstraints(max_length=200)] | None = None


EVENT_ADAPTER: TypeAdapter[Any] = TypeAdapter(EventIn)
BULK_ADAPTER: TypeAdapter[BulkIn] = TypeAdapter(BulkIn)


def payload_json(event: _EventBase) -> dict[str, Any]:
    """The payload as JSON values, datetimes in the ledger's one canonical spelling."""
    data = event.payload.model_dump()  # type: ignore[attr-defined]
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = to_text(value)
    return data
