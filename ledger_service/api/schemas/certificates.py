"""Credit certificates: the W3C Verifiable Credential, its issuance record, the status list."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ledger_service.api.schemas.common import (
    DEMO_CERT_ID,
    DEMO_USCC,
    EventId,
    Hex64,
    Instant,
    Receipt,
)
from ledger_service.api.schemas.errors import (
    ANONYMOUS,
    KEYED,
    READ_REASONS,
    ROLE_REASONS,
    error_responses,
)
from ledger_service.api.schemas.proofs import ProofBundle


class LangValue(BaseModel):
    """A JSON-LD language value: the certificate's names carry Chinese and English."""

    model_config = ConfigDict(populate_by_name=True)

    value: Annotated[str, Field(alias="@value", examples=["福州闽江精密机械有限公司"])]
    language: Annotated[Literal["zh", "en"], Field(alias="@language")]


class Issuer(BaseModel):
    id: Annotated[str, Field(description="The service's did:key (the batch-signing key)")]
    name: str


class CreditRating(BaseModel):
    type: Literal["CreditRating"]
    grade: Annotated[str, Field(examples=["A"])]
    gradeDefinition: list[LangValue]
    score: Annotated[int, Field(ge=0, le=1000, examples=[742])]
    scoreRange: str
    dimensions: dict[str, int]
    model: dict[str, str]
    ratedAt: Instant
    scoreEvent: EventId


class CredentialSubject(BaseModel):
    id: Annotated[str, Field(examples=[f"urn:uscc:{DEMO_USCC}"])]
    type: Literal["Enterprise"]
    unifiedSocialCreditCode: Annotated[str, Field(examples=[DEMO_USCC])]
    name: list[LangValue] | None = None
    creditRating: CreditRating


class StatusEntry(BaseModel):
    id: str
    type: Literal["BitstringStatusListEntry"]
    statusPurpose: Literal["revocation"]
    statusListIndex: str
    statusListCredential: str


class Evidence(BaseModel):
    id: str
    type: list[str]
    scoreEvent: EventId
    proofBundle: ProofBundle


class DataIntegrityProof(BaseModel):
    """eddsa-jcs-2022: Ed25519 over JCS, proofValue multibase base58btc."""

    model_config = ConfigDict(populate_by_name=True)

    context: Annotated[list[str] | None, Field(alias="@context", description=(
        "The credential's @context, repeated as eddsa-jcs-2022 requires"))] = None
    type: Literal["DataIntegrityProof"]
    cryptosuite: Literal["eddsa-jcs-2022"]
    created: Instant
    verificationMethod: str
    proofPurpose: str
    proofValue: str


class TokenBinding(BaseModel):
    type: str
    standard: str
    chain: Annotated[str, Field(examples=["eip155:131277322940537"])]
    contract: str
    tokenId: str


class Credential(BaseModel):
    """The credit certificate: a W3C VC 2.0 secured with a Data Integrity proof."""

    model_config = ConfigDict(populate_by_name=True)

    context: Annotated[list[str], Field(alias="@context")]
    id: Annotated[str, Field(examples=["urn:uuid:0f5e3c1a-7b2d-4e9f-8a6c-1d3b5f7e9a20"])]
    type: list[str]
    name: list[LangValue]
    certificateNumber: Annotated[str, Field(examples=["HXCR-2026-000001"])]
    issuer: Issuer
    validFrom: Instant
    validUntil: Instant
    credentialSubject: CredentialSubject
    credentialStatus: StatusEntry
    evidence: list[Evidence]
    tokenBinding: TokenBinding | None = None
    proof: DataIntegrityProof


class CertificateRevocation(BaseModel):
    reason: str
    at: Instant
    by: str
    fabric: Receipt | None
    token: Receipt | None
    event: Annotated[EventId | None, Field(description="The certificate.revoked event")]


class CertificateRecord(BaseModel):
    """The issuance record: which score, which ledger receipts, and the status."""

    id: Annotated[str, Field(pattern=r"^crt-[0-9a-f-]{36}$", examples=[DEMO_CERT_ID])]
    number: Annotated[str, Field(examples=["HXCR-2026-000001"])]
    enterprise_id: Annotated[str, Field(examples=[DEMO_USCC])]
    status: Annotated[Literal["issuing", "active", "revoked"], Field(description=(
        "issuing stays only if a ledger step failed during issuance"))]
    credential_hash: Hex64
    issued_at: Instant
    score_event: EventId
    issued_event: EventId | None
    token: Annotated[Receipt | None, Field(description="The token mint's receipt")]
    fabric: Annotated[Receipt | None, Field(description="The Fabric registration's receipt")]
    revocation: CertificateRevocation | None
    verify_url: Annotated[str, Field(description="What the PDF's QR code opens")]
    pdf: Annotated[str, Field(examples=[f"/v1/certificates/{DEMO_CERT_ID}.pdf"])]


class IssuedCertificate(CertificateRecord):
    credential: Credential


class StatusListSubject(BaseModel):
    id: str
    type: Literal["BitstringStatusList"]
    statusPurpose: Literal["revocation"]
    encodedList: Annotated[str, Field(description="GZIP-compressed bitstring, multibase")]


class StatusListCredential(BaseModel):
    """Bitstring Status List credential: bit i set means certificate slot i is revoked."""

    model_config = ConfigDict(populate_by_name=True)

    context: Annotated[list[str], Field(alias="@context")]
    id: str
    type: list[str]
    issuer: Issuer
    validFrom: Instant
    credentialSubject: StatusListSubject
    proof: DataIntegrityProof




__all__ = ["CertificateRecord", "Credential", "IssuedCertificate",
           "StatusListCredential"]


PDF_TYPE = "application/pdf"
_PDF_CONTENT = {PDF_TYPE: {"schema": {"type": "string", "format": "binary"}}}
_READ = ("forbidden", "not_found", *KEYED)
_READ_REASONS = ("role_not_allowed", "not_own_enterprise")
ISSUE_RESPONSES = error_responses(("validation_error", "forbidden", "no_sealed_score",
                                   "not_anchored",
                                   "payload_too_large", "ledger_unavailable", *KEYED),
                                  ROLE_REASONS)
PDF_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The bilingual PDF with its QR code", "content": _PDF_CONTENT},
    **error_responses((*_READ, "certificate_erased", "pdf_unavailable"), _READ_REASONS)}
CREDENTIAL_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The signed credential; the PDF with `Accept: application/pdf`",
          "content": _PDF_CONTENT,
          "headers": {"X-Certificate-Status": {
              "description": "issuing, active or revoked (JSON answers only)",
              "schema": {"type": "string"}}}},
    **error_responses((*_READ, "certificate_erased", "pdf_unavailable"), _READ_REASONS)}
RECORD_RESPONSES = error_responses(_READ, _READ_REASONS)
REVOKE_RESPONSES = error_responses(("validation_error", "forbidden", "not_found",
                                    "payload_too_large", "ledger_unavailable", *KEYED),
                                   ROLE_REASONS)
LIST_RESPONSES = error_responses(("validation_error", "forbidden", *KEYED), READ_REASONS)
STATUS_LIST_RESPONSES = error_responses(("validation_error", "not_found", *ANONYMOUS))
