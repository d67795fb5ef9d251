"""Credit certificates over HTTP: issue, download (JSON or PDF), revoke, verify, status list.

Issuing and revoking belong to the platform. Downloads go to the platform,
auditors, and the enterprise the certificate is about (only its own: another
enterprise gets the 404 of an unknown id).
Verification and the status list need no key: any bank holding a
certificate may check it, and the PDF's QR code must work for anyone.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from ledger_proof.certificates.verify import CertificateFormatError
from ledger_proof.verdict import Verdict
from ledger_service.access.consent import ConsentBook
from ledger_service.access.read_policy import ReadPolicy
from ledger_service.access.write_policy import require_role
from ledger_service.api.deps import Caller, Ctx, limit_anonymous
from ledger_service.api.responses import JSON
from ledger_service.api.routes.enterprises import Uscc, checked_uscc
from ledger_service.api.schemas import certificates as schemas
from ledger_service.api.schemas import verify as verify_schemas
from ledger_service.certificates.credential import text_of
from ledger_service.certificates.service import CertificateService, verify_here
from ledger_service.core.errors import InvalidInput, InvalidJSON, LedgerError, NotFound
from ledger_service.evidence.uscc import InvalidUSCC, validate_uscc

router = APIRouter(tags=["certificates"])
_CERT_ID = re.compile(r"^crt-[0-9a-f-]{36}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
PDF_TYPE = "application/pdf"


class PdfUnavailable(LedgerError):
    code, status = "pdf_unavailable", 503


class CertificateErased(LedgerError):
    """The score the certificate stated was erased: there is nothing left to print."""

    code, status = "certificate_erased", 410


class IssueIn(BaseModel):
    """Optional details; the enterprise's name is remembered for later certificates."""

    model_config = ConfigDict(extra="forbid")
    name_zh: Annotated[str | None, Field(max_length=200)] = None
    name_en: Annotated[str | None, Field(max_length=200)] = None
    holder_address: Annotated[str | None, Field(max_length=64, description=(
        "EVM address to mint the token to; default the platform's custody address"))] = None


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Field(min_length=1, max_length=500)]


def _summary(record: dict[str, Any], service: CertificateService) -> dict[str, Any]:
    return {"id": record["id"], "number": record["number"],
            "enterprise_id": record["enterprise_id"], "status": record["status"],
            "credential_hash": record["credential_hash"], "issued_at": record["issued_at"],
            "score_event": record["score_event"], "issued_event": record["issued_event"],
            "token": record["token"], "fabric": record["fabric"],
            "revocation": record["revocation"], "verify_url": service.verify_url(record),
            "pdf": f"/v1/certificates/{record['id']}.pdf"}


def _checked_id(certificate_id: str) -> str:
    if not _CERT_ID.match(certificate_id):
        raise NotFound(f"no certificate {certificate_id}", id=certificate_id)
    return certificate_id


def _readable(ctx: Any, caller: Any, certificate_id: str) -> dict[str, Any]:
    require_role(caller, "platform", "auditor", "enterprise")
    record = CertificateService.of(ctx).get(_checked_id(certificate_id))
    if caller.role == "enterprise" and record["enterprise_id"] != caller.org:
        # Another enterprise's certificate is not confirmed to exist: the 404 of an
        # unknown id, byte for byte (as for events, access/read_policy.py).
        raise NotFound(f"no certificate {certificate_id}", id=certificate_id)
    return record


@router.post("/v1/enterprises/{uscc}/certificates", status_code=201,
             summary="Issue a credit certificate from the enterprise's latest sealed score",
             response_model=schemas.IssuedCertificate, responses=schemas.ISSUE_RESPONSES)
async def issue(uscc: str, ctx: Ctx, caller: Caller,
                body: Annotated[IssueIn | None, Body()] = None) -> JSON:
    require_role(caller, "platform")
    try:
        uscc = validate_uscc(uscc, ctx.settings.allowlist)
    except InvalidUSCC as exc:
        raise InvalidInput(str(exc), enterprise_id=uscc) from None
    details = body or IssueIn()
    service = CertificateService.of(ctx)
    record = await run_in_threadpool(
        service.issue, caller.org, uscc, name_zh=details.name_zh, name_en=details.name_en,
        holder=details.holder_address)
    return JSON({**_summary(record, service), "credential": record["credential"]},
                status_code=201)


