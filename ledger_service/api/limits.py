"""Request size limits, enforced before a byte reaches a parser.

Bodies: a declared Content-Length over the limit is refused at once; a chunked
body is counted as it streams and cut off at the limit, so no client can make
the service buffer more than it allows. Request line and headers: counted as
they arrive, in the HTTP protocol itself (431 past LEDGER_MAX_HEADER_BYTES).
"""

from __future__ import annotations

import functools
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    """Raised mid-stream; an HTTPException so the app's JSON error handler answers it."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body exceeds {limit} bytes")


def _too_large_response(limit: int) -> bytes:
    return orjson.dumps({"error": {"code": "payload_too_large",
                                   "message": f"request body exceeds {limit} bytes",
                                   "details": {"limit_bytes": limit}}})


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > self.max_bytes or declared < 0:
                    await self._refuse(send)
                    return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = _too_large_response(self.max_bytes)
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


# --------------------------------------------------------------------------- header size


def _header_too_large_response(limit: int) -> bytes:
    body = orjson.dumps({"error": {"code": "header_too_large",
                                   "message": f"request line and headers exceed {limit} bytes",
                                   "details": {"limit_bytes": limit}}})
    return (b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n"
            b"connection: close\r\n\r\n" + body)


@functools.cache
def configured_max_header_bytes() -> int:
    """LEDGER_MAX_HEADER_BYTES, read once per process (uvicorn workers import this module)."""
    from ledger_service.core.config import Settings

    return Settings().max_header_bytes


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - uvicorn without httptools: h11 takes the limit
    HttpToolsProtocol = None


if HttpToolsProtocol is not None:
    class HeaderLimitedHttpTools(HttpToolsProtocol):  # type: ignore[misc, valid-type]
        """uvicorn's httptools protocol with a bound on the request line and headers.

        llhttp accumulates a header however long it is (an 8 MB header was read whole),
        so the bytes received while a request's head is incomplete are counted before
        they reach the parser; past the limit the client gets 431 in the one JSON error
        shape and the connection is closed. At most the limit plus one read is buffered.
        """

        #: None: LEDGER_MAX_HEADER_BYTES (see configured_max_header_bytes).
        max_header_bytes: int | None = None

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._head_limit = self.max_header_bytes or configured_max_header_bytes()
            self._in_head = True
            self._head_bytes = 0
            self._refused = False

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            if self._in_head:
                self._head_bytes += len(data)
            super().data_received(data)
            if self._in_head and self._head_bytes > self._head_limit and not self._refused:
                self._refused = True
                self.transport.write(_header_too_large_response(self._head_limit))
                self.transport.close()

        def on_message_begin(self) -> None:
            self._in_head = True
            self._head_bytes = 0
            super().on_message_begin()

        def on_headers_complete(self) -> None:
            self._in_head = False
            self._head_bytes = 0
            super().on_headers_complete()


def http_protocol(max_header_bytes: int | None = None) -> Any:
    """What to give uvicorn as ``http``: the header-limited httptools protocol (a subclass
    bound to max_header_bytes, or the import path that reads the setting), else "h11"
    (which then takes ``h11_max_incomplete_event_size``)."""
    if HttpToolsProtocol is None:  # pragma: no cover
        return "h11"
    if max_header_bytes is None:
        return "ledger_service.api.limits:HeaderLimitedHttpTools"
    return type("HeaderLimitedHttpTools", (HeaderLimitedHttpTools,),
                {"max_header_bytes": max_header_bytes})
