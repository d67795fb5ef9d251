"""Keys, liveness, readiness and metrics."""

from __future__ import annotations

import contextlib
import time

from fastapi import APIRouter, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text

from ledger_service.access.read_policy import READ_ALL_ROLES
from ledger_service.access.write_policy import require_role
from ledger_service.api.deps import Caller, Ctx
from ledger_service.api.responses import JSON
from ledger_service.api.schemas import system as schemas
from ledger_service.core.metrics import ANCHOR_LAG_BATCHES, ANCHOR_LAG_SECONDS, REGISTRY
from ledger_service.pipeline.batcher import sealed_upto
from ledger_service.pipeline.ledgers import describe
from ledger_service.store.tables import ANCHORS, BATCHES, EVENTS

router = APIRouter(tags=["system"])


@router.get("/v1/keys", summary="The service's Ed25519 verification keys",
            response_model=schemas.KeyList, responses=schemas.INTERNAL)
def keys(ctx: Ctx) -> JSON:
    return JSON({"keys": [{"key_id": ctx.key.key_id, "algorithm": "Ed25519",
                                     "public_key": ctx.key.public_key_b64,
                                     "ledger_id": ctx.settings.ledger_id, "current": True}]})


@router.get("/healthz", summary="Liveness", response_model=schemas.Health,
            responses=schemas.INTERNAL)
def healthz() -> JSON:
    return JSON({"status": "ok"})


def anchor_lag(ctx: Ctx) -> dict[str, dict[str, float | int]]:
    """Per backend: sealed batches without a receipt, and the age of the oldest."""
    lag: dict[str, dict[str, float | int]] = {}
    with ctx.engine.connect() as conn:
        for backend in ctx.backends:
            anchored = select(ANCHORS.c.batch_seq).where(ANCHORS.c.backend == backend.name)
            row = conn.execute(select(func.count(), func.min(BATCHES.c.sealed_us))
                               .where(BATCHES.c.seq.not_in(anchored))).one()
            count, oldest = row
            age = max(0.0, time.time() - oldest / 1e6) if oldest else 0.0
            ANCHOR_LAG_BATCHES.labels(backend.name).set(count)
            ANCHOR_LAG_SECONDS.labels(backend.name).set(age)
            lag[backend.name] = {"batches": int(count), "oldest_seconds": round(age, 3)}
    return lag


def anchoring(ctx: Ctx) -> dict[str, object]:
    """Which ledgers headers are anchored on, where their data lives; "none" says why."""
    plan = ctx.extras.get("ledger_plan")
    if plan is not None:
        ledgers: list[dict[str, object]] = list(describe(plan, ctx))
    else:
        ledgers = [{"backend": b.name} for b in ctx.backends]
    if not ledgers:
        reason = getattr(plan, "problem", None) or "no ledger configured"
        return {"ledger": "none", "reason": reason}
    return {"ledger": " and ".join(str(entry["backend"]) for entry in ledgers),
            "ledgers": ledgers}


@router.get("/readyz", summary="Readiness: database reachable, anchoring ledger and lag",
            response_model=schemas.Readiness, responses=schemas.READY_RESPONSES)
def readyz(ctx: Ctx) -> JSON:
    checks: dict[str, object] = {}
    ready = True
    try:
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            pending = conn.execute(select(func.count()).select_from(EVENTS)
                                   .where(EVENTS.c.pos > sealed_upto(conn))).scalar_one()
        checks["database"] = {"ok": True, "pending_events": int(pending)}
    except Exception as exc:
        ready = False
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    checks["anchoring"] = anchoring(ctx)
    if ready and ctx.backends:
        lag = anchor_lag(ctx)
        workers = {w.backend.name: w for w in ctx.extras.get("anchor_workers", [])}
        for name, info in lag.items():
            state = workers[name].state if name in workers else {}
            checks[f"anchor.{name}"] = {**info, **state}
    return JSON({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics (platform and auditor keys)",
            response_class=PlainTextResponse, responses=schemas.METRICS_RESPONSES)
def metrics(ctx: Ctx, caller: Caller) -> Response:
    # Per-type event counts and anchoring lag describe the ledger's business: operators
    # (platform) and auditors only. Prometheus sends the key with `authorization`.
    require_role(caller, *READ_ALL_ROLES)
    if ctx.backends:
        with contextlib.suppress(Exception):  # metrics must render even if the DB is down
            anchor_lag(ctx)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
