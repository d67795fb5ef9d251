"""Consent-gated access: every role x every read endpoint x own/other enterprise x consent
state (live, expired, revoked, out of scope, none, not yet live), write refusals, 401s,
loan ownership, and key rotation. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from ledger_service.evidence.story import at, consent_event, loan_event, score_event
from ledger_service.store.tables import EVENTS

from .conftest import Api
from .worlds import BANK_B, E1, E2, E3, LIVE_DAYS, access_world, add_banks, applied, approved

READERS = ("platform", "auditor", "bank", "bank_b", "bank_c", E1, E2, E3)
ENDPOINTS = ("event", "proof", "provenance")


def related(who: str, uscc: str) -> bool:
    """Does the enterprise let the caller see anything of it now (issue 9)?"""
    if who in ("platform", "auditor"):
        return True
    if who in (E1, E2, E3):
        return who == uscc
    return who in ("bank", "bank_b") and uscc == E1  # the only live consents to banks


def expected(who: str, uscc: str, etype: str | None, endpoint: str = "trail"
             ) -> tuple[int, str | None]:
    """The access rules of the issues, written out independently of the service's code.
    etype None stands for the trail (a bank with any live consent sees its scope). Asked
    for one event by id, a caller with no relationship to its enterprise gets the 404 of
    an id that does not exist (issue 9); requests naming the enterprise keep the 403."""
    status, reason = _expected(who, uscc, etype)
    if status == 403 and endpoint in ("event", "proof") and not related(who, uscc):
        return 404, None
    return status, reason


def _expected(who: str, uscc: str, etype: str | None) -> tuple[int, str | None]:
    if who in ("platform", "auditor"):
        return 200, None
    if who in (E1, E2, E3):
        return (200, None) if who == uscc else (403, "not_own_enterprise")
    if who == "bank":
        return {E1: (200, None), E2: (403, "consent_expired"),
                E3: (403, "consent_revoked")}[uscc]
    if who == "bank_b":
        if uscc != E1:
            return 403, "no_consent"
        return (200, None) if etype in (None, "loan.applied") else (403, "consent_out_of_scope")
    return 403, "no_consent"


def read(api: Api, who: str, endpoint: str, uscc: str, event_id: str) -> Any:
    path = {"event": f"/v1/events/{event_id}", "proof": f"/v1/events/{event_id}/proof",
            "trail": f"/v1/enterprises/{uscc}/events",
            "provenance": f"/v1/enterprises/{uscc}/provenance/{event_id}"}[endpoint]
    return api.get(path, who)


def test_full_read_matrix(api: Api) -> None:
    ids = access_world(api)
    mismatches = []
    checked = 0
    for who in READERS:
        for uscc in (E1, E2, E3):
            cases: list[tuple[str, str | None, str]] = [("trail", None, "")]
            for etype, key in (("score.computed", "score"), ("loan.applied", "applied")):
                cases += [(endpoint, etype, ids[uscc][key]) for endpoint in ENDPOINTS]
            for endpoint, etype, event_id in cases:
                r = read(api, who, endpoint, uscc, event_id)
                status, reason = expected(who, uscc, etype, endpoint)
                got_reason = (r.json()["error"]["details"].get("reason")
                              if r.status_code >= 400 else None)
                checked += 1
                if (r.status_code, got_reason) != (status, reason):
                    mismatches.append((who, uscc, endpoint, etype, r.status_code, got_reason,
                                       status, reason))
                if r.status_code == 403:
                    assert r.json()["error"]["code"] == "forbidden"
                if r.status_code == 404:
                    assert r.json()["error"]["code"] == "not_found"
    assert checked == len(READERS) * 3 * 7
    assert mismatches == []


def test_bodies_show_only_what_the_caller_may_see(api: Api) -> None:
    ids = access_world(api)
    every = {e["id"] for e in api.get(f"/v1/enterprises/{E1}/events", "auditor").json()["events"]}
    assert every == {ids[E1]["score"], ids[E1]["consent"], ids[E1]["applied"], ids[E1]["scoped"]}
    own = api.get(f"/v1/enterprises/{E1}/events", E1).json()
    assert {e["id"] for e in own["events"]} == every
    assert own["visible_types"] == "*"
    scoped = api.get(f"/v1/enterprises/{E1}/events", "bank_b").json()
    assert scoped["visible_types"] == ["loan.applied"]
    assert [e["id"] for e in scoped["events"]] == [ids[E1]["applied"]]
    r = api.get(f"/v1/enterprises/{E1}/events?type=score.computed", "bank_b")
    assert r.status_code == 403
    assert r.json()["error"]["details"]["reason"] == "consent_out_of_scope"
    ok = api.get(f"/v1/enterprises/{E1}/events?type=loan.applied", "bank_b")
    assert ok.status_code == 200 and len(ok.json()["events"]) == 1
    bank = api.get(f"/v1/enterprises/{E1}/events", "bank").json()
    assert bank["visible_types"] == "*" and len(bank["events"]) == 4
    event = api.get(f"/v1/events/{ids[E1]['score']}", "bank").json()
    assert event["event"]["payload"]["score"] == 700
    assert event["status"] == "sealed"


def test_consent_is_judged_at_request_time(api: Api) -> None:
    add_banks(api)
    score = api.record("platform", score_event(E1, 700, "A", (70, 70, 70)))
    consent = api.record(E1, consent_event(E1, days=LIVE_DAYS))
    assert api.get(f"/v1/events/{score}", "bank").status_code == 200
    api.record(E1, {"type": "consent.revoked", "enterprise_id": E1, "occurred_at": at(10),
                    "refs": [consent], "payload": {"consent_id": consent}})
    # Issue 9: with no live consent the bank is not told the event exists (404 by id); the
    # reason is given where the bank names the enterprise itself (its trail).
    assert api.get(f"/v1/events/{score}", "bank").status_code == 404
    r = api.get(f"/v1/enterprises/{E1}/events", "bank")
    assert r.status_code == 403
    assert r.json()["error"]["details"]["reason"] == "consent_revoked"
    # A new consent restores access; one dated in the future does not, yet.
    future = consent_event(E1, hours=24 * 365 * 30, days=10)
    api.record(E1, future)
    assert api.get(f"/v1/events/{score}", "bank").status_code == 404
    r = api.get(f"/v1/enterprises/{E1}/events", "bank")
    assert r.json()["error"]["details"]["reason"] == "consent_not_yet_live"
    api.record(E1, consent_event(E1, hours=20, days=LIVE_DAYS, scope=["score.computed"]))
    assert api.get(f"/v1/events/{score}", "bank").status_code == 200
    # The bank reads no more than the scope: its own loan.applied is out of it.
    mine = api.record("bank", applied(E1, "L-own"))
    r = api.get(f"/v1/events/{mine}", "bank")
    assert r.json()["error"]["details"]["reason"] == "consent_out_of_scope"


def test_unknown_and_revoked_keys_get_401_on_every_read(api: Api) -> None:
    ids = access_world(api)
    key_id, token = api.ctx.keys.create("auditor", "audit-2")
    api.ctx.keys.revoke(key_id)
    event_id = ids[E1]["score"]
    paths = [f"/v1/events/{event_id}", f"/v1/events/{event_id}/proof",
             f"/v1/enterprises/{E1}/events", f"/v1/enterprises/{E1}/provenance/{event_id}"]
    for path in paths:
        for headers in ({}, {"Authorization": "Bearer lk_unknown"},
                        {"Authorization": f"Bearer {token}"}):
            r = api.client.get(path, headers=headers)
            assert r.status_code == 401, (path, headers)
            assert r.json()["error"]["code"] == "unauthorized"
    r = api.client.post(f"/v1/events/{event_id}/erase", json={"reason": "pipl_request"},
                        headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


def test_unknown_event_and_bad_enterprise(api: Api) -> None:
    ids = access_world(api)
    assert api.get("/v1/events/evt_" + "0" * 32, "bank").status_code == 404
    assert api.get(f"/v1/enterprises/{E1}/provenance/evt_{'0' * 32}").status_code == 404
    # An event of E2 asked for under E1 is not in E1's records.
    assert api.get(f"/v1/enterprises/{E1}/provenance/{ids[E2]['score']}").status_code == 404
    r = api.get("/v1/enterprises/91350100M000100Y44/events")
    assert r.status_code == 422
    assert api.get(f"/v1/enterprises/{E1}/events?type=score.guessed").status_code == 422
    assert api.get(f"/v1/enterprises/{E1}/events?cursor=nonsense").status_code == 422


WRITES = [
    ("auditor", "score"), ("auditor", "consent"), ("auditor", "applied"),
    ("bank", "score"), ("bank", "consent"), ("platform", "consent"), ("platform", "applied"),
    (E1, "score"), (E1, "approved"), (E2, "consent"), (E2, "applied"),
]


def _bodies(score: str, consent: str) -> dict[str, dict[str, Any]]:
    return {"score": score_event(E1, 1, "C", (1, 1, 1)), "consent": consent_event(E1),
            "applied": applied(E1, "L-w"), "approved": approved(E1, "L-w", score, consent)}


@pytest.mark.parametrize(("who", "kind"), WRITES, ids=[f"{w[:8]}-{k}" for w, k in WRITES])
def test_write_refusals(api: Api, who: str, kind: str) -> None:
    score = api.record("platform", score_event(E1, 700, "A", (70, 70, 70)))
    consent = api.record(E1, consent_event(E1))
    before = _count(api)
    r = api.post("/v1/events", who, _bodies(score, consent)[kind])
    assert r.status_code == 403, r.text
    assert r.json()["error"]["details"]["reason"] in ("role_may_not_record",
                                                      "not_own_enterprise")
    assert _count(api) == before


def test_nobody_submits_erasure_records_and_only_platform_erases(api: Api) -> None:
    score = api.record("platform", score_event(E1, 700, "A", (70, 70, 70)))
    erased = {"type": "event.erased", "enterprise_id": E1, "occurred_at": at(1),
              "refs": [score], "payload": {"event_id": score, "reason_code": "x"}}
    for who in ("platform", "bank", "auditor", E1):
        r = api.post("/v1/events", who, erased)
        assert r.status_code == 403
        assert r.json()["error"]["details"]["reason"] == "role_may_not_record"
    for who in ("bank", "auditor", E1):
        r = api.post(f"/v1/events/{score}/erase", who, {"reason": "pipl_request"})
        assert r.status_code == 403
        assert r.json()["error"]["details"]["reason"] == "role_not_allowed"


def _count(api: Api) -> int:
    """The test's own events (the reference model's registration is the fixture's)."""
    with api.ctx.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(EVENTS)
                            .where(EVENTS.c.type != "model.registered")).scalar_one()


