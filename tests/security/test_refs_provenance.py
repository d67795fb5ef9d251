"""Issue 9, item 3: refs and provenance stay inside one enterprise, and what provenance says
about nodes a caller may not read is redacted like the nodes themselves."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ledger_service.evidence.story import BANK_ORG, at, consent_event, loan_event, score_event
from ledger_service.pipeline import intake

from ..conftest import Api
from ..test_access import _count
from .world import BANK_B, E1, E2, LIVE_DAYS, forced, two_enterprises


def _cross_ref_bodies(ids: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(who, body) for every kind of writer, each event of E2 citing something of E1."""
    e1, e2 = ids[E1], ids[E2]
    return [
        (E2, loan_event("loan.applied", E2, "L-x", [e1["score"]], 2, amount_fen=1,
                        currency="CNY", term_months=1, product="credit")),
        ("bank", loan_event("loan.applied", E2, "L-y", [e1["applied"]], 2, amount_fen=1,
                            currency="CNY", term_months=1, product="credit")),
        ("platform", {**score_event(E2, 1, "C", (1, 1, 1)), "refs": [e1["applied"]]}),
        (E2, {**consent_event(E2, days=LIVE_DAYS), "refs": [e1["consent"]]}),
        (E2, {"type": "consent.revoked", "enterprise_id": E2, "occurred_at": at(3),
              "refs": [e2["consent"], e1["consent"]], "payload": {"consent_id": e2["consent"]}}),
        ("bank", loan_event("loan.approved", E2, "L-e2", [e2["score"], e2["consent"],
                                                          e1["score"]], 3, amount_fen=1,
                            rate_bp=1)),
        ("bank", loan_event("loan.rejected", E2, "L-e2", [e2["applied"], e1["applied"]], 3,
                            reason_code="thin_file")),
        ("platform", {"type": "certificate.issued", "enterprise_id": E2, "occurred_at": at(4),
                      "refs": [e2["score"], e1["score"]],
                      "payload": {"certificate_id": "crt-x", "credential_hash": "0" * 64}}),
    ]


def test_refs_to_another_enterprise_are_refused_for_every_type(api: Api) -> None:
    ids = two_enterprises(api)
    before = _count(api)
    for who, body in _cross_ref_bodies(ids):
        r = api.post("/v1/events", who, body)
        assert r.status_code == 422, (who, body["type"], r.text)
        assert r.json()["error"]["code"] == "ref_rule", (body["type"], r.text)
        assert E1 not in r.text  # the refusal does not say whose event it is
        bulk = api.post("/v1/events/bulk", who, {"events": [body]})
        assert bulk.status_code == 422 and bulk.json()["error"]["code"] == "ref_rule"
    # In a bulk request the bad event is named by index and nothing is recorded.
    good = loan_event("loan.applied", E2, "L-ok", [], 2, amount_fen=1, currency="CNY",
                      term_months=1, product="credit")
    r = api.post("/v1/events/bulk", "bank", {"events": [good, _cross_ref_bodies(ids)[1][1]]})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "ref_rule"
    assert r.json()["error"]["details"]["index"] == 1
    assert _count(api) == before


