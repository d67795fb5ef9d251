"""Verification results: every check by name with its outcome, and the overall verdict."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from ledger_service.api.schemas.errors import ANONYMOUS, error_responses


class Check(BaseModel):
    name: Annotated[str, Field(examples=["header_signature"])]
    status: Annotated[Literal["pass", "fail", "not_checked"], Field(description=(
        "not_checked: could not be judged with what the verifier pins"))]
    ok: Annotated[bool | None, Field(description="true pass, false fail, null not checked")]
    detail: str


class VerificationResult(BaseModel):
    """VALID needs a passed check tied to a pinned key or ledger; any failure is INVALID."""


    verdict: Literal["VALID", "INVALID", "UNVERIFIED"]
    valid: Annotated[bool, Field(description="verdict == VALID")]
    checks: list[Check]
    warnings: list[str]
    how_to_pin: Annotated[str | None, Field(description="Present when UNVERIFIED")] = None


class CertificateDescription(BaseModel):
    """What the verified document states, for display next to the verdict."""

    number: str | None
    enterprise_id: str | None
    name_zh: str | None
    name_en: str | None
    grade: str | None
    score: int | None
    valid_from: str | None
    valid_until: str | None


class CertificateVerification(VerificationResult):
    certificate: Annotated[CertificateDescription | None, Field(description=(
        "Absent when the QR reference names no certificate of this service"))] = None


VERIFY_RESPONSES = error_responses(("invalid_json", "validation_error", "payload_too_large",
                                    *ANONYMOUS))


def _body(*variants: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"oneOf": list(variants)}}}}}


#: POST /v1/verify/event: a proof bundle as GET /v1/events/{id}/proof gave it, or an event
#: and its salt (the service finds the stored commitment and checks that event's proof).
EVENT_BODY = _body(
    {"$ref": "#/components/schemas/ProofBundle"},
    {"type": "object", "title": "EventWithSalt", "required": ["event", "salt"],
     "properties": {"event": {"type": "object", "additionalProperties": True,
                              "description": "The committed event, with its id"},
                    "salt": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}})
#: POST /v1/verify/certificate: the credential, or what the PDF's QR code carries.
CERTIFICATE_BODY = _body(
    {"$ref": "#/components/schemas/Credential"},
    {"type": "object", "title": "CertificateReference", "required": ["id", "credential_hash"],
     "properties": {"id": {"type": "string", "pattern": "^crt-[0-9a-f-]{36}$"},
                    "credential_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}})
