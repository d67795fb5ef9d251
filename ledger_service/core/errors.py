"""Named errors of the ledger's domain. The API maps each to a status and a code."""

from __future__ import annotations

from typing import Any


class LedgerError(Exception):
    """Base: carries a machine code, an HTTP status and structured details."""

    code = "ledger_error"
    status = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(LedgerError):
    code, status = "validation_error", 422


class InvalidJSON(LedgerError):
    """The body is not JSON at all (as opposed to JSON of the wrong shape, a 422)."""

    code, status = "invalid_json", 400


class UnknownRef(LedgerError):
    code, status = "unknown_ref", 422


class RefRuleViolation(LedgerError):
    code, status = "ref_rule", 422


class DuplicateEvent(LedgerError):
    code, status = "duplicate_id", 409


class BadSignature(LedgerError):
    code, status = "bad_signature", 422


class NotFound(LedgerError):
    code, status = "not_found", 404


class Unauthorized(LedgerError):
    code, status = "unauthorized", 401


class Forbidden(LedgerError):
    code, status = "forbidden", 403


class TooLarge(LedgerError):
    code, status = "payload_too_large", 413


class Conflict(LedgerError):
    code, status = "conflict", 409
