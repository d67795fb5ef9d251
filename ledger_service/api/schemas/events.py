"""Event intake receipts, the event as read back, and the erasure receipt."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from ledger_service.api.schemas.common import (
    DEMO_USCC,
    EventId,
    Hex64,
    Instant,
)
from ledger_service.api.schemas.errors import (
    KEYED,
    READ_REASONS,
    RECORD_REASONS,
    ROLE_REASONS,
    error_responses,
)

EventStatus = Annotated[Literal["pending", "sealed", "anchored"], Field(description=(
    "pending: recorded, not yet in a batch; sealed: in a signed batch; anchored: the "
    "batch header is on a ledger"))]


class EventReceipt(BaseModel):
    """What recording an event answers (201 new, 200 the same event sent again)."""


    id: EventId
    leaf_hash: Hex64
    status: EventStatus


class BulkReceipt(BaseModel):
    count: int
    events: list[EventReceipt]


class BatchPosition(BaseModel):
    seq: int
    leaf_index: int


class Erasure(BaseModel):
    erased_at: Instant
    reason_code: str


class EventRecord(BaseModel):
    """An event as the ledger holds it: committed body, status, batch position, hashes."""


    id: EventId
    type: Annotated[str, Field(examples=["loan.approved"])]
    enterprise_id: Annotated[str, Field(examples=[DEMO_USCC])]
    org: Annotated[str, Field(description="The organization that recorded it")]
    status: EventStatus
    batch: BatchPosition | None
    occurred_at: Instant
    recorded_at: Instant
    event: Annotated[dict[str, Any] | None, Field(description=(
        "The committed event (id, type, enterprise_id, org, occurred_at, recorded_at, "
        "refs, payload); null once erased"))]
    erased: bool
    erasure: Erasure | None
    commitment: Hex64
    leaf_hash: Hex64


class ErasureReceipt(BaseModel):
    id: EventId
    erased: Literal[True]
    erased_at: Instant
    reason_code: str
    erasure_event: Annotated[EventReceipt, Field(description="The event.erased recorded")]
    certificates_revoked: Annotated[list[str], Field(description=(
        "Ids of the certificates that stated the erased score, now revoked"))]


# What each /v1/events operation documents besides its success (route decorators use them).

_INTAKE = ("invalid_json", "validation_error", "unknown_ref", "ref_rule", "bad_signature",
           "unregistered_model", "model_hash_mismatch", "inconsistent_score", "invalid_model",
           "forbidden", "duplicate_id", "model_conflict", "alert_already_cleared",
           "payload_too_large", *KEYED)
RECORD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": EventReceipt, "description": "Already recorded (a retried request with "
          "the same id and content): the original receipt"},
    **error_responses(_INTAKE, RECORD_REASONS)}
BULK_RESPONSES = error_responses(_INTAKE, RECORD_REASONS)
READ_RESPONSES = error_responses(("forbidden", "not_found", *KEYED), READ_REASONS)
ERASE_RESPONSES = error_responses(("invalid_json", "validation_error", "forbidden", "not_found",
                                   "already_erased", "not_erasable", "payload_too_large",
                                   *KEYED), ROLE_REASONS)
