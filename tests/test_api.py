"""The HTTP API on SQLite and on PostgreSQL: intake, read-back, proofs, and every refusal."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest
from nacl.signing import SigningKey
from sqlalchemy import func, select

from ledger_proof.bundle import verify_bundle
from ledger_proof.canonical import canonicalize
from ledger_service.evidence.story import (
    BANK_ORG,
    ENTERPRISES,
    consent_event,
    loan_event,
    score_event,
)
from ledger_service.store.tables import EVENTS

from .conftest import Api

E1 = ENTERPRISES[0].uscc
E2 = ENTERPRISES[1].uscc


def count_events(api: Api) -> int:
    """The test's own events (the reference model's registration is the fixture's)."""
    with api.ctx.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(EVENTS)
                            .where(EVENTS.c.type != "model.registered")).scalar_one()


def story(api: Api) -> dict[str, str]:
    ids = {"score": api.record("platform", score_event(E1, 742, "A", (78, 71, 66))),
           "consent": api.record(E1, consent_event(E1))}
    ids["applied"] = api.record("bank", loan_event("loan.applied", E1, "L1", [], 2,
                                                   amount_fen=100, currency="CNY",
                                                   term_months=12, product="credit"))
    ids["approved"] = api.record("bank", loan_event("loan.approved", E1, "L1",
                                                    [ids["score"], ids["consent"]], 3,
                                                    amount_fen=100, rate_bp=400))
    return ids


def test_record_seal_prove_verify(api: Api) -> None:
    ids = story(api)
    r = api.get(f"/v1/events/{ids['approved']}")
    assert r.status_code == 200
    assert r.json()["status"] == "pending"
    assert r.json()["event"]["org"] == BANK_ORG
    assert api.get(f"/v1/events/{ids['approved']}/proof").status_code == 404
    sealed = api.ctx.sealer.seal_all()
    assert [s.size for s in sealed] == [5]  # the model's registration first
    event = api.get(f"/v1/events/{ids['approved']}").json()
    assert event["status"] == "sealed"
    assert event["batch"] == {"seq": 0, "leaf_index": 4}
    bundle = api.get(f"/v1/events/{ids['approved']}/proof").json()
    assert set(bundle) == {"version", "event", "salt", "commitment", "leaf_hash", "inclusion",
                           "batch", "anchors"}
    assert bundle["batch"]["header"]["prev_header_hash"] == "0" * 64
    keys = {k["key_id"]: k["public_key"] for k in api.client.get("/v1/keys").json()["keys"]}
    assert verify_bundle(bundle, pinned_keys=keys).valid
    verdict = api.client.post("/v1/verify/event", json=bundle).json()
    assert verdict["valid"] is True
    bundle["event"]["payload"]["rate_bp"] = 1
    verdict = api.client.post("/v1/verify/event", json=bundle).json()
    assert verdict["valid"] is False
    assert [c["name"] for c in verdict["checks"] if not c["ok"]] == ["commitment"]


def test_verify_event_with_salt(api: Api) -> None:
    ids = story(api)
    api.ctx.sealer.seal_all()
    bundle = api.get(f"/v1/events/{ids['score']}/proof").json()
    ok = api.client.post("/v1/verify/event",
                         json={"event": bundle["event"], "salt": bundle["salt"]}).json()
    assert ok["valid"] is True
    bad = api.client.post("/v1/verify/event",
                          json={"event": bundle["event"], "salt": "00" * 32}).json()
    assert bad["valid"] is False


def test_bulk_is_all_or_nothing(api: Api) -> None:
    good = score_event(E1, 700, "A", (70, 70, 70))
    bad = score_event(E1, 700, "A", (70, 70, 70))
    bad["payload"]["score"] = 1001
    r = api.post("/v1/events/bulk", "platform", {"events": [good, good, bad]})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "validation_error"
    assert r.json()["error"]["details"]["errors"][0]["loc"][:2] == ["events", 2]
    assert count_events(api) == 0
    r = api.post("/v1/events/bulk", "platform", {"events": [good] * 50})
    assert r.status_code == 201
    assert r.json()["count"] == 50
    assert count_events(api) == 50


