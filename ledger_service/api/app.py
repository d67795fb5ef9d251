"""The FastAPI application and its lifespan (batcher and anchor worker threads)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from ledger_service import __version__
from ledger_service.access.ratelimit import RateLimiter
from ledger_service.api import errors, openapi
from ledger_service.api.fast_intake import FastEventIntake
from ledger_service.api.limits import BodyLimitMiddleware
from ledger_service.api.observe import MetricsMiddleware
from ledger_service.api.responses import JSON
from ledger_service.api.routes import (
    api_keys,
    batches,
    consents,
    enterprises,
    events,
    models,
    orgs,
    portal,
    scores,
    system,
    verify,
    whoami,
)
from ledger_service.api.routes import certificates as certificate_routes
from ledger_service.certificates.service import CertificateService, RecoveryThread
from ledger_service.pipeline.batcher import BatcherThread
from ledger_service.runtime.context import LedgerContext

log = logging.getLogger(__name__)


def create_app(ctx: LedgerContext, *, background: bool = True, close_ctx: bool = False
               ) -> FastAPI:
    """Build the app around a ledger context.

    With ``background`` the batcher (and the anchor worker, when ledgers are
    configured) run as threads for the app's lifetime: `ledger serve` is one
    process that takes intake, seals and anchors. So does the certificate
    recovery sweep, whose first pass runs before the app answers.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        threads = []
        if background:
            # Certificates left half issued (or half revoked) by a crash: revoked before the
            # service answers, then swept periodically.
            certificates = CertificateService.of(ctx)
            try:
                await run_in_threadpool(certificates.recover)
            except Exception:
                log.exception("certificate recovery at start failed; the sweep retries")
            recovery = RecoveryThread(certificates)
            recovery.start()
            threads.append(recovery)
        if background and ctx.settings.batcher_enabled:
            batcher = BatcherThread(ctx.sealer)
            batcher.start()
            threads.append(batcher)
        if background:
            for worker in ctx.anchor_workers():
                worker.start()
                threads.append(worker)
        try:
            yield
        finally:
            for thread in threads:
                thread.stop()
            for thread in threads:
                thread.join(timeout=10)
            if close_ctx:
                ctx.close()

    app = FastAPI(title="Credit evidence ledger", version=__version__, lifespan=lifespan,
                  default_response_class=JSON,
                  generate_unique_id_function=openapi.operation_id,
                  description="Typed credit evidence events committed into signed Merkle "
                              "batches anchored on Hyperledger Fabric; proofs, provenance "
                              "and credit certificates.")
    app.state.ctx = ctx
    app.state.limiter = RateLimiter(ctx.settings.rate_limit_per_second,
                                    ctx.settings.rate_limit_burst)
    errors.install(app)
    openapi.install(app)
    for router in (events.router, batches.router, verify.router, system.router):
        app.include_router(router)
    app.include_router(enterprises.router)
    app.include_router(certificate_routes.router)
    for router in (models.router, scores.router):
        app.include_router(router)
    for router in (consents.router, whoami.router, api_keys.router, orgs.router, portal.router):
        app.include_router(router)

    # Innermost: POST /v1/events answered without FastAPI's per-request machinery, inside
    # the body limit and the metrics like every route.
    app.add_middleware(FastEventIntake, routes=events.router.routes)
    app.add_middleware(BodyLimitMiddleware, max_bytes=ctx.settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware)
    return app
