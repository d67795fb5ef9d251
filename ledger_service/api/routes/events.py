"""Evidence intake and read-back: /v1/events."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from ledger_service.access.consent import ConsentBook
from ledger_service.access.loan_ownership import check_loan_steps
from ledger_service.access.read_policy import READ_ALL_ROLES, ReadPolicy
from ledger_service.access.write_policy import ERASE_ADAPTER, check_may_record, require_role
from ledger_service.api.deps import Caller, Ctx
from ledger_service.api.errors import pydantic_details
from ledger_service.api.responses import JSON
from ledger_service.api.schemas import events as schemas
from ledger_service.api.schemas.proofs import ProofBundle
from ledger_service.certificates.erasure import erase
from ledger_service.core.errors import InvalidInput, InvalidJSON, TooLarge
from ledger_service.core.metrics import EVENTS_RECORDED
from ledger_service.evidence.schemas import BULK_ADAPTER, EVENT_ADAPTER, MODEL_TYPE, BulkIn
from ledger_service.pipeline.intake import Submission
from ledger_service.pipeline.reader import no_such_event

router = APIRouter(prefix="/v1/events", tags=["events"])

_EVENT_SCHEMA = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": EVENT_ADAPTER.json_schema(ref_template="#/components/schemas/{model}")}}}}
_BULK_SCHEMA = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": BULK_ADAPTER.json_schema(ref_template="#/components/schemas/{model}")}}}}
_ERASE_SCHEMA = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": ERASE_ADAPTER.json_schema()}}}}
READ_ROLES = ("platform", "auditor", "bank", "enterprise")


def _parse(adapter: Any, body: bytes, ctx: Any) -> Any:
    """Validate raw JSON bytes in strict mode; malformed JSON is a 400, bad shape a 422."""
    if not body:
        raise InvalidInput("request body is empty; send a JSON object")
    try:
        return adapter.validate_json(body, context={"uscc_allowlist": ctx.settings.allowlist})
    except ValidationError as exc:
        errors = exc.errors()
        if errors and errors[0].get("type") == "json_invalid":
            raise InvalidJSON("request body is not valid JSON",
                              **pydantic_details(errors)) from None
        raise InvalidInput("the event does not match its schema",
                           **pydantic_details(list(errors))) from None


def _raw(body: bytes) -> Any:
    return orjson.loads(body)


@router.post("", status_code=201, openapi_extra=_EVENT_SCHEMA,
             summary="Record one evidence event",
             response_model=schemas.EventReceipt, responses=schemas.RECORD_RESPONSES)
async def post_event(request: Request, ctx: Ctx, caller: Caller) -> JSON:
    """Documents the route; requests are served by api.fast_intake.FastEventIntake, which
    authenticates as the Caller dependency does and then calls record_one."""
    return await record_one(ctx, caller, await request.body())


async def record_one(ctx: Any, caller: Any, body: bytes, generation: int | None = None
                     ) -> JSON:
    """POST /v1/events past authentication: validate, check, record durably, answer.

    ``generation``: the security generation read when the caller was authenticated,
    reused for the org-rules cache (one read a request).
    """
    event = _parse(EVENT_ADAPTER, body, ctx)
    check_may_record(caller, 0, event)
    check_loan_steps(ctx.engine, caller, [event])
    raw = [_raw(body)] if event.get("signature") else [{}]
    result = (await ctx.intake.record(Submission(caller.org, [event], raw_events=raw,
                                                 security_generation=generation)))[0]
    if not result.duplicate:
        _recorded_counter(event["type"]).inc()
    return JSON({"id": result.id, "leaf_hash": result.leaf_hash,
                 "status": result.status},
                status_code=200 if result.duplicate else 201)


_RECORDED: dict[str, Any] = {}


def _recorded_counter(event_type: str) -> Any:
    """EVENTS_RECORDED's child for a type (``labels()`` costs a lock and a tuple each call)."""
    counter = _RECORDED.get(event_type)
    if counter is None:
        counter = _RECORDED[event_type] = EVENTS_RECORDED.labels(event_type)
    return counter


