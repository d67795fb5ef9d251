"""Who may read which evidence (issue: consent-gated access).

- ``platform`` and ``auditor`` read everything: the platform operates the
  ledger, and an auditor's job is to check all of it (the auditor writes nothing).
- ``enterprise`` reads its own events (its key's org is its USCC).
- ``bank`` reads an enterprise's events only while a ``consent.granted`` of that
  enterprise naming the bank's org as ``grantee_org`` is live *now* and its scope
  covers the event's type, including the events the bank itself recorded:
  the consent is the enterprise's, and it governs all of its trail.

Refusals are 403 with a ``reason`` code in the error details, so a bank can
tell "ask the enterprise for consent" (``no_consent``, ``consent_expired``,
``consent_revoked``, ``consent_not_yet_live``, ``consent_out_of_scope``,
``consent_erased``) from "wrong enterprise" (``not_own_enterprise``) and
"wrong role" (``role_not_allowed``).
"""

from __future__ import annotations

import time

from ledger_service.access.consent import ConsentBook
from ledger_service.access.keys import Principal
from ledger_service.core.errors import Forbidden

READ_ALL_ROLES = frozenset({"platform", "auditor"})


def now_us() -> int:
    return time.time_ns() // 1000


class ReadPolicy:
    """Read decisions for one request, judged at request time."""

    def __init__(self, book: ConsentBook, principal: Principal, instant_us: int | None = None
                 ) -> None:
        self.book = book
        self.principal = principal
        self.instant_us = now_us() if instant_us is None else instant_us

    def check_enterprise(self, enterprise_id: str) -> None:
        """May the caller look at this enterprise's records at all? Raises Forbidden."""
        role = self.principal.role
        if role in READ_ALL_ROLES:
            return
        if role == "enterprise":
            if self.principal.org != enterprise_id:
                raise Forbidden("an enterprise reads its own records only",
                                reason="not_own_enterprise", enterprise_id=enterprise_id)
            return
        if role != "bank":
            raise Forbidden(f"role {role!r} may not read events", reason="role_not_allowed")
        types = self.visible_types(enterprise_id)
        if types is not None and not types:
            decision = self.book.judge(enterprise_id, self.principal.org, "*",
                                       self.instant_us)
            raise Forbidden("this bank holds no live consent of the enterprise",
                            reason=decision.reason, enterprise_id=enterprise_id)

    def check_event(self, enterprise_id: str, event_type: str) -> None:
        """May the caller read one event of this enterprise and type? Raises Forbidden."""
        role = self.principal.role
        if role != "bank":
            self.check_enterprise(enterprise_id)
            return
        decision = self.book.judge(enterprise_id, self.principal.org, event_type,
                                   self.instant_us)
        if not decision.allowed:
            raise Forbidden(f"no live consent of {enterprise_id} lets this bank read "
                            f"{event_type} events", reason=decision.reason,
                            enterprise_id=enterprise_id, event_type=event_type)

    def visible_types(self, enterprise_id: str) -> frozenset[str] | None:
        """Types of this enterprise's events the caller may read: None = all."""
        if self.principal.role == "bank":
            return self.book.live_types(enterprise_id, self.principal.org, self.instant_us)
        return None

    def may_read(self, enterprise_id: str, event_type: str) -> bool:
        try:
            self.check_event(enterprise_id, event_type)
        except Forbidden:
            return False
        return True
