"""Scores: /v1/scores. The platform scores inputs with a registered model; whoever may
read a score may recompute it from its inputs and salt.

The inputs never reach the ledger (only their salted digest does), and the salt is
answered once, to the platform that submitted them, which hands both to the
enterprise (and the enterprise to an auditor).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from ledger_service.access.write_policy import require_role
from ledger_service.api.deps import Caller, Ctx
from ledger_service.api.errors import pydantic_details
from ledger_service.api.responses import JSON
from ledger_service.api.routes.events import check_read
from ledger_service.api.routes.models import json_body
from ledger_service.api.schemas import scoring as schemas
from ledger_service.core.errors import InvalidInput
from ledger_service.runtime.scoring import Scoring

router = APIRouter(prefix="/v1/scores", tags=["scoring"])


def _body(model: Any, body: bytes) -> Any:
    doc = json_body(body)
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        raise InvalidInput("the request does not match the schema",
                           **pydantic_details(list(exc.errors()))) from None


def _schema(model: Any) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": model.model_json_schema()}}}}


@router.post("", status_code=201, openapi_extra=_schema(schemas.ScoreIn),
             summary="Score inputs with a registered model and record it (platform)",
             response_model=schemas.ScoreRecord, responses=schemas.SCORE_RESPONSES)
async def post_score(request: Request, ctx: Ctx, caller: Caller) -> JSON:
    require_role(caller, "platform")
    body = _body(schemas.ScoreIn, await request.body())
    result = await run_in_threadpool(
        Scoring(ctx).score, caller, body.enterprise_id, body.inputs, body.occurred_at,
        body.model_id, body.model_version)
    return JSON(result, status_code=201)


@router.post("/{event_id}/rescore", openapi_extra=_schema(schemas.RescoreIn),
             summary="Recompute a recorded score from its inputs and salt",
             response_model=schemas.RescoreReport, responses=schemas.RESCORE_RESPONSES)
async def rescore(event_id: str, request: Request, ctx: Ctx, caller: Caller) -> JSON:
    """200 whether or not it follows (``ok``); a caller who may not read the score gets
    what reading it would answer (the identical 404 for an unrelated caller)."""
    body = _body(schemas.RescoreIn, await request.body())
    await run_in_threadpool(check_read, ctx, caller, event_id)
    return JSON(await run_in_threadpool(Scoring(ctx).rescore, event_id, body.inputs,
                                        body.inputs_salt))
