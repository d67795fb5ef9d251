"""A bank records steps of its own loans only.

A loan is named by (enterprise, loan_id). Its owner is the org of the first
loan event for that pair recorded by someone other than the enterprise itself
(an enterprise's key acts for its USCC; platform keys may not record loan
steps): the bank that took the application, or, when the enterprise applied
on its own, the bank that first approved or rejected it. From then on only
that bank may record ``loan.*`` events for the pair, so a bank cannot approve,
disburse, mark overdue or close another bank's loan. An enterprise may still
record its own ``loan.applied``.

Judged from stored events before intake. Two banks racing to claim the same
brand-new loan id in the same instant could both pass; the first to commit
then owns the loan and the other's later steps are refused, and provenance
flags a step whose approval was recorded by another org.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, select

from ledger_service.access.keys import Principal
from ledger_service.core.errors import Forbidden
from ledger_service.evidence.refs import LOAN_TYPES
from ledger_service.store.tables import EVENTS

_CHUNK = 500


def loan_owners(engine: Engine, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(enterprise, loan_id) -> owning org, for the pairs that have one."""
    owners: dict[tuple[str, str], tuple[int, str]] = {}
    by_enterprise: dict[str, set[str]] = {}
    for enterprise, loan in pairs:
        by_enterprise.setdefault(enterprise, set()).add(loan)
    with engine.connect() as conn:
        # Per enterprise, so the (enterprise_id, pos) index narrows the scan.
        for enterprise, loans in by_enterprise.items():
            wanted = sorted(loans)
            for i in range(0, len(wanted), _CHUNK):
                rows = conn.execute(
                    select(EVENTS.c.pos, EVENTS.c.loan_id, EVENTS.c.org)
                    .where(EVENTS.c.enterprise_id == enterprise)
                    .where(EVENTS.c.loan_id.in_(wanted[i:i + _CHUNK]))
                    .where(EVENTS.c.org != enterprise))
                for row in rows:
                    key = (enterprise, row.loan_id)
                    if key not in owners or row.pos < owners[key][0]:
                        owners[key] = (row.pos, row.org)
    return {key: org for key, (_, org) in owners.items()}


def check_loan_ownership(engine: Engine, principal: Principal, events: Sequence[Any]) -> None:
    """Raise Forbidden (reason ``not_loan_owner``) if a bank steps into another's loan."""
    if principal.role != "bank":
        return
    wanted = {(e["enterprise_id"], e["payload"]["loan_id"]): i
              for i, e in reversed(list(enumerate(events))) if e["type"] in LOAN_TYPES}
    if not wanted:
        return
    for key, owner in loan_owners(engine, set(wanted)).items():
        if owner != principal.org:
            raise Forbidden(f"loan {key[1]} of {key[0]} belongs to another bank; a bank "
                            "records steps of its own loans only", reason="not_loan_owner",
                            index=wanted[key], loan_id=key[1])
