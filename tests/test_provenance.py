"""Provenance verdicts: a good story and each bad one, on SQLite and PostgreSQL; the
`ledger provenance` tree in a real subprocess."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from ledger_service.evidence.story import BANK_ORG, at, consent_event, loan_event, score_event
from ledger_service.pipeline import intake
from ledger_service.store.fast import write_transaction
from ledger_service.store.tables import EVENTS

from .conftest import Api, make_settings
from .scoring_support import REFERENCE_MODEL_ID
from .test_cli import ledger
from .worlds import BANK_B, E1, E2, LIVE_DAYS, add_banks, applied, approved, revoke


def prov(api: Api, event_id: str, who: str = "auditor", uscc: str = E1) -> dict[str, Any]:
    r = api.get(f"/v1/enterprises/{uscc}/provenance/{event_id}", who)
    assert r.status_code == 200, r.text
    return r.json()


def codes(doc: dict[str, Any]) -> set[str]:
    return {r["code"] for r in doc["reasons"]}


def setup(api: Api, *, score_hours: float = 0, consent: dict[str, Any] | None = None,
          seal_score: bool = True, standing: bool = False) -> dict[str, str]:
    """standing: E1 also gives the bank a live consent the approval does not cite, so the
    bank may record E1's loan steps (issue 9) while the cited consent is bad."""
    add_banks(api)
    ids = {"score": api.record("platform", score_event(E1, 742, "A", (78, 71, 66),
                                                       hours=score_hours))}
    if seal_score:
        api.ctx.sealer.seal_all()
    if standing:
        api.record(E1, consent_event(E1, days=LIVE_DAYS, scope=["loan.applied"]))
    ids["consent"] = api.record(E1, consent or consent_event(E1, days=LIVE_DAYS))
    ids["applied"] = api.record("bank", applied(E1, "L1"))
    return ids


def approve(api: Api, ids: dict[str, str], hours: float = 3, score: str | None = None,
            who: str = "bank") -> str:
    ids["approved"] = api.record(who, approved(E1, "L1", score or ids["score"],
                                               ids["consent"], hours))
    api.ctx.sealer.seal_all()
    return ids["approved"]


def test_good_story_is_valid_transitively(api: Api) -> None:
    ids = setup(api)
    approval = approve(api, ids)
    closed = api.record("bank", loan_event("loan.closed", E1, "L1", [approval], 9))
    api.ctx.sealer.seal_all()
    doc = prov(api, approval)
    assert doc["verdict"] == "valid", doc["reasons"]
    assert doc["reasons"] == []
    assert {n["id"] for n in doc["nodes"]} == {approval, ids["score"], ids["consent"],
                                               REFERENCE_MODEL_ID}
    assert all(n["proof"]["verified"] and n["proof"]["status"] == "sealed" for n in doc["nodes"])
    edges = {e["kind"]: e for e in doc["edges"]}
    assert set(edges) == {"score", "consent", "model"}
    assert {c["name"] for c in edges["score"]["checks"]} >= {
        "same_enterprise", "score_before_approval", "score_sealed_before_approval",
        "latest_score"}
    assert {c["name"] for c in edges["consent"]["checks"]} >= {
        "consent_live_at_approval", "consent_covers_scores", "bank_is_grantee"}
    assert all(e["verdict"] == "valid" for e in doc["edges"])
    consent_node = next(n for n in doc["nodes"] if n["id"] == ids["consent"])
    assert consent_node["consent"]["grantee_org"] == BANK_ORG
    whole = prov(api, closed)
    assert whole["verdict"] == "valid"
    assert len(whole["nodes"]) == 5
    assert {e["kind"] for e in whole["edges"]} == {"approval", "score", "consent", "model"}


def test_revocation_after_the_approval_does_not_taint_it(api: Api) -> None:
    ids = setup(api)
    approval = approve(api, ids, hours=3)
    revoke(api, E1, ids["consent"], 4)
    assert prov(api, approval)["verdict"] == "valid"


BAD = {
    "approval_before_score": "score_before_approval",
    "score_not_sealed": "score_sealed_before_approval",
    "consent_revoked": "consent_live_at_approval",
    "consent_expired": "consent_live_at_approval",
    "consent_not_yet_live": "consent_live_at_approval",
    "bank_not_grantee": "bank_is_grantee",
    "scope_without_scores": "consent_covers_scores",
    "stale_score": "latest_score",
}