def test_bulk_refs_earlier_events_by_client_id(api: Api) -> None:
    score = dict(score_event(E1, 700, "A", (70, 70, 70)), id="evt_" + "1" * 32)
    consent = dict(consent_event(E1), id="evt_" + "2" * 32)
    r = api.post("/v1/events/bulk", E1, {"events": [consent]})
    assert r.status_code == 201, r.text
    api.post("/v1/events/bulk", "platform", {"events": [score]})
    applied = dict(loan_event("loan.applied", E1, "L9", [], 2, amount_fen=5, currency="CNY",
                              term_months=3, product="ip_pledge"), id="evt_" + "3" * 32)
    rejected = loan_event("loan.rejected", E1, "L9", [applied["id"]], 3, reason_code="r1")
    r = api.post("/v1/events/bulk", "bank", {"events": [applied, rejected]})
    assert r.status_code == 201, r.text
    # Retrying the same request is answered, not duplicated; other content is refused.
    again = api.post("/v1/events/bulk", "bank", {"events": [applied]})
    assert again.status_code == 201
    assert again.json()["events"][0]["id"] == applied["id"]
    applied["payload"]["amount_fen"] = 6
    assert api.post("/v1/events/bulk", "bank", {"events": [applied]}).status_code == 409


def test_bulk_limit(api: Api) -> None:
    api.ctx.settings.max_bulk_events = 3
    r = api.post("/v1/events/bulk", "platform",
                 {"events": [score_event(E1, 1, "C", (1, 1, 1))] * 4})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"
    assert count_events(api) == 0


REJECTIONS: list[tuple[str, Any, int, str]] = [
    ("malformed json", b'{"type": "score.computed",', 400, "invalid_json"),
    ("not an object", b"[1, 2]", 422, "validation_error"),
    ("empty body", b"", 422, "validation_error"),
    ("unknown type", {**score_event(E1, 1, "C", (1, 1, 1)), "type": "score.guessed"}, 422,
     "validation_error"),
    ("unknown field", {**score_event(E1, 1, "C", (1, 1, 1)), "extra": 1}, 422,
     "validation_error"),
    ("float score", orjson.dumps(score_event(E1, 1, "C", (1, 1, 1))).replace(b'"score":1',
                                                                             b'"score":1.0'),
     422, "validation_error"),
    ("numeric string", orjson.dumps(score_event(E1, 1, "C", (1, 1, 1))).replace(
        b'"score":1', b'"score":"1"'), 422, "validation_error"),
    ("bad check char", score_event("91350100M000100Y44", 1, "C", (1, 1, 1)), 422,
     "validation_error"),
    ("naive time", {**score_event(E1, 1, "C", (1, 1, 1)), "occurred_at": "2026-11-26T10:00:00"},
     422, "validation_error"),
    ("bad digest", {**score_event(E1, 1, "C", (1, 1, 1)),
                    "payload": {**score_event(E1, 1, "C", (1, 1, 1))["payload"],
                                "inputs_digest": "XYZ"}}, 422, "validation_error"),
    ("unknown ref", {**score_event(E1, 1, "C", (1, 1, 1)), "refs": ["evt_" + "f" * 32]}, 422,
     "unknown_ref"),
]


@pytest.mark.parametrize(("name", "body", "status", "code"), REJECTIONS,
                         ids=[r[0] for r in REJECTIONS])
def test_bad_input_is_refused_and_changes_nothing(api: Api, name: str, body: Any, status: int,
                                                  code: str) -> None:
    kw = {"content": body} if isinstance(body, bytes) else {"json": body}
    r = api.client.post("/v1/events", headers={**api.headers("platform"),
                                               "Content-Type": "application/json"}, **kw)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    assert set(r.json()["error"]) == {"code", "message", "details"}
    assert count_events(api) == 0


def test_ref_rules(api: Api) -> None:
    score = api.record("platform", score_event(E1, 742, "A", (78, 71, 66)))
    other_score = api.record("platform", score_event(E2, 742, "A", (78, 71, 66)))
    consent = api.record(E1, consent_event(E1))
    cases = [
        ([score], {"required": "consent.granted"}),
        ([consent], {"required": "score.computed"}),
        # issue 9: another enterprise's event is refused as such, before the per-type rules
        ([other_score, consent], {"ref": other_score}),
    ]
    for refs, details in cases:
        r = api.post("/v1/events", "bank", loan_event("loan.approved", E1, "L1", refs, 3,
                                                      amount_fen=1, rate_bp=1))
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "ref_rule"
        assert details.items() <= r.json()["error"]["details"].items()
    r = api.post("/v1/events", "bank", loan_event("loan.disbursed", E1, "L1", [score], 3,
                                                  amount_fen=1))
    assert r.json()["error"]["code"] == "ref_rule"
    revoke = {"type": "consent.revoked", "enterprise_id": E1, "occurred_at": "2026-11-27T00:00:00Z",
              "refs": [], "payload": {"consent_id": consent}}
    assert api.post("/v1/events", E1, revoke).json()["error"]["code"] == "ref_rule"
    revoke["refs"] = [consent]
    assert api.post("/v1/events", E1, revoke).status_code == 201


