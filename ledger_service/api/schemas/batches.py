"""Batch headers with their signatures and anchor receipts."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from ledger_service.api.schemas.common import DEMO_KEY_ID, EventId, Hex64, Instant, Receipt
from ledger_service.api.schemas.errors import KEYED, error_responses


class ListedBatchHeader(BaseModel):
    """A batch header as listed: bank and enterprise keys get it without ``first_event``
    and ``last_event`` (named under ``withheld``)."""

    version: Literal[1]
    ledger_id: str
    seq: Annotated[int, Field(ge=0)]
    prev_header_hash: Hex64
    merkle_root: Hex64
    size: Annotated[int, Field(ge=1)]
    first_event: EventId | None = None
    last_event: EventId | None = None
    sealed_at: Instant


class Batch(BaseModel):
    seq: int
    header: ListedBatchHeader
    header_hash: Hex64
    signature: Annotated[str, Field(description="Ed25519 over the header's JCS bytes, base64")]
    key_id: Annotated[str, Field(examples=[DEMO_KEY_ID])]
    anchors: list[Receipt]
    withheld: Annotated[list[str] | None, Field(description=(
        "Header fields withheld from this caller (bank and enterprise keys)"))] = None


class BatchPage(BaseModel):
    batches: list[Batch]
    next_after: Annotated[int | None, Field(description=(
        "Pass as `after` for the next page; null on the last page"))]


LIST_RESPONSES = error_responses(("validation_error", *KEYED))
GET_RESPONSES = error_responses(("validation_error", "not_found", *KEYED))