def test_banks_record_steps_of_their_own_loans_only(api: Api) -> None:
    add_banks(api)
    score = api.record("platform", score_event(E1, 700, "A", (70, 70, 70)))
    consent = api.record(E1, consent_event(E1, days=LIVE_DAYS))
    consent_b = api.record(E1, consent_event(E1, grantee=BANK_B, days=LIVE_DAYS))
    api.record("bank", applied(E1, "L1"))
    approval = api.record("bank", approved(E1, "L1", score, consent))
    before = _count(api)
    for body in (approved(E1, "L1", score, consent_b),
                 loan_event("loan.disbursed", E1, "L1", [approval], 4, amount_fen=1),
                 loan_event("loan.closed", E1, "L1", [approval], 5)):
        r = api.post("/v1/events", "bank_b", body)
        assert r.status_code == 403, r.text
        assert r.json()["error"]["details"]["reason"] == "not_loan_owner"
    r = api.post("/v1/events/bulk", "bank_b", {"events": [
        applied(E1, "L-new"), loan_event("loan.repaid", E1, "L1", [approval], 6, amount_fen=1)]})
    assert r.status_code == 403
    assert r.json()["error"]["details"]["index"] == 1
    assert _count(api) == before
    api.record("bank", loan_event("loan.disbursed", E1, "L1", [approval], 4, amount_fen=1))
    # An application the enterprise filed itself belongs to the first bank that decides it.
    application = api.record(E1, applied(E1, "L2"))
    api.record("bank_b", loan_event("loan.rejected", E1, "L2", [application], 3,
                                    reason_code="thin_file"))
    r = api.post("/v1/events", "bank", approved(E1, "L2", score, consent))
    assert r.json()["error"]["details"]["reason"] == "not_loan_owner"
    # The same loan id at another enterprise is another loan (issue 9: bank-b needs E2's
    # consent to record anything of E2's).
    api.record(E2, consent_event(E2, grantee=BANK_B, days=LIVE_DAYS))
    api.record("bank_b", applied(E2, "L1"))


