"""Story builders shared by the access, provenance and erasure tests.

Times: the story's T0 lies in the past of any test run, so a consent of ten
years is live "now", and one of one day expired long ago.
"""

from __future__ import annotations

from typing import Any

from ledger_service.evidence.story import ENTERPRISES, at, consent_event, loan_event, score_event

from .conftest import Api

E1, E2, E3 = (e.uscc for e in ENTERPRISES)
LIVE_DAYS = 3650
BANK_B = "bank-of-xiamen"
BANK_C = "bank-of-quanzhou"


def add_banks(api: Api) -> None:
    """Two more banks: bank-b (scoped consent) and bank-c (no consent at all)."""
    api.tokens["bank_b"] = api.ctx.keys.create("bank", BANK_B)[1]
    api.tokens["bank_c"] = api.ctx.keys.create("bank", BANK_C)[1]


def revoke(api: Api, uscc: str, consent_id: str, hours: float) -> str:
    return api.record(uscc, {"type": "consent.revoked", "enterprise_id": uscc,
                             "occurred_at": at(hours), "refs": [consent_id],
                             "payload": {"consent_id": consent_id}})


def applied(uscc: str, loan: str, hours: float = 2) -> dict[str, Any]:
    return loan_event("loan.applied", uscc, loan, [], hours, amount_fen=500_000_00,
                      currency="CNY", term_months=12, product="credit")


def approved(uscc: str, loan: str, score: str, consent: str, hours: float = 3
             ) -> dict[str, Any]:
    return loan_event("loan.approved", uscc, loan, [score, consent], hours,
                      amount_fen=500_000_00, rate_bp=385)


def access_world(api: Api) -> dict[str, Any]:
    """E1: live "*" consent to the bank and a live loan.applied-only consent to bank-b.
    E2: the bank's consent expired. E3: the bank's consent revoked. Everything sealed."""
    add_banks(api)
    ids: dict[str, Any] = {}
    for uscc, days in ((E1, LIVE_DAYS), (E2, 1), (E3, LIVE_DAYS)):
        ids[uscc] = {"score": api.record("platform", score_event(uscc, 700, "A", (70, 70, 70))),
                     "consent": api.record(uscc, consent_event(uscc, days=days)),
                     "applied": api.record(uscc, applied(uscc, f"L-{uscc[-4:]}"))}
    ids[E1]["scoped"] = api.record(E1, consent_event(E1, grantee=BANK_B, days=LIVE_DAYS,
                                                     scope=["loan.applied"]))
    ids[E3]["revoked"] = revoke(api, E3, ids[E3]["consent"], 5)
    api.ctx.sealer.seal_all()
    return ids
