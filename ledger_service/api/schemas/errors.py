"""The one error shape, every error code the API answers with, and per-operation listings.

Every failure is ``{"error": {"code", "message", "details"}}``. ``code`` is a
plain string in the schema, not an enum: a code added later must not make an
older generated client fail to parse an error. The codes an operation can
return are listed under each status in its responses (description and one
example per code), and ``details.reason`` of a 403 names why access was refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, Field

from ledger_service.api.schemas.common import DEMO_BANK, DEMO_EVENT_ID, DEMO_USCC


class ErrorBody(BaseModel):
    code: Annotated[str, Field(description=(
        "Machine-readable code; the codes each status can carry are listed under it in "
        "each operation's responses"), examples=["forbidden"])]
    message: Annotated[str, Field(description="For people; never parse it",
                                  examples=["this bank holds no live consent of the "
                                            "enterprise"])]
    details: Annotated[dict[str, Any], Field(description=(
        "Structured details: `reason` for 403; `retry_after` (seconds) for 429; `errors` "
        "(loc, msg, type) and `error_count` for validation errors; `reference` for 500"),
        examples=[{"reason": "no_consent", "enterprise_id": DEMO_USCC}])]


class Error(BaseModel):
    """Every error the API answers, whatever the status."""

    error: ErrorBody


@dataclass(frozen=True)
class ErrorCode:
    """One code: the status it comes with, what it means, an example message and details."""

    code: str
    status: int
    meaning: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


_VALIDATION_DETAILS = {"errors": [{"loc": ["payload", "score"], "msg": "Input should be less "
                                   "than or equal to 1000", "type": "less_than_equal"}],
                       "error_count": 1}

CODES: dict[str, ErrorCode] = {c.code: c for c in (
    ErrorCode("invalid_json", 400, "the body is not JSON at all",
              "request body is not valid JSON"),
    ErrorCode("unauthorized", 401, "no bearer API key, an unknown one, or a revoked one",
              "missing bearer API key"),
    ErrorCode("forbidden", 403, "the caller's role, org or consents do not allow this; "
              "`details.reason` says which rule refused",
              "this bank holds no live consent of the enterprise",
              {"reason": "no_consent", "enterprise_id": DEMO_USCC}),
    ErrorCode("not_found", 404, "nothing with that id (or, for a proof, not sealed yet: "
              "`details.status` is `pending`)", f"no event with id {DEMO_EVENT_ID}",
              {"id": DEMO_EVENT_ID}),
    ErrorCode("duplicate_id", 409, "an event id already recorded with other content, or "
              "named twice in one request",
              f"event id {DEMO_EVENT_ID} is already recorded with other content",
              {"id": DEMO_EVENT_ID}),
    ErrorCode("already_erased", 409, "the event's payload was already erased",
              f"event {DEMO_EVENT_ID} is already erased", {"id": DEMO_EVENT_ID}),
    ErrorCode("not_erasable", 409, "erasure records hold no personal data and stay",
              "erasure records hold no personal data and stay", {"id": DEMO_EVENT_ID}),
    ErrorCode("no_sealed_score", 409, "the enterprise has no sealed score.computed yet; "
              "retry after the next seal",
              f"enterprise {DEMO_USCC} has no sealed score.computed",
              {"enterprise_id": DEMO_USCC}),
    ErrorCode("conflict", 409, "the request conflicts with the caller's own state (a key "
              "revoking itself)", "a key cannot revoke itself", {"id": 1}),
    ErrorCode("model_conflict", 409, "the model id and version are registered already "
              "(`details.registration` names the registration)",
              "model tri-dim-scorecard 1.0 is registered already with another specification",
              {"registration": DEMO_EVENT_ID}),
    ErrorCode("alert_already_cleared", 409, "the risk alert is cleared already",
              f"alert {DEMO_EVENT_ID} is cleared already", {"alert_id": DEMO_EVENT_ID}),
    ErrorCode("not_anchored", 409, "the enterprise's latest sealed score is not anchored on "
              "a ledger yet (or none is configured); retry after anchoring",
              "the latest sealed score is not anchored yet", {"enterprise_id": DEMO_USCC}),
    ErrorCode("certificate_erased", 410, "the certificate was erased; only its hash remains",
              "certificate crt-nope was erased", {"id": "crt-nope"}),
    ErrorCode("payload_too_large", 413, "the body, or the number of events in a bulk "
              "request, exceeds the limit", "request body exceeds 16777216 bytes",
              {"limit_bytes": 16777216}),
    ErrorCode("validation_error", 422, "the request does not match the schema "
              "(`details.errors` says where)", "the event does not match its schema",
              _VALIDATION_DETAILS),
    ErrorCode("unknown_ref", 422, "`refs` names an event that is not recorded",
              f"event 0 refs {DEMO_EVENT_ID}, which is not recorded", {"index": 0}),
    ErrorCode("ref_rule", 422, "the refs break the type's rule (an approval cites a score "
              "and a consent of the same enterprise, ...)",
              "a loan.approved must ref a score.computed of the same enterprise",
              {"index": 0}),
    ErrorCode("invalid_inputs", 422, "scoring inputs the model cannot score: "
              "`details.indicator` names the first offending indicator (null: the whole "
              "document), `details.reason` why (`malformed`, `missing`, `unknown`, "
              "`unit_mismatch`, `not_integer`, `out_of_range`)",
              "inputs: debt_to_asset_ratio: 120000 is outside 0..100000",
              {"indicator": "debt_to_asset_ratio", "reason": "out_of_range"}),
    ErrorCode("unregistered_model", 422, "the score cites no registered model (or the "
              "named model is not registered)", "a score.computed must ref exactly one "
              "model.registered (the model that computed it); it refs 0",
              {"index": 0, "model_id": "tri-dim-scorecard", "model_version": "1.0"}),
    ErrorCode("model_hash_mismatch", 422, "the score's model hash, id or version differ "
              "from the registration it cites", "the score's model hash, id or version "
              "differ from the registration it cites", {"index": 0}),
    ErrorCode("inconsistent_score", 422, "dimensions, score or grade do not follow from "
              "the score's factor values under the model (`details.field` names the first)",
              "score does not follow from the score's factor values under the registered "
              "model", {"index": 0, "field": "score"}),
    ErrorCode("invalid_model", 422, "not a valid scorecard/v1 specification, a hash or id "
              "that does not match it, a registration not under the operator's USCC, or a "
              "risk alert naming an indicator no registered model has",
              "not a valid scorecard/v1 specification: weights do not sum to 1000",
              {"field": "model_hash"}),
    ErrorCode("bad_signature", 422, "the org's Ed25519 signature is missing, malformed or "
              "does not verify", f"org {DEMO_BANK!r} must sign its submissions"),
    ErrorCode("header_too_large", 431, "the request line and headers exceed the server's "
              "limit (answered by the server before any route, then the connection closes)",
              "request line and headers exceed 65536 bytes", {"limit_bytes": 65536}),
    ErrorCode("rate_limited", 429, "too many requests; wait `Retry-After` seconds",
              "too many requests; retry in 1 s", {"retry_after": 1}),
    ErrorCode("internal", 500, "something failed inside; quote `details.reference` to the "
              "operator", "internal error; quote this reference to the operator",
              {"reference": "5f0c2e9a1b3d"}),
    ErrorCode("ledger_unavailable", 503, "a ledger (Fabric, EVM) did not take the write; "
              "safe to retry", "a ledger did not take the write: no Raft leader"),
    ErrorCode("pdf_unavailable", 503, "the PDF cannot be rendered here (no CJK font)",
              "no CJK TrueType font found"),
)}

#: Why a 403 refused a read of an enterprise's records (``details.reason``).
READ_REASONS = ("role_not_allowed", "not_own_enterprise", "no_consent", "consent_expired",
                "consent_revoked", "consent_not_yet_live", "consent_erased",
                "consent_out_of_scope")
#: Why a 403 refused recording an event.
RECORD_REASONS = ("role_may_not_record", "not_own_enterprise", "not_loan_owner")
#: Why a 403 refused an operation reserved to some roles.
ROLE_REASONS = ("role_not_allowed",)

_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "Seconds to wait before retrying",
                          "schema": {"type": "integer", "minimum": 0}}},
}


def error_responses(codes: Iterable[str], reasons: Iterable[str] = ()
                    ) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries for these error codes, grouped by status.

    Each status gets the ``Error`` model, a description listing its codes
    (and, for 403, the reasons), one example per code, and its headers.
    """
    reasons = tuple(reasons)
    by_status: dict[int, list[ErrorCode]] = {}
    for name in codes:
        code = CODES[name]  # KeyError: an undocumented code, add it to CODES
        by_status.setdefault(code.status, []).append(code)
    out: dict[int | str, dict[str, Any]] = {}
    for status in sorted(by_status):
        lines = [f"- `{c.code}`: {c.meaning}" for c in by_status[status]]
        examples: dict[str, Any] = {}
        for c in by_status[status]:
            details = c.details
            if status == 403 and reasons:
                lines.append("  reasons (`details.reason`): "
                             + ", ".join(f"`{r}`" for r in reasons))
                details = {**c.details, "reason": reasons[0]}
            examples[c.code] = {"summary": c.meaning.split(";")[0],
                                "value": {"error": {"code": c.code, "message": c.message,
                                                    "details": details}}}
        # "model" registers the component; the explicit schema keeps errors JSON even where
        # the operation's success is another media type (/metrics).
        entry: dict[str, Any] = {"model": Error, "description": "\n".join(lines),
                                 "content": {"application/json": {
                                     "schema": {"$ref": "#/components/schemas/Error"},
                                     "examples": examples}}}
        if status in _HEADERS:
            entry["headers"] = _HEADERS[status]
        out[status] = entry
    return out


#: What every operation behind an API key can answer besides its own errors.
KEYED = ("unauthorized", "rate_limited", "internal")
#: What every anonymous, rate-limited operation can answer.
ANONYMOUS = ("rate_limited", "internal")
