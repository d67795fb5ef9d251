"""Batch headers with their signatures and anchor receipts."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from ledger_service.api.schemas.common import DEMO_KEY_ID, Hex64, Receipt
from ledger_service.api.schemas.errors import KEYED, error_responses
from ledger_service.api.schemas.proofs import BatchHeader


class Batch(BaseModel):
    seq: int
    header: BatchHeader
    header_hash: Hex64
    signature: Annotated[str, Field(description="Ed25519 over the header's JCS bytes, base64")]
    key_id: Annotated[str, Field(examples=[DEMO_KEY_ID])]
    anchors: list[Receipt]


class BatchPage(BaseModel):
    batches: list[Batch]
    next_after: Annotated[int | None, Field(description=(
        "Pass as `after` for the next page; null on the last page"))]


LIST_RESPONSES = error_responses(("validation_error", *KEYED))
GET_RESPONSES = error_responses(("validation_error", "not_found", *KEYED))
