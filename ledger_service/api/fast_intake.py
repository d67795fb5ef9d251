"""POST /v1/events served without FastAPI's per-request machinery.

The single-event POST is the hottest route. Through FastAPI it paid for
dependency solving, request objects and exit stacks on every call: more CPU
than authenticating, validating and preparing the event together. This plain
ASGI middleware answers exactly that method and path itself and passes every
other request on untouched. What it does is what the route and its
dependencies do, in the same order: the bearer key read as ``HTTPBearer``
reads it, authentication and the per-key rate limit, the body, then
``events.record_one`` (the route's own code: same validation, checks, intake
and answer). Errors go to the app's own exception handlers, looked up as
Starlette's ExceptionMiddleware looks them up, so every refusal has the same
status, shape and headers. The FastAPI route stays registered and documents
the operation in the OpenAPI document.

It also reads the security generation once and hands it to both caches that
consult it (API keys, org signing rules); on PostgreSQL that read is shared by
the requests that arrived before it started (store.generation.SharedGenerationRead).
"""

from __future__ import annotations

import inspect
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger_service.api.routes.events import record_one
from ledger_service.store.generation import SharedGenerationRead

PATH = "/v1/events"


def _route(routes: list[BaseRoute]) -> BaseRoute | None:
    """The documented route, set as scope["route"] as the router would (metrics label it)."""
    for route in routes:
        if getattr(route, "path", None) == PATH and "POST" in (getattr(route, "methods", None)
                                                              or ()):
            return route
    return None


def bearer_token(scope: Scope) -> str | None:
    """The credentials of ``Authorization: Bearer ...`` as fastapi's HTTPBearer
    (auto_error=False) returns them: None unless the scheme is bearer and a value follows."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            header = value.decode("latin-1")
            break
    else:
        return None
    scheme, _, param = header.partition(" ")
    credentials = param.strip()
    if not (header and scheme and credentials) or scheme.lower() != "bearer":
        return None
    return credentials


async def read_body(receive: Receive) -> bytes:
    """The whole request body, as starlette's ``Request.body()`` reads it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.request":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                return b"".join(chunks)
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect()


class FastEventIntake:
    """Answers POST /v1/events; everything else goes to the wrapped app."""

    def __init__(self, app: ASGIApp, routes: list[BaseRoute]) -> None:
        self.app = app
        self.route = _route(routes)
        #: PostgreSQL: generation reads shared across requests (False: SQLite, read inline).
        self._shared_read: SharedGenerationRead | bool | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST"
                or scope.get("root_path") or self.route is None):
            await self.app(scope, receive, send)
            return
        scope["route"] = self.route
        started = False

        async def sender(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        app = scope["app"]
        try:
            ctx = app.state.ctx
            token = bearer_token(scope)
            generation = None
            if token:
                if self._shared_read is None:
                    self._shared_read = (SharedGenerationRead(ctx.keys.generation)
                                         if ctx.engine.dialect.name != "sqlite" else False)
                # SQLite: a local read of a few µs, cheaper than any hand-off
                generation = (await self._shared_read.read() if self._shared_read
                              else ctx.keys.generation.read())
            caller = ctx.keys.authenticate(token, generation)
            app.state.limiter.check(f"key:{caller.key_id}")
            body = await read_body(receive)
            response = await record_one(ctx, caller, body, generation)
        except Exception as exc:
            handler = _handler(app.exception_handlers, exc)
            if handler is None:
                raise
            if started:  # pragma: no cover - nothing is sent before the answer
                raise RuntimeError("handled exception after the response started") from exc
            request = Request(scope, receive)
            if inspect.iscoroutinefunction(handler):
                response = await handler(request, exc)
            else:  # pragma: no cover - the app's handlers are all async
                response = await run_in_threadpool(handler, request, exc)
            exc.__traceback__ = None
        await response(scope, receive, sender)


def _handler(handlers: dict[Any, Any], exc: Exception) -> Any:
    """The handler ExceptionMiddleware would pick: by status for an HTTPException, then by
    class along the MRO; never the catch-all (500 / Exception), which belongs outside."""
    if isinstance(exc, HTTPException) and exc.status_code in handlers:
        return handlers[exc.status_code]
    for cls in type(exc).__mro__:
        if cls is Exception:
            return None
        if cls in handlers:
            return handlers[cls]
    return None
