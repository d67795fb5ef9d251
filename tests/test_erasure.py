"""Erasure: payload and salt go, commitment and leaf stay, the erasure is evidence, and
every bundle still verifies, checked in-process and with `ledger verify` (subprocess)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ledger_proof.bundle import verify_bundle
from ledger_service.evidence.story import PLATFORM_ORG, consent_event, loan_event, score_event
from ledger_service.runtime.context import LedgerContext
from ledger_service.store.tables import EVENTS

from .conftest import Api, make_settings
from .test_cli import ledger
from .worlds import E1, E2, LIVE_DAYS, applied, approved


def story(api: Api) -> dict[str, str]:
    ids = {"score": api.record("platform", score_event(E1, 742, "A", (78, 71, 66))),
           "other": api.record("platform", score_event(E2, 650, "BBB", (60, 66, 70)))}
    api.ctx.sealer.seal_all()
    ids["consent"] = api.record(E1, consent_event(E1, days=LIVE_DAYS))
    ids["applied"] = api.record("bank", applied(E1, "L1"))
    ids["approved"] = api.record("bank", approved(E1, "L1", ids["score"], ids["consent"]))
    ids["disbursed"] = api.record("bank", loan_event("loan.disbursed", E1, "L1",
                                                     [ids["approved"]], 4, amount_fen=1))
    api.ctx.sealer.seal_all()
    return ids


def keys(api: Api) -> dict[str, str]:
    return {k["key_id"]: k["public_key"] for k in api.client.get("/v1/keys").json()["keys"]}


def bundles(api: Api, ids: list[str]) -> dict[str, dict[str, Any]]:
    out = {}
    for event_id in ids:
        r = api.get(f"/v1/events/{event_id}/proof")
        assert r.status_code == 200, r.text
        out[event_id] = r.json()
    return out


def erase(api: Api, event_id: str, reason: Any = "pipl_deletion_request", who: str = "platform"
          ) -> Any:
    return api.post(f"/v1/events/{event_id}/erase", who, {"reason": reason})


def test_erasure_keeps_every_proof(api: Api) -> None:
    ids = story(api)
    before = bundles(api, list(ids.values()))
    r = erase(api, ids["consent"])
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["erased"] is True and result["reason_code"] == "pipl_deletion_request"
    record_id = result["erasure_event"]["id"]
    api.ctx.sealer.seal_all()

    after = bundles(api, [*ids.values(), record_id])
    pinned = keys(api)
    for event_id, bundle in after.items():
        assert verify_bundle(bundle, pinned_keys=pinned).valid, event_id
    for event_id in ids.values():
        old, new = before[event_id], after[event_id]
        assert new["leaf_hash"] == old["leaf_hash"] and new["commitment"] == old["commitment"]
        assert new["inclusion"] == old["inclusion"]
        assert new["batch"]["header_hash"] == old["batch"]["header_hash"]
        if event_id != ids["consent"]:
            assert new == old
    erased = after[ids["consent"]]
    assert erased["event"] is None and erased["salt"] is None
    # The old bundle, payload and salt included, still checks too: nothing was rewritten.
    assert verify_bundle(before[ids["consent"]], pinned_keys=pinned).valid

    shown = api.get(f"/v1/events/{ids['consent']}").json()
    assert shown["erased"] is True and shown["event"] is None
    assert shown["erasure"]["reason_code"] == "pipl_deletion_request"
    assert shown["leaf_hash"] == before[ids["consent"]]["leaf_hash"]
    assert shown["status"] == "sealed"

    record = after[record_id]["event"]
    assert record["type"] == "event.erased"
    assert record["enterprise_id"] == E1 and record["org"] == PLATFORM_ORG
    assert record["refs"] == [ids["consent"]]
    assert record["payload"] == {"event_id": ids["consent"],
                                 "reason_code": "pipl_deletion_request"}
    trail = api.get(f"/v1/enterprises/{E1}/events?type=event.erased").json()["events"]
    assert [e["id"] for e in trail] == [record_id]

    with api.ctx.engine.connect() as conn:
        row = conn.execute(select(EVENTS).where(EVENTS.c.id == ids["consent"])).one()
    assert row.body is None and row.salt is None
    assert row.erased_us is not None and row.erasure_reason == "pipl_deletion_request"
    assert row.commitment.hex() == before[ids["consent"]]["commitment"]


def test_provenance_over_an_erased_score_still_judges(api: Api) -> None:
    ids = story(api)
    assert erase(api, ids["score"]).status_code == 200
    api.ctx.sealer.seal_all()
    doc = api.get(f"/v1/enterprises/{E1}/provenance/{ids['disbursed']}").json()
    assert doc["verdict"] == "valid", doc["reasons"]
    score = next(n for n in doc["nodes"] if n["id"] == ids["score"])
    assert score["erased"] and score["event"] is None and score["proof"]["verified"]


def test_erasure_refusals(api: Api) -> None:
    ids = story(api)
    assert erase(api, "evt_" + "0" * 32).status_code == 404
    for bad in ("Zhang San asked for it", "", 7, None):
        r = erase(api, ids["score"], bad)
        assert r.status_code == 422, (bad, r.text)
    assert api.post(f"/v1/events/{ids['score']}/erase", "platform").status_code == 422
    r = api.post(f"/v1/events/{ids['score']}/erase", "platform",
                 {"reason": "x", "note": "no extra fields"})
    assert r.status_code == 422
    first = erase(api, ids["score"])
    assert first.status_code == 200
    again = erase(api, ids["score"])
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_erased"
    record = erase(api, first.json()["erasure_event"]["id"])
    assert record.status_code == 409
    assert record.json()["error"]["code"] == "not_erasable"


def test_pending_event_erased_then_sealed(api: Api) -> None:
    event_id = api.record("platform", score_event(E1, 1, "C", (1, 1, 1)))
    assert erase(api, event_id).status_code == 200
    api.ctx.sealer.seal_all()
    bundle = api.get(f"/v1/events/{event_id}/proof").json()
    assert bundle["event"] is None
    assert verify_bundle(bundle, pinned_keys=keys(api)).valid


def test_ledger_verify_accepts_every_bundle_after_erasure(tmp_path: Path) -> None:
    """The operator's path end to end: `ledger erase`, then `ledger verify` on every bundle
    (the erased one, the erasure record, all others) and `ledger audit` on the store."""
    data = tmp_path / "data"
    ctx = LedgerContext.open(make_settings(data))
    api = Api(ctx)
    ids = story(api)
    ctx.close()
    r = ledger("erase", ids["approved"], "--reason", "pipl_deletion_request", "--org",
               PLATFORM_ORG, data_dir=data)
    assert r.returncode == 0, r.stdout + r.stderr
    assert ledger("erase", ids["approved"], "--reason", "again", data_dir=data).returncode == 2
    assert ledger("erase", ids["score"], "--reason", "free text", data_dir=data).returncode == 2
    assert ledger("seal", data_dir=data).returncode == 0

    ctx = LedgerContext.open(make_settings(data))
    api = Api(ctx)
    record_id = api.get(f"/v1/enterprises/{E1}/events?type=event.erased").json()["events"][0]["id"]
    everything = bundles(api, [*ids.values(), record_id])
    key = ctx.key.public_key_b64
    ctx.close()
    assert everything[ids["approved"]]["event"] is None
    for event_id, bundle in everything.items():
        path = tmp_path / f"{event_id}.json"
        path.write_text(json.dumps(bundle))
        r = ledger("verify", str(path), "--key", key, data_dir=data)
        assert r.returncode == 0, (event_id, r.stdout + r.stderr)
        assert "VALID" in r.stdout
    audit = ledger("audit", data_dir=data)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    # A bundle whose erased event is put back with a made-up payload fails.
    forged = dict(everything[ids["approved"]], event=everything[ids["applied"]]["event"],
                  salt=everything[ids["applied"]]["salt"])
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged))
    assert ledger("verify", str(path), "--key", key, data_dir=data).returncode == 1
