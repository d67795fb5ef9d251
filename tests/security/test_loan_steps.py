"""Issue 9, item 4: a bank with no relationship to an enterprise can neither write its loan
steps nor take its loans, and a step whose provenance fails is marked wherever a trail
shows it."""

from __future__ import annotations

from typing import Any

from ledger_service.evidence.story import at, consent_event, loan_event

from ..conftest import Api
from ..test_access import _count
from ..worlds import applied, approved
from .world import BANK_C, E1, E2, LIVE_DAYS, ROGUE, forced, two_enterprises


def test_a_bank_without_live_consent_records_no_loan_step(api: Api) -> None:
    ids = two_enterprises(api)
    e1 = ids[E1]
    own_application = e1["applied"]  # filed by E1 itself
    attempts: list[dict[str, Any]] = [
        loan_event("loan.rejected", E1, f"L-{E1[-4:]}", [own_application], 3,
                   reason_code="thin_file"),
        applied(E1, "L-fresh"),
        # E1's score and E1's consent to *another* bank
        approved(E1, f"L-{E1[-4:]}", e1["score"], e1["consent"]),
    ]
    before = _count(api)
    for body in attempts:
        r = api.post("/v1/events", ROGUE, body)
        assert r.status_code == 403, (body["type"], r.text)
        assert r.json()["error"]["details"]["reason"] == "no_consent"
    r = api.post("/v1/events/bulk", ROGUE, {"events": [applied(E1, "L-b1")]})
    assert r.status_code == 403
    # bank-b holds E2's consent, not E1's: a bulk mixing the two is refused at E1's event.
    r = api.post("/v1/events/bulk", "bank_b", {"events": [applied(E2, "L-b2"),
                                                          applied(E1, "L-b3")]})
    assert r.status_code == 403, r.text
    assert r.json()["error"]["details"]["index"] == 1
    assert _count(api) == before
    # Judged at request time: once E2 revokes, the bank's next step is refused too.
    api.record(E2, {"type": "consent.revoked", "enterprise_id": E2, "occurred_at": at(5),
                    "refs": [ids[E2]["consent"]], "payload": {"consent_id": ids[E2]["consent"]}})
    r = api.post("/v1/events", "bank", applied(E2, "L-after"))
    assert r.status_code == 403
    assert r.json()["error"]["details"]["reason"] == "consent_revoked"
    # ...while E1's consent still lets the bank work on E1's loans.
    assert api.post("/v1/events", "bank", applied(E1, "L-ok")).status_code == 201


def test_loan_ownership_cannot_be_claimed_without_a_relationship(api: Api) -> None:
    """A rogue's loan.applied already in the store (data from before the rule, or a
    compromised writer) does not make the rogue the loan's owner."""
    ids = two_enterprises(api)
    e1 = ids[E1]
    forced(api, BANK_C, applied(E1, "L-taken"))
    r = api.post("/v1/events", "bank", approved(E1, "L-taken", e1["score"], e1["consent"]))
    assert r.status_code == 201, r.text
    # ...and the bank that holds the consent now owns it: others are still kept out.
    api.record(E1, consent_event(E1, grantee="bank-of-xiamen", days=LIVE_DAYS))
    r = api.post("/v1/events", "bank_b", loan_event("loan.closed", E1, "L-taken",
                                                    [r.json()["id"]], 9))
    assert r.status_code == 403
    assert r.json()["error"]["details"]["reason"] == "not_loan_owner"


def test_steps_whose_provenance_fails_are_marked_in_the_trail(api: Api) -> None:
    ids = two_enterprises(api)
    e1 = ids[E1]
    good = api.record("bank", approved(E1, f"L-{E1[-4:]}", e1["score"], e1["consent"]))
    # What the rogue got into the store before the rule: an approval on E1's score and E1's
    # consent to another bank, then an overdue instalment other banks would read.
    rogue_approval = forced(api, BANK_C, approved(E1, "L-rogue", e1["score"], e1["consent"]))
    rogue_overdue = forced(api, BANK_C, loan_event("loan.overdue", E1, "L-rogue",
                                                   [rogue_approval], 9, days_overdue=30))
    api.ctx.sealer.seal_all()
    for who in ("bank", "auditor", E1):
        trail = api.get(f"/v1/enterprises/{E1}/events", who)
        assert trail.status_code == 200, trail.text
        marks = {e["id"]: e["provenance"] for e in trail.json()["events"]}
        assert marks[good]["verdict"] == "valid", marks[good]
        for rogue in (rogue_approval, rogue_overdue):
            assert marks[rogue]["verdict"] == "invalid"
            assert "bank_held_consent" in marks[rogue]["reasons"], marks[rogue]
        assert marks[e1["score"]] == {"verdict": "valid", "reasons": [], "warnings": [],
                                      "proofs_checked": False}
    doc = api.get(f"/v1/enterprises/{E1}/provenance/{rogue_overdue}").json()
    assert doc["verdict"] == "invalid"
    assert "bank_held_consent" in {r["code"] for r in doc["reasons"]}
