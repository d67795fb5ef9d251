"""Issue 9, item 6: an approval is judged at its occurred_at *and* against what the ledger
already held when it was recorded, so backdating it past a revocation, an expiry or a newer
score does not make it valid."""

from __future__ import annotations

from typing import Any

from ledger_service.evidence.story import consent_event, score_event

from ..conftest import Api
from ..worlds import E1, LIVE_DAYS, applied, approved, revoke


def _codes(doc: dict[str, Any]) -> set[str]:
    return {r["code"] for r in doc["reasons"]}


def _setup(api: Api, consent_days: int = LIVE_DAYS) -> dict[str, str]:
    ids = {"score": api.record("platform", score_event(E1, 742, "A", (78, 71, 66)))}
    api.ctx.sealer.seal_all()
    ids["consent"] = api.record(E1, consent_event(E1, days=consent_days))
    # A second, narrow consent: the bank stays E1's bank (it may still record its loan steps)
    # after the first one is revoked or expires.
    ids["narrow"] = api.record(E1, consent_event(E1, days=LIVE_DAYS, scope=["loan.applied"]))
    ids["applied"] = api.record("bank", applied(E1, "L1"))
    return ids


def _provenance(api: Api, event_id: str) -> dict[str, Any]:
    api.ctx.sealer.seal_all()
    r = api.get(f"/v1/enterprises/{E1}/provenance/{event_id}")
    assert r.status_code == 200, r.text
    return r.json()


def test_approval_backdated_before_a_recorded_revocation_is_invalid(api: Api) -> None:
    ids = _setup(api)
    revoke(api, E1, ids["consent"], 5)
    # Reads on the revoked consent are refused now...
    r = api.get(f"/v1/events/{ids['score']}", "bank")
    assert r.status_code == 403
    # ...so the bank records an approval dated before the revocation took effect.
    backdated = api.record("bank", approved(E1, "L1", ids["score"], ids["consent"], 3))
    doc = _provenance(api, backdated)
    assert doc["verdict"] == "invalid"
    assert _codes(doc) == {"consent_live_when_recorded"}, doc["reasons"]
    edge = next(e for e in doc["edges"] if e["to"] == ids["consent"])
    check = next(c for c in edge["checks"] if c["name"] == "consent_live_when_recorded")
    assert not check["ok"] and "revoked" in check["detail"]
    # A revocation recorded earlier but taking effect later (scheduled) does not taint an
    # approval recorded before that moment.
    later = api.record(E1, consent_event(E1, hours=2, days=LIVE_DAYS))
    revoke(api, E1, later, 24 * 365 * 30)  # recorded now, effective in 2056
    api.record("bank", applied(E1, "L2"))
    approval = api.record("bank", approved(E1, "L2", ids["score"], later, 3))
    assert _provenance(api, approval)["verdict"] == "valid"


def test_approval_backdated_before_an_expiry_is_invalid(api: Api) -> None:
    ids = _setup(api, consent_days=1)  # expired a day after the story began, long ago
    backdated = api.record("bank", approved(E1, "L1", ids["score"], ids["consent"], 3))
    doc = _provenance(api, backdated)
    assert _codes(doc) == {"consent_live_when_recorded"}, doc["reasons"]
    edge = next(e for e in doc["edges"] if e["to"] == ids["consent"])
    assert next(c["detail"] for c in edge["checks"] if not c["ok"]).startswith("expired")


def test_approval_backdated_before_a_newer_sealed_score_is_stale(api: Api) -> None:
    ids = _setup(api)
    newer = api.record("platform", score_event(E1, 500, "BB", (50, 50, 50), hours=5))
    api.ctx.sealer.seal_all()
    backdated = api.record("bank", approved(E1, "L1", ids["score"], ids["consent"], 3))
    doc = _provenance(api, backdated)
    assert doc["verdict"] == "invalid"
    assert _codes(doc) == {"latest_score_when_recorded"}, doc["reasons"]
    edge = next(e for e in doc["edges"] if e["to"] == ids["score"])
    check = next(c for c in edge["checks"] if c["name"] == "latest_score_when_recorded")
    assert newer in check["detail"]
