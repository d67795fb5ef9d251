"""Batch headers with signatures and anchor receipts: /v1/batches. Public to any key holder."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from ledger_service.api.deps import Caller, Ctx
from ledger_service.api.responses import JSON
from ledger_service.api.schemas import batches as schemas

router = APIRouter(prefix="/v1/batches", tags=["batches"])


@router.get("", summary="Batch headers, oldest first, paged by seq",
            response_model=schemas.BatchPage, responses=schemas.LIST_RESPONSES)
def list_batches(ctx: Ctx, _: Caller,
                 after: Annotated[int | None, Query(ge=-1, le=2**62)] = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> JSON:
    items = ctx.reader.batches(after, limit)
    return JSON({"batches": items,
                           "next_after": items[-1]["seq"] if len(items) == limit else None})


@router.get("/{seq}", summary="One batch header",
            response_model=schemas.Batch, responses=schemas.GET_RESPONSES)
def get_batch(seq: Annotated[int, Path(ge=0, le=2**62)], ctx: Ctx,
              _: Caller) -> JSON:
    return JSON(ctx.reader.batch(seq))
