"""Provenance of an approval and the scoring model: the model hash, the score's age at
the approval (stale: a warning; expired: a failure) and the enterprise's risk alerts
live at the approval, at the exact boundaries."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from ledger_proof.timefmt import to_text
from ledger_service.evidence.story import T0, consent_event
from ledger_service.runtime.context import LedgerContext
from ledger_service.store.fast import write_transaction
from ledger_service.store.tables import EVENTS

from .conftest import Api, make_settings
from .scoring_support import REFERENCE_MODEL_ID, scored_event
from .worlds import BANK_B, E1, E2, LIVE_DAYS, add_banks, applied

HOUR_US = 3_600_000_000


def when(hours: float, extra_us: int = 0) -> str:
    return to_text(T0 + timedelta(hours=hours, microseconds=extra_us))


def alert(level: str, hours: float, uscc: str = E1, extra_us: int = 0) -> dict[str, Any]:
    return {"type": "risk.alert", "enterprise_id": uscc, "occurred_at": when(hours, extra_us),
            "payload": {"level": level, "indicators": ["current_ratio", "quick_ratio"],
                        "reason_code": "liquidity_low"}}


def clear(alert_id: str, hours: float, uscc: str = E1) -> dict[str, Any]:
    return {"type": "risk.cleared", "enterprise_id": uscc, "occurred_at": when(hours),
            "refs": [alert_id], "payload": {"alert_id": alert_id, "reason_code": "resolved"}}


def world(api: Api) -> dict[str, str]:
    add_banks(api)
    ids = {"score": api.record("platform", scored_event(E1))}
    api.ctx.sealer.seal_all()
    ids["consent"] = api.record(E1, consent_event(E1, hours=0, days=LIVE_DAYS))
    ids["applied"] = api.record("bank", applied(E1, "L1"))
    return ids


def approve(api: Api, ids: dict[str, str], occurred_at: str) -> str:
    approval = api.record("bank", {
        "type": "loan.approved", "enterprise_id": E1, "occurred_at": occurred_at,
        "refs": [ids["score"], ids["consent"]],
        "payload": {"loan_id": "L1", "amount_fen": 100, "rate_bp": 400}})
    api.ctx.sealer.seal_all()
    return approval


def prov(api: Api, event_id: str, who: str = "auditor") -> dict[str, Any]:
    r = api.get(f"/v1/enterprises/{E1}/provenance/{event_id}", who)
    assert r.status_code == 200, r.text
    return dict(r.json())


def check(doc: dict[str, Any], name: str) -> dict[str, Any]:
    found = [c for e in doc["edges"] for c in e["checks"] if c["name"] == name]
    found += [c for n in doc["nodes"] for c in n["checks"] if c["name"] == name]
    assert len(found) == 1, (name, found)
    return found[0]


def approval_node(doc: dict[str, Any]) -> dict[str, Any]:
    return next(n for n in doc["nodes"] if n["id"] == doc["event_id"])


def trail_mark(api: Api, event_id: str) -> dict[str, Any]:
    events = api.get(f"/v1/enterprises/{E1}/events", "auditor").json()["events"]
    return next(e["provenance"] for e in events if e["id"] == event_id)


def test_the_model_registration_is_shown_and_its_hash_checked(api: Api) -> None:
    ids = world(api)
    doc = prov(api, approve(api, ids, when(3)))
    assert doc["verdict"] == "valid", doc["reasons"]
    score_edge = next(e for e in doc["edges"] if e["from"] == doc["event_id"]
                      and e["kind"] == "score")
    assert {c["name"]: c["ok"] for c in score_edge["checks"]}["model_hash_matches"] is True
    model_edges = [e for e in doc["edges"] if e["to"] == REFERENCE_MODEL_ID]
    assert [e["kind"] for e in model_edges] == ["model"]
    assert {c["name"] for c in model_edges[0]["checks"]} >= {"model_hash_matches",
                                                             "ref_occurred_first"}
    node = next(n for n in doc["nodes"] if n["id"] == REFERENCE_MODEL_ID)
    assert {c["name"]: c["ok"] for c in node["checks"]}["model_spec_hash"] is True
    # A bank with consent sees the registration in full: it is public.
    assert prov(api, doc["event_id"], "bank")["nodes"][-1]["redacted"] is False


def test_a_tampered_registration_fails_model_hash_matches(api: Api) -> None:
    ids = world(api)
    approval = approve(api, ids, when(3))
    with write_transaction(api.ctx.engine) as conn:
        body = conn.execute(EVENTS.select().where(EVENTS.c.id == REFERENCE_MODEL_ID)
                            ).one().body
        conn.execute(update(EVENTS).where(EVENTS.c.id == REFERENCE_MODEL_ID)
                     .values(body=body.replace(b'"weight":400', b'"weight":401', 1)))
    doc = prov(api, approval)
    assert doc["verdict"] == "invalid"
    assert {"model_hash_matches", "model_spec_hash"} <= {r["code"] for r in doc["reasons"]}


@pytest.mark.parametrize("extra_us,stale", [(0, False), (1, True)])
def test_score_stale_is_a_warning_from_just_past_72_hours(api: Api, extra_us: int,
                                                          stale: bool) -> None:
    ids = world(api)
    approval = approve(api, ids, when(72, extra_us))
    doc = prov(api, approval)
    assert doc["verdict"] == "valid", doc["reasons"]
    got = check(doc, "score_stale")
    assert got["ok"] is True and got.get("warning", False) is stale
    assert any("score_stale" in w for w in doc["warnings"]) is stale
    mark = trail_mark(api, approval)
    assert mark["verdict"] == "valid" and ("score_stale" in mark["warnings"]) is stale


@pytest.mark.parametrize("extra_us,expired", [(0, False), (1, True)])
def test_score_expired_fails_from_just_past_720_hours(api: Api, extra_us: int,
                                                      expired: bool) -> None:
    ids = world(api)
    approval = approve(api, ids, when(720, extra_us))
    doc = prov(api, approval)
    assert check(doc, "score_expired")["ok"] is not expired
    assert doc["verdict"] == ("invalid" if expired else "valid"), doc["reasons"]
    assert check(doc, "score_stale").get("warning") is True
    if expired:
        assert [r["code"] for r in doc["reasons"]] == ["score_expired"]
        assert trail_mark(api, approval)["reasons"] == ["score_expired"]


def test_score_ages_are_configurable(tmp_path: Path) -> None:
    ctx = LedgerContext.open(make_settings(tmp_path, score_fresh_hours=1,
                                           score_max_age_hours=2))
    api = Api(ctx)
    try:
        ids = world(api)
        approval = approve(api, ids, when(2, 1))
        doc = prov(api, approval)
        assert [r["code"] for r in doc["reasons"]] == ["score_expired"]
    finally:
        ctx.close()


def test_score_ages_are_validated(tmp_path: Path) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        make_settings(tmp_path, score_fresh_hours=100, score_max_age_hours=10)
    with pytest.raises(ValidationError):
        make_settings(tmp_path, score_fresh_hours=0)


def test_a_live_red_alert_fails_the_approval(api: Api) -> None:
    ids = world(api)
    red = api.record("platform", alert("red", 1))
    doc = prov(api, approve(api, ids, when(3)))
    assert doc["verdict"] == "invalid"
    assert [r["code"] for r in doc["reasons"]] == ["red_alert_live"]
    alerts = approval_node(doc)["alerts_at_approval"]
    assert [(a["id"], a["level"], a["redacted"]) for a in alerts] == [(red, "red", False)]
    assert alerts[0]["indicators"] == ["current_ratio", "quick_ratio"]
    assert trail_mark(api, doc["event_id"])["reasons"] == ["red_alert_live"]


@pytest.mark.parametrize("raised_us,live", [(0, True), (1, False)])
def test_an_alert_raised_at_the_approval_is_live_one_after_is_not(api: Api, raised_us: int,
                                                                  live: bool) -> None:
    ids = world(api)
    api.record("platform", alert("red", 3, extra_us=raised_us))
    doc = prov(api, approve(api, ids, when(3)))
    assert (doc["verdict"] == "invalid") is live
    assert len(approval_node(doc)["alerts_at_approval"]) == (1 if live else 0)


@pytest.mark.parametrize("cleared_at,live", [(2, False), (3, False), (4, True)])
def test_a_cleared_alert_is_no_longer_live(api: Api, cleared_at: float, live: bool) -> None:
    ids = world(api)
    red = api.record("platform", alert("red", 1))
    api.record("platform", clear(red, cleared_at))
    doc = prov(api, approve(api, ids, when(3)))
    assert (doc["verdict"] == "invalid") is live, doc["reasons"]
    assert check(doc, "red_alert_live")["ok"] is not live


@pytest.mark.parametrize("level", ["yellow", "blue"])
def test_yellow_and_blue_alerts_warn(api: Api, level: str) -> None:
    ids = world(api)
    api.record("platform", alert(level, 1))
    doc = prov(api, approve(api, ids, when(3)))
    assert doc["verdict"] == "valid", doc["reasons"]
    got = check(doc, f"{level}_alert_live")
    assert got["ok"] is True and got["warning"] is True
    assert any(f"{level}_alert_live" in w for w in doc["warnings"])
    assert trail_mark(api, doc["event_id"])["warnings"] == [f"{level}_alert_live"]


def test_an_alert_of_another_enterprise_never_appears(api: Api) -> None:
    ids = world(api)
    api.record("platform", alert("red", 1, uscc=E2))
    doc = prov(api, approve(api, ids, when(3)))
    assert doc["verdict"] == "valid", doc["reasons"]
    assert approval_node(doc)["alerts_at_approval"] == []
    assert {n["enterprise_id"] for n in doc["nodes"] if n["id"] != REFERENCE_MODEL_ID} == {E1}


def test_a_bank_not_covered_for_alerts_sees_the_verdict_not_the_alert(api: Api) -> None:
    ids = world(api)
    api.record(E1, consent_event(E1, grantee=BANK_B, days=LIVE_DAYS,
                                 scope=["loan.approved", "score.computed", "consent.granted"]))
    api.record("platform", alert("red", 1))
    approval = approve(api, ids, when(3))
    full = prov(api, approval)
    seen = prov(api, approval, "bank_b")
    assert seen["verdict"] == full["verdict"] == "invalid"
    assert [r["code"] for r in seen["reasons"]] == ["red_alert_live"]
    assert seen["reasons"][0]["message"].startswith("redacted")
    alerts = approval_node(seen)["alerts_at_approval"]
    assert alerts[0]["redacted"] is True
    assert alerts[0]["level"] is None and alerts[0]["indicators"] is None
    assert "liquidity_low" not in str(seen)  # (indicator ids are in the public spec anyway)
    assert "liquidity_low" in str(full)