def _pdf(ctx: Any, record: dict[str, Any]) -> Response:
    _erased(record)
    # The PDF stack (reportlab, Pillow, qrcode: ~8 MB a process) is imported on the
    # first PDF asked for, not by every worker at start.
    from ledger_service.certificates.pdf import FontMissing, render

    service = CertificateService.of(ctx)
    try:
        data = render(record, service.verify_url(record), issuer_name=ctx.settings.issuer_name,
                      font_path=ctx.settings.cjk_font)
    except FontMissing as exc:
        raise PdfUnavailable(str(exc)) from None
    return Response(data, media_type=PDF_TYPE, headers={
        "Content-Disposition": f'inline; filename="{record["number"]}.pdf"'})


class CertificateRow(BaseModel):
    """One certificate in an enterprise's list: enough to show, download and verify it."""

    id: str
    number: str
    enterprise_id: str
    status: str
    grade: str | None
    score: int | None
    issued_at: str
    valid_from: str | None
    valid_until: str | None
    credential_hash: str
    verify_url: str
    pdf: str
    revocation: dict[str, Any] | None


class CertificatePage(BaseModel):
    enterprise_id: str
    certificates: list[CertificateRow]
    total: int
    next_offset: int | None


def _row(record: dict[str, Any], service: CertificateService) -> CertificateRow:
    credential = record.get("credential") or {}
    rating = (credential.get("credentialSubject") or {}).get("creditRating") or {}
    return CertificateRow(
        id=record["id"], number=record["number"], enterprise_id=record["enterprise_id"],
        status=record["status"], grade=rating.get("grade"), score=rating.get("score"),
        issued_at=record["issued_at"], valid_from=credential.get("validFrom"),
        valid_until=credential.get("validUntil"), credential_hash=record["credential_hash"],
        verify_url=service.verify_url(record), pdf=f"/v1/certificates/{record['id']}.pdf",
        revocation=record.get("revocation"))


@router.get("/v1/enterprises/{uscc}/certificates", response_model=CertificatePage,
            responses=schemas.LIST_RESPONSES,
            summary="The enterprise's certificates, newest first, paged, with status")
def list_certificates(
        uscc: Uscc, ctx: Ctx, caller: Caller,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=100)] = 20) -> CertificatePage:
    """Platform and auditors list any enterprise's, an enterprise its own.

    The role is checked before anything is looked up, and an enterprise asking
    about another is refused exactly as for its trail, whether or not that
    enterprise holds certificates: a refusal says nothing about what exists.
    """
    require_role(caller, "platform", "auditor", "enterprise")
    enterprise = checked_uscc(ctx, uscc)
    ReadPolicy(ConsentBook(ctx.engine), caller).check_enterprise(enterprise)
    service = CertificateService.of(ctx)
    records = service.store.records_of(enterprise)
    page = records[offset:offset + limit]
    more = offset + limit < len(records)
    return CertificatePage(enterprise_id=enterprise, certificates=[_row(r, service) for r in page],
                           total=len(records), next_offset=offset + limit if more else None)


@router.get("/v1/certificates/{certificate_id}.pdf", summary="The certificate as a PDF",
            response_class=Response, responses=schemas.PDF_RESPONSES)
async def get_pdf(certificate_id: str, ctx: Ctx, caller: Caller) -> Response:
    record = _readable(ctx, caller, certificate_id)
    return await run_in_threadpool(_pdf, ctx, record)


def _erased(record: dict[str, Any]) -> None:
    if record.get("erased"):
        raise CertificateErased("the score this certificate stated was erased; the "
                                "certificate is revoked and its rating is gone",
                                id=record["id"], status=record["status"])


@router.get("/v1/certificates/{certificate_id}",
            summary="The signed credential (JSON); Accept: application/pdf for the PDF",
            response_model=schemas.Credential, responses=schemas.CREDENTIAL_RESPONSES)
async def get_certificate(certificate_id: str, request: Request, ctx: Ctx,
                          caller: Caller) -> Response:
    record = _readable(ctx, caller, certificate_id)
    accept = request.headers.get("accept", "")
    if PDF_TYPE in accept and "application/json" not in accept:
        return await run_in_threadpool(_pdf, ctx, record)
    return JSON(record["credential"], headers={
        "X-Certificate-Status": record["status"],
        "Content-Disposition": f'inline; filename="{record["number"]}.json"'})


@router.get("/v1/certificates/{certificate_id}/record",
            summary="Issuance and revocation record: receipts, events, status",
            response_model=schemas.CertificateRecord, responses=schemas.RECORD_RESPONSES)
def get_record(certificate_id: str, ctx: Ctx, caller: Caller) -> JSON:
    record = _readable(ctx, caller, certificate_id)
    return JSON(_summary(record, CertificateService.of(ctx)))


