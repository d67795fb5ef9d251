"""Who may read which evidence (issue: consent-gated access).

- ``platform`` and ``auditor`` read everything: the platform operates the
  ledger, and an auditor's job is to check all of it (the auditor writes nothing).
- ``enterprise`` reads its own events (its key's org is its USCC).
- ``bank`` reads an enterprise's events only while a ``consent.granted`` of that
  enterprise naming the bank's org as ``grantee_org`` is live *now* and its scope
  covers the event's type, including the events the bank itself recorded:
  the consent is the enterprise's, and it governs all of its trail.

A caller with no relationship to an event's enterprise (another enterprise; a
bank holding no live consent of it) asking for that event by id gets exactly
the 404 of an id that does not exist: a refusal must not confirm that the id
exists, let alone whose it is (``related``). Callers who are related, and every
request that names the enterprise itself (its trail, its provenance), get a 403
with a ``reason`` code, so a bank can tell "ask the enterprise for consent"
(``no_consent``, ``consent_expired``, ``consent_revoked``,
``consent_not_yet_live``, ``consent_out_of_scope``, ``consent_erased``) from
"wrong enterprise" (``not_own_enterprise``) and "wrong role"
(``role_not_allowed``). Refusals about one event carry the reason only, never
the event's enterprise or type.

A ``model.registered`` is public to every key: it holds a scoring model's
specification and nobody's data, and every party must be able to recompute a
score against it.
"""

from __future__ import annotations

import time

from ledger_service.access.consent import LIVE, Consent, ConsentBook, judge
from ledger_service.access.keys import Principal
from ledger_service.core.errors import Forbidden
from ledger_service.evidence.schemas import MODEL_TYPE

READ_ALL_ROLES = frozenset({"platform", "auditor"})


def now_us() -> int:
    return time.time_ns() // 1000


class ReadPolicy:
    """Read decisions for one request, judged at request time.

    The consents of each enterprise asked about are read once per request (a
    provenance graph asks about every node).
    """

    def __init__(self, book: ConsentBook, principal: Principal, instant_us: int | None = None
                 ) -> None:
        self.book = book
        self.principal = principal
        self.instant_us = now_us() if instant_us is None else instant_us
        self._consents: dict[str, list[Consent]] = {}

    def _mine(self, enterprise_id: str) -> list[Consent]:
        """The enterprise's consents naming the calling bank."""
        if enterprise_id not in self._consents:
            self._consents[enterprise_id] = self.book.of_grantee(enterprise_id,
                                                                 self.principal.org)
        return self._consents[enterprise_id]

    def related(self, enterprise_id: str) -> bool:
        """Does the enterprise let the caller see anything of it now? Callers who are not
        related are answered as if the enterprise's events did not exist."""
        role = self.principal.role
        if role in READ_ALL_ROLES:
            return True
        if role == "enterprise":
            return self.principal.org == enterprise_id
        if role == "bank":
            return any(c.state_at(self.instant_us) == LIVE for c in self._mine(enterprise_id))
        return False

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
        if not self.related(enterprise_id):
            decision = judge(self._mine(enterprise_id), self.principal.org, "*",
                             self.instant_us)
            raise Forbidden("this bank holds no live consent of the enterprise",
                            reason=decision.reason, enterprise_id=enterprise_id)

    def check_event(self, enterprise_id: str, event_type: str) -> None:
        """May the caller read one event of this enterprise and type? Raises Forbidden
        with the reason only (not the event's enterprise or type)."""
        if event_type == MODEL_TYPE:
            return
        role = self.principal.role
        if role != "bank":
            self.check_enterprise(enterprise_id)
            return
        decision = judge(self._mine(enterprise_id), self.principal.org, event_type,
                         self.instant_us)
        if not decision.allowed:
            raise Forbidden("no live consent of the enterprise lets this bank read this "
                            "event", reason=decision.reason)

    def visible_types(self, enterprise_id: str) -> frozenset[str] | None:
        """Types of this enterprise's events the caller may read: None = all."""
        if self.principal.role != "bank":
            return None
        types: set[str] = set()
        for consent in self._mine(enterprise_id):
            if consent.state_at(self.instant_us) == LIVE:
                if "*" in consent.scope:
                    return None
                types |= consent.scope
        return frozenset(types)

    def may_read(self, enterprise_id: str, event_type: str) -> bool:
        try:
            self.check_event(enterprise_id, event_type)
        except Forbidden:
            return False
        return True
