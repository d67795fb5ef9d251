"""An enterprise's records: its trail and the provenance of its events.

Who sees what is read_access's call: platform and auditor everything, an
enterprise its own records, a bank what the enterprise's live consents to it
cover, judged at request time.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from ledger_service.access.consent import ConsentBook
from ledger_service.access.read_policy import ReadPolicy
from ledger_service.api.deps import Caller, Ctx
from ledger_service.api.responses import JSON
from ledger_service.api.schemas import enterprises as schemas
from ledger_service.api.schemas import provenance as provenance_schemas
from ledger_service.core.errors import Forbidden, InvalidInput
from ledger_service.evidence.schemas import EVENT_TYPES, Instant
from ledger_service.evidence.uscc import InvalidUSCC, validate_uscc
from ledger_service.provenance.graph import Provenance, ScoreAges
from ledger_service.provenance.trail import MAX_PAGE, TrailQuery, trail_page

router = APIRouter(prefix="/v1/enterprises", tags=["enterprises"])

Uscc = Annotated[str, Path(min_length=1, max_length=64,
                           description="Unified social credit code (18 characters)")]


def checked_uscc(ctx: Ctx, uscc: str) -> str:
    """The code, validated (GB 32100-2015 check character or the allowlist), else 422."""
    try:
        return validate_uscc(uscc, ctx.settings.allowlist)
    except InvalidUSCC as exc:
        raise InvalidInput(str(exc), enterprise_id=uscc) from None


@router.get("/{uscc}/events", summary="The enterprise's trail, paged, with each event's status",
            response_model=schemas.TrailPage, responses=schemas.TRAIL_RESPONSES)
def enterprise_trail(
        uscc: Uscc, ctx: Ctx, caller: Caller,
        types: Annotated[list[str] | None, Query(
            alias="type", description="Only these types (repeat for several)")] = None,
        occurred_from: Annotated[Instant | None, Query(
            description="occurred_at at or after this instant")] = None,
        occurred_to: Annotated[Instant | None, Query(
            description="occurred_at before this instant")] = None,
        cursor: Annotated[str | None, Query(max_length=200,
                                            description="next_cursor of the previous page")]
        = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100) -> JSON:
    """Banks see the types their live consents cover; asking for others is refused."""
    enterprise = checked_uscc(ctx, uscc)
    policy = ReadPolicy(ConsentBook(ctx.engine), caller)
    policy.check_enterprise(enterprise)
    wanted = None if not types else frozenset(types)
    unknown = sorted((wanted or frozenset()) - set(EVENT_TYPES))
    if unknown:
        raise InvalidInput(f"unknown event type(s): {', '.join(unknown)}", types=unknown)
    visible = policy.visible_types(enterprise)
    if visible is not None:
        if wanted is not None and not wanted <= visible:
            raise Forbidden("the live consents to this bank do not cover "
                            + ", ".join(sorted(wanted - visible)),
                            reason="consent_out_of_scope", types=sorted(wanted - visible))
        wanted = visible if wanted is None else wanted
    if occurred_from and occurred_to and occurred_to <= occurred_from:
        raise InvalidInput("occurred_to must be after occurred_from")
    page = trail_page(ctx.reader, TrailQuery(enterprise, wanted, occurred_from, occurred_to,
                                             cursor, limit), ScoreAges.of(ctx.settings))
    page["visible_types"] = "*" if visible is None else sorted(visible)
    return JSON(page)


@router.get("/{uscc}/provenance/{event_id}",
            summary="The event's dependency graph, each node proved, each edge judged",
            response_model=provenance_schemas.ProvenanceGraph,
            responses=provenance_schemas.PROVENANCE_RESPONSES)
def enterprise_provenance(uscc: Uscc, event_id: str, ctx: Ctx, caller: Caller) -> JSON:
    enterprise = checked_uscc(ctx, uscc)
    policy = ReadPolicy(ConsentBook(ctx.engine), caller)
    policy.check_enterprise(enterprise)
    return JSON(Provenance(ctx.reader, ScoreAges.of(ctx.settings)).build(enterprise, event_id,
                                                                      policy))
