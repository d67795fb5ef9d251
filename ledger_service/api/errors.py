"""One error shape for every failure: {"error": {"code", "message", "details"}}.

Internal errors say only that something went wrong and a request id to quote;
stack traces and SQL stay in the server log.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger_service.api.responses import JSON
from ledger_service.core.errors import LedgerError

log = logging.getLogger(__name__)

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 406: "not_acceptable", 409: "conflict",
               413: "payload_too_large", 415: "unsupported_media_type",
               422: "validation_error", 429: "rate_limited"}


def error_response(status: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> JSON:
    return JSON({"error": {"code": code, "message": message,
                                     "details": details or {}}},
                          status_code=status, headers=headers)


def pydantic_details(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """Where and why, without echoing (possibly large or sensitive) input back."""
    return {"errors": [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""),
                        "type": e.get("type", "")} for e in errors[:50]],
            "error_count": len(errors)}


def install(app: FastAPI) -> None:
    @app.exception_handler(LedgerError)
    async def _ledger(_: Request, exc: LedgerError) -> JSON:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if exc.status == 429:
            headers = {"Retry-After": str(exc.details.get("retry_after", 1))}
        return error_response(exc.status, exc.code, exc.message, exc.details, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSON:
        return error_response(422, "validation_error", "the request does not match the schema",
                              pydantic_details(list(exc.errors())))

    @app.exception_handler(ValidationError)
    async def _pyd(_: Request, exc: ValidationError) -> JSON:
        return error_response(422, "validation_error", "the request does not match the schema",
                              pydantic_details(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSON:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return error_response(exc.status_code, code, message, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _internal(_: Request, exc: Exception) -> JSON:
        ref = uuid.uuid4().hex[:12]
        log.exception("internal error %s", ref, exc_info=exc)
        return error_response(500, "internal", "internal error; quote this reference to the "
                              "operator", {"reference": ref})