def _status(api: Api, token: str) -> int:
    return api.client.get("/v1/batches", headers={"Authorization": f"Bearer {token}"}
                          ).status_code


def test_key_rotation_without_downtime(api: Api) -> None:
    old_id, old = api.ctx.keys.create("bank", "bank-of-fuzhou", "core banking")
    new_id, new = api.ctx.keys.rotate(old_id)
    assert _status(api, old) == _status(api, new) == 200
    listed = {k["id"]: k for k in api.ctx.keys.list()}
    assert listed[new_id]["role"] == "bank" and listed[new_id]["org"] == "bank-of-fuzhou"
    assert listed[new_id]["label"] == f"rotated from key {old_id}: core banking"
    api.ctx.keys.revoke(old_id)
    assert (_status(api, old), _status(api, new)) == (401, 200)
    # A leaked key: replaced and revoked at once.
    _, newer = api.ctx.keys.rotate(new_id, revoke_old=True)
    assert (_status(api, new), _status(api, newer)) == (401, 200)
    # The rollout retires the old key: it works until the new one is first used.
    old_id, old = api.ctx.keys.create("platform", "haixi-credit-platform")
    _, new = api.ctx.keys.rotate(old_id, revoke_old_on_first_use=True)
    assert _status(api, old) == 200
    assert _status(api, old) == 200
    assert _status(api, new) == 200
    assert (_status(api, old), _status(api, new)) == (401, 200)
    r = api.client.get("/v1/batches", headers={"Authorization": f"Bearer {old}"})
    assert "revoked" in r.json()["error"]["message"]
    assert _rotate_fails(api, old_id)


