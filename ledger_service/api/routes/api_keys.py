"""API keys over HTTP (platform only): list, create, rotate, revoke.

The token exists once, in the response that creates it (create or rotate):
only its SHA-256 is stored, so it can never be shown again.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from ledger_service.access.keys import ROLES
from ledger_service.access.write_policy import require_role
from ledger_service.api.deps import Caller, Ctx
from ledger_service.api.schemas.errors import KEYED, ROLE_REASONS, error_responses
from ledger_service.core.errors import Conflict
from ledger_service.pipeline.reader import us_text

router = APIRouter(prefix="/v1/api-keys", tags=["access"])

KeyId = Annotated[int, Path(ge=1, le=2**62)]
Role = Literal["platform", "bank", "enterprise", "auditor"]
assert set(ROLES) == set(Role.__args__)  # type: ignore[attr-defined]


class ApiKey(BaseModel):
    """A key as listed: never its token."""

    id: int
    prefix: str
    role: str
    org: str
    label: str | None
    created_at: str
    revoked: bool
    revoked_at: str | None


class ApiKeyList(BaseModel):
    keys: list[ApiKey]


class NewApiKey(BaseModel):
    """A created (or rotated-to) key with its token, shown this once."""

    key: ApiKey
    token: str
    replaces: int | None = None


class CreateKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role
    org: Annotated[str, Field(min_length=1, max_length=128)]
    label: Annotated[str | None, Field(max_length=200)] = None


class RotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    revoke_old: bool = Field(False, description="revoke the old key at once (a leaked key)")


def _key(row: dict) -> ApiKey:
    return ApiKey(id=row["id"], prefix=row["prefix"], role=row["role"], org=row["org"],
                  label=row["label"], created_at=us_text(row["created_us"]),
                  revoked=row["revoked"],
                  revoked_at=None if row["revoked_us"] is None else us_text(row["revoked_us"]))


@router.get("", summary="Every API key (platform)", response_model=ApiKeyList,
            responses=error_responses(("forbidden", *KEYED), ROLE_REASONS))
def list_keys(ctx: Ctx, caller: Caller) -> ApiKeyList:
    require_role(caller, "platform")
    return ApiKeyList(keys=[_key(r) for r in ctx.keys.list()])


@router.post("", status_code=201, summary="Create an API key; its token is shown only here",
             response_model=NewApiKey,
             responses=error_responses(("validation_error", "forbidden", "payload_too_large",
                                        *KEYED), ROLE_REASONS))
async def create_key(body: CreateKeyIn, ctx: Ctx, caller: Caller) -> NewApiKey:
    require_role(caller, "platform")
    key_id, token = await run_in_threadpool(ctx.keys.create, body.role, body.org, body.label)
    return NewApiKey(key=_key(ctx.keys.get(key_id)), token=token)


@router.post("/{key_id}/rotate", status_code=201, response_model=NewApiKey,
             responses=error_responses(("validation_error", "forbidden", "not_found", "conflict",
                                        "payload_too_large", *KEYED),
                                       ROLE_REASONS),
             summary="A new key for the same role and org; its token is shown only here")
async def rotate_key(key_id: KeyId, ctx: Ctx, caller: Caller,
                     body: RotateIn | None = None) -> NewApiKey:
    require_role(caller, "platform")
    revoke_old = body.revoke_old if body else False
    if revoke_old and key_id == caller.key_id:
        raise Conflict("this would revoke the key making the request; rotate it from "
                       "another platform key", id=key_id)
    new_id, token = await run_in_threadpool(ctx.keys.rotate, key_id, revoke_old=revoke_old)
    return NewApiKey(key=_key(ctx.keys.get(new_id)), token=token, replaces=key_id)


@router.post("/{key_id}/revoke", summary="Revoke an API key at once", response_model=ApiKey,
             responses=error_responses(("validation_error", "forbidden", "not_found", "conflict",
                                        *KEYED), ROLE_REASONS))
async def revoke_key(key_id: KeyId, ctx: Ctx, caller: Caller) -> ApiKey:
    require_role(caller, "platform")
    if key_id == caller.key_id:
        raise Conflict("a key cannot revoke itself: the caller would be locked out mid-request;"
                       " use another platform key", id=key_id)
    await run_in_threadpool(ctx.keys.revoke, key_id)
    return _key(ctx.keys.get(key_id))
