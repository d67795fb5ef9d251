"""A bank records loan steps only for an enterprise it has a relationship with, and only
of its own loans.

**Relationship.** A bank records a ``loan.*`` event for an enterprise only while
it holds a live consent of that enterprise (any scope), judged with the consent
book at request time. The consent is the enterprise's own act naming the bank:
without it the bank has no standing to assert anything about the enterprise's
loans (an outsider could otherwise reject the enterprise's applications, take
its loan ids, or put an overdue instalment into its trail for other banks to
read). Scope decides what the bank may read, not whether it is the enterprise's
lender, so any live consent suffices. A bank whose consent was revoked or has
expired records no further steps (it keeps its own copies of what it recorded).

**Ownership.** A loan is named by (enterprise, loan_id). Its owner is the org of
the first loan event for that pair recorded by a bank that held a live consent
of the enterprise when it recorded it (as the ledger knew it then; the
enterprise's own ``loan.applied`` does not count): the bank that took the
application, or, when the enterprise applied on its own, the bank that first
approved or rejected it. From then on only that bank may record ``loan.*``
events for the pair, so a bank cannot approve, disburse, mark overdue or close
another bank's loan. A step recorded without that relationship (data from
before the rule, or a compromised writer) claims nothing.

Judged from stored events before intake. Two banks racing to claim the same
brand-new loan id in the same instant could both pass; the first to commit
then owns the loan and the other's later steps are refused, and provenance
flags a step whose approval was recorded by another org.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, select

from ledger_service.access.consent import Consent, ConsentBook, holds_consent, judge
from ledger_service.access.keys import Principal
from ledger_service.core.errors import Forbidden
from ledger_service.evidence.refs import LOAN_TYPES
from ledger_service.store.tables import EVENTS

_CHUNK = 500


def loan_owners(engine: Engine, pairs: set[tuple[str, str]],
                consents: dict[str, list[Consent]] | None = None
                ) -> dict[tuple[str, str], str]:
    """(enterprise, loan_id) -> owning org, for the pairs that have one."""
    owners: dict[tuple[str, str], tuple[int, str]] = {}
    by_enterprise: dict[str, set[str]] = {}
    for enterprise, loan in pairs:
        by_enterprise.setdefault(enterprise, set()).add(loan)
    if consents is None:
        consents = ConsentBook(engine).consents_of(by_enterprise)
    with engine.connect() as conn:
        # Per enterprise, so the (enterprise_id, pos) index narrows the scan.
        for enterprise, loans in by_enterprise.items():
            wanted = sorted(loans)
            for i in range(0, len(wanted), _CHUNK):
                rows = conn.execute(
                    select(EVENTS.c.pos, EVENTS.c.loan_id, EVENTS.c.org, EVENTS.c.recorded_us)
                    .where(EVENTS.c.enterprise_id == enterprise)
                    .where(EVENTS.c.loan_id.in_(wanted[i:i + _CHUNK]))
                    .where(EVENTS.c.org != enterprise))
                for row in rows:
                    key = (enterprise, row.loan_id)
                    if key in owners and owners[key][0] < row.pos:
                        continue
                    if holds_consent(consents[enterprise], row.org, row.recorded_us,
                                     as_known=True):
                        owners[key] = (row.pos, row.org)
    return {key: org for key, (_, org) in owners.items()}


def check_loan_steps(engine: Engine, principal: Principal, events: Sequence[Any],
                     instant_us: int | None = None) -> None:
    """Raise Forbidden unless a bank may record these loan steps: a live consent of each
    enterprise now (reason: the consent's state, e.g. ``no_consent``), and each loan its
    own (``not_loan_owner``). In a bulk request the first offending event's index is
    reported."""
    if principal.role != "bank":
        return
    steps = [(i, e) for i, e in enumerate(events) if e["type"] in LOAN_TYPES]
    if not steps:
        return
    now = time.time_ns() // 1000 if instant_us is None else instant_us
    consents = ConsentBook(engine).consents_of({e["enterprise_id"] for _, e in steps})
    checked: set[str] = set()
    for index, event in steps:
        enterprise = event["enterprise_id"]
        if enterprise in checked:
            continue
        checked.add(enterprise)
        if not holds_consent(consents[enterprise], principal.org, now):
            decision = judge(consents[enterprise], principal.org, "*", now)
            raise Forbidden("a bank records loan steps of an enterprise only while it holds "
                            "a live consent of that enterprise", reason=decision.reason,
                            index=index)
    wanted = {(e["enterprise_id"], e["payload"]["loan_id"]): i
              for i, e in reversed(steps)}
    for key, owner in loan_owners(engine, set(wanted), consents).items():
        if owner != principal.org:
            raise Forbidden(f"loan {key[1]} of {key[0]} belongs to another bank; a bank "
                            "records steps of its own loans only", reason="not_loan_owner",
                            index=wanted[key], loan_id=key[1])
