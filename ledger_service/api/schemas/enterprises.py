"""An enterprise's trail: its events in recording order, paged."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from ledger_service.api.schemas.common import DEMO_USCC
from ledger_service.api.schemas.errors import KEYED, READ_REASONS, error_responses
from ledger_service.api.schemas.events import EventRecord


class TrailProvenance(BaseModel):
    """The event's provenance verdict over its refs (proofs not re-checked here)."""

    verdict: Literal["valid", "invalid"]
    reasons: list[str]
    warnings: Annotated[list[str], Field(description=(
        "Codes of checks that hold but warn (`score_stale`, `yellow_alert_live`, "
        "`blue_alert_live`)"))]
    proofs_checked: bool


class TrailEvent(EventRecord):
    """An event of the trail, with the verdict of its provenance."""

    provenance: TrailProvenance


class TrailPage(BaseModel):
    enterprise_id: Annotated[str, Field(examples=[DEMO_USCC])]
    events: list[TrailEvent]
    next_cursor: Annotated[str | None, Field(description=(
        "Pass as `cursor` for the next page; null on the last page"))]
    visible_types: Annotated[Literal["*"] | list[str], Field(description=(
        "Event types the caller may see: `*` for all, else what live consents cover"))]


TRAIL_RESPONSES = error_responses(("validation_error", "forbidden", *KEYED), READ_REASONS)