def _rotate_fails(api: Api, key_id: int) -> bool:
    from ledger_service.core.errors import NotFound

    try:
        api.ctx.keys.rotate(key_id)
    except NotFound:
        return True
    return False


def test_keys_rotate_cli(tmp_path: Any) -> None:
    from ledger_service.runtime.context import LedgerContext

    from .conftest import make_settings
    from .test_cli import ledger

    created = ledger("keys", "create", "--role", "bank", "--org", "bank-of-fuzhou",
                     data_dir=tmp_path)
    old = created.stdout.strip().splitlines()[-1]
    key_id = created.stdout.split()[2]
    r = ledger("keys", "rotate", key_id, "--revoke-old-on-first-use", data_dir=tmp_path)
    assert r.returncode == 0, r.stderr
    new = r.stdout.strip().splitlines()[-1]
    assert new.startswith("lk_") and new != old
    listed = ledger("keys", "list", data_dir=tmp_path).stdout
    assert "rotated from key" in listed
    ctx = LedgerContext.open(make_settings(tmp_path))
    try:
        assert ctx.keys.authenticate(old).org == "bank-of-fuzhou"
        assert ctx.keys.authenticate(new).role == "bank"
        with pytest.raises(Exception, match="revoked"):
            ctx.keys.authenticate(old)
    finally:
        ctx.close()
    assert ledger("keys", "rotate", "999", data_dir=tmp_path).returncode == 2


def test_trail_pages_filters_and_statuses(api: Api) -> None:
    import orjson

    from ledger_service.store.fast import write_transaction
    from ledger_service.store.tables import ANCHORS

    ids = [api.record("platform", score_event(E1, 500 + i, "BB", (50, 50, 50), hours=i))
           for i in range(5)]
    api.record("platform", score_event(E2, 1, "C", (1, 1, 1)))
    api.ctx.sealer.seal_all()
    ids.append(api.record(E1, consent_event(E1, hours=10, days=LIVE_DAYS)))
    with write_transaction(api.ctx.engine) as conn:
        conn.execute(ANCHORS.insert().values(batch_seq=0, backend="evm", anchored_us=1,
                                             receipt=orjson.dumps({"backend": "evm",
                                                                   "tx_hash": "0x01"}).decode()))
    seen, cursor, pages = [], None, 0
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(f"/v1/enterprises/{E1}/events{query}", E1).json()
        seen += page["events"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert [e["id"] for e in seen] == ids
    assert [e["status"] for e in seen] == ["anchored"] * 5 + ["pending"]
    assert seen[0]["batch"] == {"seq": 0, "leaf_index": 1}  # after the model's registration
    assert seen[5]["batch"] is None and seen[5]["erased"] is False
    window = api.get(f"/v1/enterprises/{E1}/events?occurred_from={at(1)}&occurred_to={at(3)}"
                     ).json()["events"]
    assert [e["id"] for e in window] == ids[1:3]
    assert [e["occurred_at"] for e in window] == [at(1), at(2)]
    only = api.get(f"/v1/enterprises/{E1}/events?type=consent.granted").json()["events"]
    assert [e["id"] for e in only] == [ids[5]]
    both = api.get(f"/v1/enterprises/{E1}/events?type=consent.granted&type=score.computed"
                   "&limit=1000").json()
    assert len(both["events"]) == 6 and both["next_cursor"] is None
    assert api.get(f"/v1/enterprises/{E1}/events?occurred_from={at(3)}&occurred_to={at(1)}"
                   ).status_code == 422
    assert api.get(f"/v1/enterprises/{E1}/events?limit=0").status_code == 422
    prov = api.get(f"/v1/enterprises/{E1}/provenance/{ids[0]}").json()
    assert prov["nodes"][0]["proof"]["status"] == "anchored"
    assert prov["nodes"][0]["anchors"] == [{"backend": "evm", "tx_hash": "0x01"}]