@pytest.mark.parametrize("story", list(BAD))
def test_bad_stories_are_invalid_with_the_reason(api: Api, story: str) -> None:
    if story == "approval_before_score":
        ids = setup(api, score_hours=5)
    elif story == "score_not_sealed":
        ids = setup(api, seal_score=False)
    elif story == "consent_revoked":
        ids = setup(api, standing=True)
        revoke(api, E1, ids["consent"], 2)
    elif story == "consent_expired":
        ids = setup(api, consent=consent_event(E1, days=1), standing=True)  # expires at 25h
        approve(api, ids, hours=30)
    elif story == "consent_not_yet_live":
        ids = setup(api, consent=consent_event(E1, hours=10, days=LIVE_DAYS))
    elif story == "bank_not_grantee":
        ids = setup(api, consent=consent_event(E1, grantee=BANK_B, days=LIVE_DAYS),
                    standing=True)
    elif story == "scope_without_scores":
        ids = setup(api, consent=consent_event(E1, days=LIVE_DAYS, scope=["loan.applied"]))
    else:
        ids = setup(api)
        api.record("platform", score_event(E1, 600, "BBB", (60, 60, 60), hours=1))
        api.ctx.sealer.seal_all()
    if "approved" not in ids:
        approve(api, ids)
    doc = prov(api, ids["approved"])
    assert doc["verdict"] == "invalid"
    assert codes(doc) == {BAD[story]}, doc["reasons"]
    bad_edges = [e for e in doc["edges"] if e["verdict"] == "invalid"]
    assert len(bad_edges) == 1
    assert bad_edges[0]["from"] == ids["approved"]


def test_only_scores_the_bank_could_rely_on_make_a_score_stale(api: Api) -> None:
    ids = setup(api)
    # Newer, but still pending when the approval was recorded: the bank could not use it.
    api.record("platform", score_event(E1, 600, "BBB", (60, 60, 60), hours=1))
    approval = api.record("bank", approved(E1, "L1", ids["score"], ids["consent"], 3))
    api.ctx.sealer.seal_all()
    assert prov(api, approval)["verdict"] == "valid"
    # Dated before the approval but recorded after it (backdated): not stale either.
    api.record("platform", score_event(E1, 500, "BB", (50, 50, 50), hours=2))
    api.ctx.sealer.seal_all()
    assert prov(api, approval)["verdict"] == "valid"
    # A second approval now must use the newest sealed score.
    api.record("bank", applied(E1, "L2"))
    stale = api.record("bank", loan_event("loan.approved", E1, "L2",
                                          [ids["score"], ids["consent"]], 4, amount_fen=1,
                                          rate_bp=1))
    api.ctx.sealer.seal_all()
    assert codes(prov(api, stale)) == {"latest_score"}


def test_score_of_another_enterprise(api: Api) -> None:
    ids = setup(api)
    foreign = api.record("platform", score_event(E2, 900, "AAA", (90, 90, 90)))
    api.ctx.sealer.seal_all()
    # Intake refuses an approval whose only score is another enterprise's...
    r = api.post("/v1/events", "bank", approved(E1, "L1", foreign, ids["consent"]))
    assert r.status_code == 422
    assert r.json()["error"]["details"]["ref"] == foreign
    # ...and (issue 9) a foreign score riding along with an own one: refs name events of
    # the same enterprise only. Provenance of crafted rows: test_crafted_cross_enterprise_row.
    r = api.post("/v1/events", "bank", loan_event("loan.approved", E1, "L1",
                                                  [ids["score"], foreign, ids["consent"]], 3,
                                                  amount_fen=1, rate_bp=1))
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "ref_rule"
    assert r.json()["error"]["details"]["ref"] == foreign