@router.post("/v1/certificates/{certificate_id}/revoke",
             summary="Revoke: status list bit, Fabric registry, token, certificate.revoked",
             response_model=schemas.CertificateRecord, responses=schemas.REVOKE_RESPONSES)
async def revoke(certificate_id: str, body: RevokeIn, ctx: Ctx, caller: Caller) -> JSON:
    require_role(caller, "platform")
    service = CertificateService.of(ctx)
    record = await run_in_threadpool(service.revoke, _checked_id(certificate_id),
                                     body.reason, caller.org)
    return JSON(_summary(record, service))


@router.get("/v1/status-lists/{list_id}", dependencies=[Depends(limit_anonymous)],
            summary="Bitstring Status List credential (signed) for certificate revocation",
            response_model=schemas.StatusListCredential,
            responses=schemas.STATUS_LIST_RESPONSES)
async def status_list(list_id: int, ctx: Ctx) -> JSON:
    doc = await run_in_threadpool(CertificateService.of(ctx).status_list_credential, list_id)
    return JSON(doc, headers={"Cache-Control": "max-age=60"})


def _describe(doc: dict[str, Any]) -> dict[str, Any]:
    subject = doc.get("credentialSubject") if isinstance(doc.get("credentialSubject"),
                                                          dict) else {}
    rating = subject.get("creditRating") if isinstance(subject.get("creditRating"),
                                                       dict) else {}
    return {"number": doc.get("certificateNumber"),
            "enterprise_id": subject.get("unifiedSocialCreditCode"),
            "name_zh": text_of(subject.get("name"), "zh"),
            "name_en": text_of(subject.get("name"), "en"),
            "grade": rating.get("grade"), "score": rating.get("score"),
            "valid_from": doc.get("validFrom"), "valid_until": doc.get("validUntil")}


@router.post("/v1/verify/certificate", dependencies=[Depends(limit_anonymous)],
             summary="Verify a certificate, or {id, credential_hash} from its QR code",
             openapi_extra=verify_schemas.CERTIFICATE_BODY,
             response_model=verify_schemas.CertificateVerification,
             responses=verify_schemas.VERIFY_RESPONSES)
async def verify_certificate(request: Request, ctx: Ctx) -> JSON:
    try:
        doc = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise InvalidJSON("request body is not valid JSON") from None
    if not isinstance(doc, dict):
        raise InvalidInput("send the credential, or {\"id\", \"credential_hash\"}")
    if "proof" not in doc and "id" in doc and "credential_hash" in doc:
        record = _by_reference(ctx, doc)
        if record is None:
            verdict = Verdict()
            verdict.add("registered", False,
                        "this service issued no certificate with that id and hash")
            return JSON(verdict.as_dict())
        if record.get("erased"):
            # The stored credential lost its rating with the erased score: answer the
            # revocation, not a verification of what is left.
            verdict = Verdict()
            verdict.add("registered", True, "this service issued this certificate")
            verdict.add("status", False, "revoked: the score it stated was erased")
            return JSON({**verdict.as_dict(), "certificate": _describe(record["credential"])})
        doc = record["credential"]

    def work() -> dict[str, Any]:
        try:
            verdict = verify_here(ctx, doc).as_dict()
        except CertificateFormatError as exc:
            raise InvalidInput(f"not a certificate: {exc}") from None
        return {**verdict, "certificate": _describe(doc)}

    return JSON(await run_in_threadpool(work))


def _by_reference(ctx: Any, ref: dict[str, Any]) -> dict[str, Any] | None:
    """The stored record of the credential named by id and hash (what the PDF's QR code
    carries).

    Knowing both is knowing the certificate: the hash is unguessable, so this
    reveals nothing to someone who does not already hold the certificate.
    """
    cert_id, digest = ref.get("id"), ref.get("credential_hash")
    if not isinstance(cert_id, str) or not isinstance(digest, str) \
            or not _CERT_ID.match(cert_id) or not _HEX64.match(digest):
        raise InvalidInput("id must be a certificate id and credential_hash 64 lowercase hex")
    try:
        record = CertificateService.of(ctx).get(cert_id)
    except NotFound:
        return None
    return record if record["credential_hash"] == digest else None


@router.get("/verify", include_in_schema=False)
def verify_page() -> Response:
    """The verification page (plain HTML and JavaScript, Chinese and English)."""
    page = resources.files("ledger_service.web").joinpath("verify.html").read_bytes()
    return Response(page, media_type="text/html; charset=utf-8",
                     headers={"Cache-Control": "no-cache"})
