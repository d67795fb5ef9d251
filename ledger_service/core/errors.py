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


class InvalidScoreInputs(LedgerError):
    """Scoring inputs that do not follow the model's documented shape, unit or range;
    ``details.indicator`` names the first offending indicator, ``details.reason`` why."""

    code, status = "invalid_inputs", 422


class UnregisteredModel(LedgerError):
    """A score that cites no registration of the model it claims (or names no registered
    model): a score is evidence only if anyone can recompute it."""

    code, status = "unregistered_model", 422


class ModelHashMismatch(LedgerError):
    """A score whose model hash, id or version differ from the registration it cites."""

    code, status = "model_hash_mismatch", 422


class InconsistentScore(LedgerError):
    """A score whose dimensions, total or grade do not follow from its own factor values
    under the model (``details.field`` names the first)."""

    code, status = "inconsistent_score", 422


class InvalidModel(LedgerError):
    """A model specification that is not a valid scorecard, or whose hash or ids do not
    match what its registration claims."""

    code, status = "invalid_model", 422


class ModelConflict(LedgerError):
    """The model id and version are registered already (with another specification, or
    the same one under another event)."""

    code, status = "model_conflict", 409


class AlertCleared(LedgerError):
    """A risk.cleared for an alert that is cleared already."""

    code, status = "alert_already_cleared", 409
