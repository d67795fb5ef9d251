"""Batch headers with signatures and anchor receipts: /v1/batches, for any key holder.

The header names its first and last event, and event ids are what a caller
would harvest to probe other enterprises' records: platform and auditor keys
see the header whole (and can check its signature and hash); bank and
enterprise keys see it without those two fields (listed under ``withheld``),
with its hash, signature, Merkle root, size, seal time and anchor receipts,
enough to follow the hash chain and match anchors. A bank checks a header in
full through the proof bundle of an event it may read, which carries it whole.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from ledger_service.access.read_policy import READ_ALL_ROLES
from ledger_service.api.deps import Caller, Ctx
from ledger_service.api.responses import JSON
from ledger_service.api.schemas import batches as schemas

router = APIRouter(prefix="/v1/batches", tags=["batches"])


@router.get("", summary="Batch headers, oldest first, paged by seq",
            response_model=schemas.BatchPage, responses=schemas.LIST_RESPONSES)
def list_batches(ctx: Ctx, caller: Caller,
                 after: Annotated[int | None, Query(ge=-1, le=2**62)] = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> JSON:
    items = ctx.reader.batches(after, limit, with_events=caller.role in READ_ALL_ROLES)
    return JSON({"batches": items,
                           "next_after": items[-1]["seq"] if len(items) == limit else None})


@router.get("/{seq}", summary="One batch header",
            response_model=schemas.Batch, responses=schemas.GET_RESPONSES)
def get_batch(seq: Annotated[int, Path(ge=0, le=2**62)], ctx: Ctx,
              caller: Caller) -> JSON:
    return JSON(ctx.reader.batch(seq, with_events=caller.role in READ_ALL_ROLES))