@router.post("/bulk", status_code=201, openapi_extra=_BULK_SCHEMA,
             summary="Record up to 10,000 events, all or nothing",
             response_model=schemas.BulkReceipt, responses=schemas.BULK_RESPONSES)
async def post_bulk(request: Request, ctx: Ctx, caller: Caller) -> JSON:
    body = await request.body()
    # Validating 10,000 events takes tens of milliseconds: off the event loop with it.
    bulk: BulkIn = await asyncio.to_thread(_parse, BULK_ADAPTER, body, ctx)
    events = bulk["events"]
    limit = ctx.settings.max_bulk_events
    if len(events) > limit:
        raise TooLarge(f"a bulk request holds at most {limit} events, got {len(events)}",
                       limit=limit, count=len(events))
    for index, event in enumerate(events):
        check_may_record(caller, index, event)
    check_loan_steps(ctx.engine, caller, events)

    signed = "signature" in bulk or any(e.get("signature") for e in events)
    raw = _raw(body) if signed else None
    results = await ctx.intake.record(Submission(
        caller.org, events, raw_events=raw["events"] if raw else None,
        bulk_signature=bulk.get("signature"), raw_bulk=raw))
    counts = Counter(e["type"] for e, r in zip(events, results, strict=True) if not r.duplicate)
    for etype, count in counts.items():
        EVENTS_RECORDED.labels(etype).inc(count)
    return JSON({"count": len(results),
                           "events": [{"id": r.id, "leaf_hash": r.leaf_hash, "status": r.status}
                                      for r in results]}, status_code=201)


def check_read(ctx: Any, caller: Any, event_id: str) -> None:
    """Consent-gated read of one event (read_policy).

    A caller with no relationship to the event's enterprise gets the very 404 of an
    unknown id; a related caller who may not read this event gets 403 with a reason.
    Platform and auditor read everything: no extra query on the proof hot path.
    """
    if caller.role in READ_ALL_ROLES:
        return
    row = ctx.reader.event_row(event_id)
    if row.type == MODEL_TYPE:
        return  # public: a model's specification, read by whoever recomputes a score
    policy = ReadPolicy(ConsentBook(ctx.engine), caller)
    if not policy.related(row.enterprise_id):
        raise no_such_event(event_id)
    policy.check_event(row.enterprise_id, row.type)


@router.get("/{event_id}", summary="An event, its status and batch",
            response_model=schemas.EventRecord, responses=schemas.READ_RESPONSES)
def get_event(event_id: str, ctx: Ctx, caller: Caller) -> JSON:
    check_read(ctx, caller, event_id)
    return JSON(ctx.reader.event(event_id))


@router.get("/{event_id}/proof", summary="The event's v1 proof bundle",
            response_model=ProofBundle, responses=schemas.READ_RESPONSES)
def get_proof(event_id: str, ctx: Ctx, caller: Caller) -> JSON:
    check_read(ctx, caller, event_id)
    return JSON(ctx.reader.proof(event_id))


@router.post("/{event_id}/erase", summary="Erase an event's payload and salt (platform)",
             openapi_extra=_ERASE_SCHEMA,
             response_model=schemas.ErasureReceipt, responses=schemas.ERASE_RESPONSES)
async def erase_event(event_id: str, request: Request, ctx: Ctx, caller: Caller) -> JSON:
    """Deletes payload, salt and org signature, keeps commitment and leaf, records an
    event.erased; first revokes and redacts every certificate stating the event."""
    require_role(caller, "platform")
    body = _parse(ERASE_ADAPTER, await request.body(), ctx)
    # Ledger writes (certificates) and the database's writer: off the event loop.
    return JSON(await run_in_threadpool(erase, ctx, event_id, body["reason"], caller.org))
