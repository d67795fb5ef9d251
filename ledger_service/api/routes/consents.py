"""An enterprise's consents, each with its state now (live, expired, revoked, ...).

The state is derived from the consent events on every request, with the same
function access decisions use, so the list shows exactly what is enforced.
Granting and revoking stay evidence events (``POST /v1/events``): a consent
exists only as something the enterprise asserted on the ledger.

Who may list: the enterprise itself, the platform and auditors (all of
them); a bank only the consents naming it as grantee, which is what it
already learns from being allowed or refused.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from ledger_service.access.consent import ConsentBook, describe
from ledger_service.access.read_policy import ReadPolicy, now_us
from ledger_service.access.write_policy import require_role
from ledger_service.api.deps import Caller, Ctx
from ledger_service.api.routes.enterprises import Uscc, checked_uscc
from ledger_service.api.schemas.errors import KEYED, READ_REASONS, error_responses
from ledger_service.pipeline.reader import us_text

router = APIRouter(prefix="/v1/enterprises", tags=["enterprises"])


class ConsentRow(BaseModel):
    id: str
    grantee_org: str | None
    scope: list[str]
    purpose: str | None
    granted_at: str
    recorded_at: str
    expires_at: str | None
    state: str
    revoked_by: str | None


class ConsentList(BaseModel):
    enterprise_id: str
    at: str
    consents: list[ConsentRow]


@router.get("/{uscc}/consents", response_model=ConsentList,
            responses=error_responses(("validation_error", "forbidden", *KEYED), READ_REASONS),
            summary="The enterprise's consents, newest first, with their state now")
def list_consents(uscc: Uscc, ctx: Ctx, caller: Caller) -> ConsentList:
    require_role(caller, "platform", "auditor", "enterprise", "bank")
    enterprise = checked_uscc(ctx, uscc)
    book = ConsentBook(ctx.engine)
    if caller.role != "bank":
        ReadPolicy(book, caller).check_enterprise(enterprise)
    instant = now_us()
    consents = book.consents(enterprise)
    if caller.role == "bank":
        consents = [c for c in consents if c.grantee_org == caller.org]
    rows = []
    for consent in reversed(consents):
        row = describe(consent, instant)
        rows.append(ConsentRow(
            id=row["id"], grantee_org=row["grantee_org"], scope=row["scope"],
            purpose=row["purpose"], granted_at=us_text(row["occurred_us"]),
            recorded_at=us_text(row["recorded_us"]),
            expires_at=None if row["expires_us"] is None else us_text(row["expires_us"]),
            state=row["state"], revoked_by=row["revoked_by"]))
    return ConsentList(enterprise_id=enterprise, at=us_text(instant), consents=rows)
