"""Registered organizations and their event-signing public keys (platform only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from ledger_service.access.write_policy import require_role
from ledger_service.api.deps import Caller, Ctx
from ledger_service.api.schemas.errors import KEYED, ROLE_REASONS, error_responses

router = APIRouter(prefix="/v1/orgs", tags=["access"])


class Org(BaseModel):
    name: str
    public_key: str | None = Field(description="base64 Ed25519 key that verifies the org's "
                                   "event signatures; null: the org does not sign")
    require_signatures: bool


class OrgList(BaseModel):
    orgs: list[Org]


class OrgIn(BaseModel):
    """Register an org, or replace its key (the key is checked to be Ed25519)."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")]
    public_key: Annotated[str | None, Field(max_length=100)] = None
    require_signatures: bool = False


@router.get("", summary="Registered orgs and their event-signing keys (platform)",
            response_model=OrgList,
            responses=error_responses(("forbidden", *KEYED), ROLE_REASONS))
def list_orgs(ctx: Ctx, caller: Caller) -> OrgList:
    require_role(caller, "platform")
    return OrgList(orgs=[Org(**o) for o in ctx.orgs.list()])


@router.post("", status_code=201, response_model=Org,
             responses=error_responses(("validation_error", "forbidden", "payload_too_large",
                                        *KEYED), ROLE_REASONS),
             summary="Register an org or replace its event-signing key (platform)")
async def add_org(body: OrgIn, ctx: Ctx, caller: Caller) -> Org:
    require_role(caller, "platform")
    await run_in_threadpool(ctx.orgs.add, body.name, body.public_key, body.require_signatures)
    return Org(**ctx.orgs.get(body.name))