def test_crafted_cross_enterprise_row(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """A row intake would refuse, committed with a valid proof (as a compromised or buggy
    writer could): provenance's own check must catch it, not rely on intake's."""
    ids = setup(api)
    foreign = api.record("platform", score_event(E2, 900, "AAA", (90, 90, 90)))
    api.ctx.sealer.seal_all()
    monkeypatch.setattr(intake, "check_ref_rules", lambda *a, **k: None)
    crafted = api.ctx.recorder.record(BANK_ORG, [intake_event(
        approved(E1, "L1", foreign, ids["consent"]))])[0].id
    monkeypatch.undo()
    api.ctx.sealer.seal_all()
    doc = prov(api, crafted)
    assert doc["verdict"] == "invalid"
    assert all(n["proof"]["verified"] for n in doc["nodes"])
    assert "same_enterprise" in codes(doc)
    # Issue 9: provenance never leaves the enterprise. The foreign score is not loaded or
    # shown (no node, nothing of its type, org, dates or payload); its edge fails
    # same_enterprise, and the approval cites no score of its own enterprise.
    assert foreign not in {n["id"] for n in doc["nodes"]}
    edge = next(e for e in doc["edges"] if e["to"] == foreign)
    assert edge["verdict"] == "invalid"
    assert [c["name"] for c in edge["checks"] if not c["ok"]] == ["same_enterprise"]
    assert "approval_cites_score" in codes(doc)
    assert E2 not in str(doc)


def intake_event(event: dict[str, Any]) -> Any:
    from ledger_service.evidence.schemas import EVENT_ADAPTER

    return EVENT_ADAPTER.validate_python(event, strict=False)


def test_tampered_node_and_erased_consent(api: Api) -> None:
    ids = setup(api)
    approval = approve(api, ids)
    # Break the score's commitment: another payload and salt under the same leaf.
    with write_transaction(api.ctx.engine) as conn:
        conn.execute(update(EVENTS).where(EVENTS.c.id == ids["score"])
                     .values(body=b'{"tampered": true}', salt=b"\0" * 32))
    doc = prov(api, approval)
    assert "proof_verifies" in codes(doc)
    r = api.post(f"/v1/events/{ids['consent']}/erase", "platform", {"reason": "pipl_request"})
    assert r.status_code == 200, r.text
    doc = prov(api, approval)
    assert "consent_readable" in codes(doc)


def test_bank_view_is_redacted_but_judged_in_full(api: Api) -> None:
    ids = setup(api)
    approval = approve(api, ids)
    api.record(E1, consent_event(E1, grantee=BANK_B, days=LIVE_DAYS, scope=["loan.approved"]))
    doc = prov(api, approval, who="bank_b")
    assert doc["verdict"] == "valid"
    nodes = {n["id"]: n for n in doc["nodes"]}
    assert nodes[approval]["event"] is not None and not nodes[approval]["redacted"]
    for hidden in (ids["score"], ids["consent"]):
        assert nodes[hidden]["redacted"] and nodes[hidden]["event"] is None
        assert "consent" not in nodes[hidden]
        assert nodes[hidden]["proof"]["verified"] is True
    full = prov(api, approval, who="bank")
    assert not any(n["redacted"] for n in full["nodes"])
    r = api.get(f"/v1/enterprises/{E1}/provenance/{ids['score']}", "bank_b")
    assert r.status_code == 403
    assert r.json()["error"]["details"]["reason"] == "consent_out_of_scope"


def test_pending_nodes_are_warned_about(api: Api) -> None:
    ids = setup(api)
    approval = api.record("bank", approved(E1, "L1", ids["score"], ids["consent"]))
    doc = prov(api, approval)
    assert doc["verdict"] == "valid"
    assert any(approval in w and "pending" in w for w in doc["warnings"])
    root = next(n for n in doc["nodes"] if n["id"] == approval)
    assert root["proof"] == {"status": "pending", "verified": None, "failed_checks": [],
                             "batch": None}


def test_backdated_revocation_is_flagged(api: Api) -> None:
    ids = setup(api)
    approval = approve(api, ids, hours=3)
    revoke(api, E1, ids["consent"], 2)  # recorded after the approval, dated before it
    doc = prov(api, approval)
    assert doc["verdict"] == "invalid"
    assert any("backdated" in w for w in doc["warnings"])


def test_cli_prints_the_tree(tmp_path: Path) -> None:
    from ledger_service.runtime.context import LedgerContext

    ctx = LedgerContext.open(make_settings(tmp_path))
    api = Api(ctx)
    ids = setup(api)
    good = approve(api, ids)
    api.record("bank", applied(E1, "L2"))
    bad = api.record("bank", loan_event("loan.approved", E1, "L2", [ids["score"],
                                                                    ids["consent"]], 0.5,
                                        amount_fen=1, rate_bp=1))
    api.ctx.sealer.seal_all()
    ctx.close()
    r = ledger("provenance", E1, good, data_dir=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "VALID" in r.stdout and "score.computed" in r.stdout
    assert "consent.granted" in r.stdout and "loan.approved" in r.stdout
    r = ledger("provenance", E1, bad, data_dir=tmp_path)
    assert r.returncode == 1
    assert "INVALID" in r.stdout and "score_before_approval" in r.stdout
    r = ledger("provenance", E1, bad, "--json", data_dir=tmp_path)
    assert r.returncode == 1
    assert '"verdict": "invalid"' in r.stdout
    assert ledger("provenance", E1, "evt_" + "0" * 32, data_dir=tmp_path).returncode == 2
    assert at(0) in ledger("provenance", E1, good, "--json", data_dir=tmp_path).stdout