def test_provenance_never_leaves_the_enterprise(api: Api, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    """A crafted cross-enterprise row (a compromised writer, or data from before the rule):
    the edge fails `same_enterprise`, and nothing of the other enterprise is shown."""
    ids = two_enterprises(api)
    e1, foreign = ids[E1], ids[E2]["applied"]
    monkeypatch.setattr(intake, "check_ref_rules", lambda *a, **k: None)
    crafted = forced(api, BANK_ORG, loan_event("loan.approved", E1, "L-2",
                                               [e1["score"], e1["consent"], foreign], 3,
                                               amount_fen=1, rate_bp=1))
    monkeypatch.undo()
    api.ctx.sealer.seal_all()
    for who in ("auditor", "bank", E1):
        r = api.get(f"/v1/enterprises/{E1}/provenance/{crafted}", who)
        assert r.status_code == 200, r.text
        doc = r.json()
        assert doc["verdict"] == "invalid"
        assert foreign not in {n["id"] for n in doc["nodes"]}
        # Every node is E1's but the public registration of the model its score cites.
        assert {n["enterprise_id"] for n in doc["nodes"]
                if n["type"] != "model.registered"} == {E1}
        edge = next(e for e in doc["edges"] if e["to"] == foreign)
        assert edge["verdict"] == "invalid"
        assert [c["name"] for c in edge["checks"] if not c["ok"]] == ["same_enterprise"]
        assert [(x["code"], x["event_id"]) for x in doc["reasons"] if x.get("ref") == foreign
                ] == [("same_enterprise", crafted)]
        text = r.text
        # Nothing of the foreign node: not its enterprise, type, org or payload.
        assert E2 not in text, text
        assert "loan.applied" not in text and "application" not in text
        assert f"L-{E2[-4:]}" not in text
        assert all(n["proof"]["verified"] for n in doc["nodes"])


def _redaction_story(api: Api) -> dict[str, str]:
    """E1: a score, a newer one (so the approval cites a stale score), the bank's consent,
    a consent letting bank-b read loan.disbursed only; an approval and a disbursement."""
    ids = {"score": api.record("platform", score_event(E1, 700, "A", (70, 70, 70))),
           "newer": api.record("platform", score_event(E1, 650, "BBB", (65, 65, 65), hours=1)),
           "consent": api.record(E1, consent_event(E1, days=LIVE_DAYS)),
           "consent_b": api.record(E1, consent_event(E1, grantee=BANK_B, days=LIVE_DAYS,
                                                     scope=["loan.disbursed"]))}
    api.ctx.sealer.seal_all()
    api.record("bank", loan_event("loan.applied", E1, "LOAN-SECRET-7", [], 2, amount_fen=1,
                                  currency="CNY", term_months=1, product="credit"))
    ids["approved"] = api.record("bank", loan_event(
        "loan.approved", E1, "LOAN-SECRET-7", [ids["score"], ids["consent"]], 3,
        amount_fen=1, rate_bp=1))
    ids["disbursed"] = api.record("bank", loan_event(
        "loan.disbursed", E1, "LOAN-SECRET-7", [ids["approved"]], 4, amount_fen=1))
    api.ctx.sealer.seal_all()
    return ids


def _details(doc: dict[str, Any]) -> str:
    parts = [c["detail"] for e in doc["edges"] for c in e["checks"]]
    parts += [c["detail"] for n in doc["nodes"] for c in n["checks"] if n["redacted"]]
    parts += [r["message"] for r in doc["reasons"]]
    parts += doc["warnings"]
    return orjson.dumps(parts).decode()


def test_edge_details_about_unreadable_nodes_are_redacted(api: Api) -> None:
    api.tokens["bank_b"] = api.ctx.keys.create("bank", BANK_B)[1]
    ids = _redaction_story(api)
    full = api.get(f"/v1/enterprises/{E1}/provenance/{ids['disbursed']}", "auditor").json()
    seen = _details(full)
    # The auditor's view carries the payload facts the rules were judged on...
    secrets = ["LOAN-SECRET-7", f"granted to {BANK_ORG}", ids["newer"], "scope ['*']"]
    for secret in secrets:
        assert secret in seen, secret
    r = api.get(f"/v1/enterprises/{E1}/provenance/{ids['disbursed']}", "bank_b")
    assert r.status_code == 200, r.text
    doc = r.json()
    # ...bank-b may read the disbursement only: the verdict is the same, the facts are not.
    assert doc["verdict"] == full["verdict"] == "invalid"
    assert [(r["code"], r["event_id"]) for r in doc["reasons"]] == \
        [(r["code"], r["event_id"]) for r in full["reasons"]]
    assert {n["id"] for n in doc["nodes"] if n["redacted"]} == {
        ids["approved"], ids["score"], ids["consent"]}
    hidden = _details(doc)
    for secret in secrets:
        assert secret not in hidden, secret
    assert "LOAN-SECRET-7" not in orjson.dumps(
        [n for n in doc["nodes"] if n["redacted"]]).decode()