def test_auth_errors(api: Api) -> None:
    body = score_event(E1, 1, "C", (1, 1, 1))
    r = api.client.post("/v1/events", json=body)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    r = api.client.post("/v1/events", json=body, headers={"Authorization": "Bearer lk_nope"})
    assert r.status_code == 401
    key_id, token = api.ctx.keys.create("platform", "p2")
    api.ctx.keys.revoke(key_id)
    r = api.client.post("/v1/events", json=body, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert "revoked" in r.json()["error"]["message"]
    r = api.post("/v1/events", "bank", body)
    assert r.status_code == 403
    assert r.json()["error"]["details"]["reason"] == "role_may_not_record"
    assert count_events(api) == 0


def test_oversize_body(api: Api) -> None:
    api_small = api.client
    api.client.app.user_middleware  # noqa: B018 - the app is built; limit applies per request
    big = b"{" + b" " * (api.ctx.settings.max_body_bytes + 1) + b"}"
    r = api_small.post("/v1/events/bulk", content=big, headers={
        **api.headers("platform"), "Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"


def _sign(key: SigningKey, doc: dict[str, Any]) -> str:
    return base64.b64encode(key.sign(canonicalize(doc)).signature).decode()


def test_org_signatures(api: Api) -> None:
    key = SigningKey.generate()
    api.ctx.orgs.add("haixi-credit-platform",
                     base64.b64encode(bytes(key.verify_key)).decode())
    event = score_event(E1, 1, "C", (1, 1, 1))
    signed = {**event, "signature": _sign(key, event)}
    assert api.post("/v1/events", "platform", signed).status_code == 201
    forged = {**event, "signature": _sign(SigningKey.generate(), event)}
    r = api.post("/v1/events", "platform", forged)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "bad_signature"
    bulk = {"events": [event, event]}
    assert api.post("/v1/events/bulk", "platform",
                    {**bulk, "signature": _sign(key, bulk)}).status_code == 201
    r = api.post("/v1/events/bulk", "platform", {**bulk, "signature": _sign(key, {"events": []})})
    assert r.json()["error"]["code"] == "bad_signature"
    assert count_events(api) == 3
    # An org without a registered key cannot sign (the bank holds E1's consent: issue 9).
    api.record(E1, consent_event(E1))
    unsigned_org = {**loan_event("loan.applied", E1, "L1", [], 1, amount_fen=1, currency="CNY",
                                 term_months=1, product="credit")}
    unsigned_org["signature"] = _sign(key, unsigned_org)
    assert api.post("/v1/events", "bank", unsigned_org).json()["error"]["code"] == "bad_signature"


def test_batches_and_chain(api: Api) -> None:
    api.ctx.settings.batch_max_events = 3
    api.post("/v1/events/bulk", "platform", {"events": [score_event(E1, 1, "C", (1, 1, 1))] * 7})
    # Eight events with the reference model's registration.
    assert [s.size for s in api.ctx.sealer.seal_all()] == [3, 3, 2]
    page = api.get("/v1/batches?limit=2").json()
    assert [b["seq"] for b in page["batches"]] == [0, 1]
    assert page["next_after"] == 1
    rest = api.get("/v1/batches?after=1").json()["batches"]
    assert [b["seq"] for b in rest] == [2]
    assert rest[0]["header"]["prev_header_hash"] == page["batches"][1]["header_hash"]
    assert api.get("/v1/batches/7").status_code == 404
    assert api.get("/v1/batches/-1").status_code == 422


def test_health_ready_metrics(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    ready = api.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"]["ok"] is True
    api.record("platform", score_event(E1, 1, "C", (1, 1, 1)))
    text = api.get("/metrics", "auditor").text  # issue 9: metrics need a platform/auditor key
    assert "ledger_events_recorded_total" in text
    assert "ledger_http_requests_total" in text


def test_rate_limit_per_key_and_per_address(api: Api) -> None:
    from ledger_service.access.ratelimit import RateLimiter

    api.client.app.state.limiter = RateLimiter(per_second=1, burst=3)
    codes = [api.get("/v1/batches").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    r = api.get("/v1/batches")
    assert r.json()["error"]["code"] == "rate_limited"
    assert int(r.headers["Retry-After"]) >= 1
    assert api.get("/v1/batches", who="platform").status_code == 200  # another key's bucket
    verify = [api.client.post("/v1/verify/event", json={"version": 1}).status_code
              for _ in range(5)]
    assert verify[-1] == 429
