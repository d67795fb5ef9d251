"""Request dependencies: the ledger context, the caller, the raw body."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ledger_service.access.keys import Principal
from ledger_service.runtime.context import LedgerContext

#: Name of the security scheme in the OpenAPI document (what generated clients call it).
API_KEY_SCHEME = "ApiKey"
_bearer = HTTPBearer(auto_error=False, scheme_name=API_KEY_SCHEME, bearerFormat="lk_...",
                     description="API key: `Authorization: Bearer lk_...`; each key has a "
                                 "role (platform, bank, enterprise, auditor) and an org")


async def get_ctx(request: Request) -> LedgerContext:
    """Async on purpose: FastAPI runs a sync dependency on the thread pool, and that
    hop (twice a request) cost more than the whole of a single-event intake check."""
    return request.app.state.ctx


Ctx = Annotated[LedgerContext, Depends(get_ctx)]


async def get_principal(request: Request,
                        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
                        ) -> Principal:
    """The caller, from its bearer key.

    Deliberately async with a blocking indexed lookup inside (~0.1 ms): a sync
    dependency would hop to the thread pool and back on every request, and
    those GIL hand-offs, not the lookup, dominated latency under load.
    """
    ctx: LedgerContext = request.app.state.ctx
    principal = ctx.keys.authenticate(creds.credentials if creds else None)
    request.app.state.limiter.check(f"key:{principal.key_id}")
    return principal


async def limit_anonymous(request: Request) -> None:
    """Rate limit for endpoints anyone may call (verification), by client address."""
    client = request.client.host if request.client else "unknown"
    request.app.state.limiter.check(f"addr:{client}")


Caller = Annotated[Principal, Depends(get_principal)]
