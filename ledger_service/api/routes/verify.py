"""Verification as a service, for callers without the CLI: /v1/verify/event.

It runs the same checker as `ledger verify`, pinned to this service's keys and
reading anchors back from the ledgers the service is configured with. No API
key is needed: anyone holding a bundle may ask.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from ledger_proof.bundle import BundleFormatError, verify_bundle
from ledger_proof.canonical import CanonicalizationError, canonicalize
from ledger_proof.commitment import commitment_of
from ledger_proof.ledgers.pinned import PinnedLedgers
from ledger_proof.verdict import Check, Verdict
from ledger_service.api.deps import Ctx, limit_anonymous
from ledger_service.api.responses import JSON
from ledger_service.api.schemas import verify as schemas
from ledger_service.core.errors import InvalidInput, InvalidJSON, NotFound
from ledger_service.pipeline.ledgers import own_ledgers

router = APIRouter(prefix="/v1/verify", tags=["verify"], dependencies=[Depends(limit_anonymous)])

def pinned_keys(ctx: Any) -> dict[str, str]:
    return {ctx.key.key_id: ctx.key.public_key_b64}


def ledger_reader(ctx: Any) -> PinnedLedgers:
    """The ledgers this service anchors on: its configuration is its pin."""
    return own_ledgers(ctx)


def _erasure_check(ctx: Any, doc: dict[str, Any], verdict: Verdict) -> None:
    """A bundle that says "erased" is checked against this service's own store.

    Offline, a verifier cannot tell an erased payload from a withheld one;
    the service can: the event must exist here with its payload deleted.
    """
    if doc.get("event") is not None or doc.get("salt") is not None:
        return
    header = doc["batch"]["header"]
    try:
        row = ctx.reader.event_row_at(header["seq"], doc["inclusion"]["leaf_index"])
    except (NotFound, KeyError, TypeError):
        row = None
    if row is None or row.leaf_hash.hex() != doc.get("leaf_hash"):
        verdict.add("erasure_recorded", False, "this ledger holds no such leaf in that batch")
    elif row.body is not None:
        verdict.add("erasure_recorded", False, "the event was not erased: its payload is "
                    "still held, so the bundle withholds it")
    else:
        verdict.add("erasure_recorded", True, "the ledger records this event's erasure")


def _event_with_salt(ctx: Any, doc: dict[str, Any]) -> dict[str, Any]:
    """An event and its salt: find the stored commitment and verify that event's proof."""
    event, salt_hex = doc.get("event"), doc.get("salt")
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) \
            or not isinstance(salt_hex, str):
        raise InvalidInput("send a proof bundle, or {\"event\": {...}, \"salt\": \"<hex>\"}")
    try:
        commitment = commitment_of(bytes.fromhex(salt_hex), canonicalize(event))
    except (ValueError, CanonicalizationError) as exc:
        raise InvalidInput(f"cannot recompute the commitment: {exc}") from None
    try:
        bundle = ctx.reader.proof(event["id"])
    except NotFound:
        verdict = Verdict()
        verdict.add("recorded", False, f"no sealed event {event['id']} in this ledger")
        return verdict.as_dict()
    matches = bundle["commitment"] == commitment.hex()
    verdict = verify_bundle(bundle, pinned_keys=pinned_keys(ctx), reader=ledger_reader(ctx))
    verdict.checks.insert(0, Check("commitment", "pass" if matches else "fail",
                                   "the event and salt hash to the recorded commitment" if matches
                                   else "the event and salt do not match what was recorded"))
    return verdict.as_dict()


@router.post("/event", openapi_extra=schemas.EVENT_BODY,
             summary="Check a proof bundle, or an event and salt",
             response_model=schemas.VerificationResult, responses=schemas.VERIFY_RESPONSES)
async def verify_event(request: Request, ctx: Ctx) -> JSON:
    body = await request.body()
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidJSON("request body is not valid JSON") from None
    if not isinstance(doc, dict):
        raise InvalidInput("send a JSON object")

    def work() -> dict[str, Any]:
        if "version" not in doc:
            return _event_with_salt(ctx, doc)
        try:
            verdict = verify_bundle(doc, pinned_keys=pinned_keys(ctx), reader=ledger_reader(ctx))
        except BundleFormatError as exc:
            raise InvalidInput(f"not a v1 proof bundle: {exc}") from None
        _erasure_check(ctx, doc, verdict)
        return verdict.as_dict()

    return JSON(await run_in_threadpool(work))
