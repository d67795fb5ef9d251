"""The service's keys, liveness and readiness."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from ledger_service.api.schemas.common import DEMO_KEY_ID
from ledger_service.api.schemas.errors import KEYED, ROLE_REASONS, error_responses


class ServiceKey(BaseModel):
    key_id: Annotated[str, Field(examples=[DEMO_KEY_ID])]
    algorithm: Literal["Ed25519"]
    public_key: Annotated[str, Field(description="Raw 32-byte key, base64")]
    ledger_id: str
    current: bool


class KeyList(BaseModel):
    """Pin one of these to verify proofs and certificates."""

    keys: list[ServiceKey]


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    """200 when ready, 503 (same shape) when the database is unreachable."""


    ready: bool
    checks: Annotated[dict[str, dict[str, Any]], Field(description=(
        "`database` {ok, pending_events | error}; `anchoring` {ledgers, ...}: the anchoring "
        "ledgers configured; per ledger `anchor.<name>` {batches, "
        "oldest_seconds, ...}: sealed batches not yet anchored there"))]


INTERNAL = error_responses(("internal",))
READY_RESPONSES: dict[int | str, dict[str, Any]] = {
    503: {"model": Readiness, "description": "Not ready: the database is unreachable"},
    **INTERNAL}
METRICS_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Prometheus text exposition format",
          "content": {"text/plain": {"schema": {"type": "string"}}}},
    **error_responses(("forbidden", *KEYED), ROLE_REASONS)}
