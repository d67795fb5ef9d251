"""Which earlier events a step must rely on (DESIGN.md, "refs must include").

Pure rules over what is known of the cited events, so intake, tests and any
outside checker judge refs the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledger_service.core.errors import RefRuleViolation
from ledger_service.evidence.schemas import MODEL_TYPE

LOAN_STEPS_AFTER_APPROVAL = ("loan.disbursed", "loan.repaid", "loan.overdue", "loan.closed")
LOAN_TYPES = frozenset({"loan.applied", "loan.approved", "loan.rejected",
                        *LOAN_STEPS_AFTER_APPROVAL})
#: Types whose evidence must cite earlier events (DESIGN.md, "refs must include").
NEEDS_REFS = frozenset({"consent.revoked", "loan.approved", "loan.rejected",
                        *LOAN_STEPS_AFTER_APPROVAL, "certificate.issued", "certificate.revoked",
                        "score.computed", "risk.cleared"})


@dataclass(frozen=True)
class RefInfo:
    """What the ref rules need to know about an earlier event."""

    id: str
    type: str
    enterprise_id: str
    loan_id: str | None


def check_ref_rules(index: int, event: Any, refs: Mapping[str, RefInfo]) -> None:
    """The ref rules, for every event that cites anything.

    First, refs name events of the event's own enterprise only: evidence about one
    enterprise never rests on another's, and a ref is never a way into another
    enterprise's records (provenance follows refs). The refusal names the ref the
    caller sent, not whose event it is. The one exception is a score citing the
    ``model.registered`` that computed it: a registration is the platform's, holds
    nobody's data and is public, and only a score may cite one. Then the per-type
    rules of DESIGN.md: which earlier events a step must rely on. (Which registration
    a score cites, and how many, is judged with the model: evidence/scoring.py.)
    """
    etype = event["type"]
    enterprise = event["enterprise_id"]
    event_refs = event.get("refs") or ()
    mine = [refs[r] for r in event_refs]
    for ref in mine:
        if ref.type == MODEL_TYPE:
            if etype != "score.computed":
                raise RefRuleViolation("only a score.computed may ref a model.registered",
                                       index=index, event_type=etype, ref=ref.id)
            continue
        if ref.enterprise_id != enterprise:
            raise RefRuleViolation("refs must name events of the same enterprise",
                                   index=index, event_type=etype, ref=ref.id)

    def need(kind: str, what: str, loan_id: str | None = None) -> None:
        if not any(r.type == kind and (loan_id is None or r.loan_id == loan_id) for r in mine):
            raise RefRuleViolation(f"a {etype} must ref {what}", index=index,
                                   event_type=etype, required=kind)

    payload = event["payload"]
    if etype == "consent.revoked":
        target = refs.get(payload["consent_id"])
        if payload["consent_id"] not in event_refs or target is None:
            raise RefRuleViolation("a consent.revoked must ref the consent it revokes "
                                   "(payload.consent_id)", index=index, event_type=etype)
        if target.type != "consent.granted":
            raise RefRuleViolation("consent_id must name a consent.granted of the same "
                                   "enterprise", index=index, event_type=etype)
    elif etype == "loan.approved":
        need("score.computed", "a score.computed of the same enterprise")
        need("consent.granted", "a consent.granted of the same enterprise")
    elif etype == "loan.rejected":
        need("loan.applied", "the loan.applied with the same loan_id", payload["loan_id"])
    elif etype in LOAN_STEPS_AFTER_APPROVAL:
        need("loan.approved", "the loan.approved with the same loan_id", payload["loan_id"])
    elif etype in ("certificate.issued", "certificate.revoked"):
        need("score.computed", "the score.computed it states")
