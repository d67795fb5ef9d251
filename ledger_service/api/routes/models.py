"""Scoring models: /v1/models. Registering one records a ``model.registered`` event.

Registrations are public to every key: they hold a model's specification and nobody's
data, and anyone recomputing a score needs the exact specification it was computed
with.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from ledger_proof.timefmt import to_text
from ledger_service.access.write_policy import require_role
from ledger_service.api.deps import Caller, Ctx
from ledger_service.api.responses import JSON
from ledger_service.api.schemas import scoring as schemas
from ledger_service.core.errors import InvalidInput, InvalidJSON
from ledger_service.runtime.scoring import Scoring

router = APIRouter(prefix="/v1/models", tags=["scoring"])

_SPEC_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"type": "object", "description": "A scorecard/v1 specification (the "
               "reference model's is GET /v1/models/{model_id}/{model_version} `spec`)"}}}}}


def json_body(body: bytes) -> Any:
    """A JSON document, or 400 invalid_json / 422 for an empty body."""
    if not body:
        raise InvalidInput("request body is empty; send a JSON object")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidJSON("request body is not valid JSON") from None


@router.post("", status_code=201, openapi_extra=_SPEC_BODY,
             summary="Register a scoring model (platform)", response_model=schemas.ModelRecord,
             responses=schemas.REGISTER_RESPONSES)
async def register_model(
        request: Request, ctx: Ctx, caller: Caller,
        occurred_at: Annotated[datetime | None, Query(
            description="When the model was adopted (RFC 3339); default now. Scores dated "
                        "before their model's registration fail provenance")] = None) -> JSON:
    require_role(caller, "platform")
    spec = json_body(await request.body())
    when = None
    if occurred_at is not None:
        if occurred_at.tzinfo is None:
            raise InvalidInput("occurred_at needs a time zone offset", field="occurred_at")
        when = to_text(occurred_at)
    row, created = await run_in_threadpool(Scoring(ctx).register, caller, spec, when)
    return JSON(row.as_dict(with_spec=True), status_code=201 if created else 200)


@router.get("", summary="Registered scoring models", response_model=schemas.ModelList,
            responses=schemas.MODEL_LIST_RESPONSES)
def list_models(ctx: Ctx, caller: Caller) -> JSON:
    return JSON({"models": [row.as_dict() for row in Scoring(ctx).models()]})


@router.get("/{model_id}/{model_version}", summary="A registered model and its specification",
            response_model=schemas.ModelRecord, responses=schemas.MODEL_READ_RESPONSES)
def get_model(model_id: str, model_version: str, ctx: Ctx, caller: Caller) -> JSON:
    return JSON(Scoring(ctx).model(model_id, model_version).as_dict(with_spec=True))
