"""Who may record which evidence (DESIGN.md roles; issue: consent-gated access).

Write rules are judged on intake, before anything is committed: an event in
the ledger is evidence that its org asserted it, so the org must be entitled
to assert it.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, TypeAdapter, with_config
from typing_extensions import TypedDict

from ledger_service.access.keys import Principal
from ledger_service.core.errors import Forbidden
from ledger_service.evidence.schemas import Ident

WRITERS: dict[str, frozenset[str]] = {
    "score.computed": frozenset({"platform"}),
    "certificate.issued": frozenset({"platform"}),
    "certificate.revoked": frozenset({"platform"}),
    "consent.granted": frozenset({"enterprise"}),
    "consent.revoked": frozenset({"enterprise"}),
    "loan.applied": frozenset({"bank", "enterprise"}),
    "loan.approved": frozenset({"bank"}),
    "loan.rejected": frozenset({"bank"}),
    "loan.disbursed": frozenset({"bank"}),
    "loan.repaid": frozenset({"bank"}),
    "loan.overdue": frozenset({"bank"}),
    "loan.closed": frozenset({"bank"}),
    # Nobody submits an erasure record: POST /v1/events/{id}/erase (platform) records
    # it together with the deletion, so an erasure can never be claimed without one.
    "event.erased": frozenset(),
    # The scoring model's evidence is the platform's: it registers the models it scores
    # with, and raises and clears risk alerts from what it monitors.
    "model.registered": frozenset({"platform"}),
    "risk.alert": frozenset({"platform"}),
    "risk.cleared": frozenset({"platform"}),
}


@with_config(ConfigDict(extra="forbid", strict=True))
class EraseIn(TypedDict):
    """Body of POST /v1/events/{id}/erase: a reason *code*, so no personal data enters
    the ledger through the erasure record."""

    reason: Ident


ERASE_ADAPTER: TypeAdapter[EraseIn] = TypeAdapter(EraseIn)


def check_may_record(principal: Principal, index: int, event: Any) -> None:
    """Raise Forbidden (with a reason code) unless the caller may record this event."""
    etype = event["type"]
    if principal.role not in WRITERS[etype]:
        raise Forbidden(f"role {principal.role!r} may not record {etype} events",
                        reason="role_may_not_record", index=index, event_type=etype)
    if principal.role == "enterprise" and event["enterprise_id"] != principal.org:
        raise Forbidden("an enterprise records events about itself only",
                        reason="not_own_enterprise", index=index)


def require_role(principal: Principal, *roles: str) -> None:
    if principal.role not in roles:
        raise Forbidden(f"this needs one of the roles {', '.join(roles)}",
                        reason="role_not_allowed", role=principal.role)
