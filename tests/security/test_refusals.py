"""Issue 9, item 5: a refusal does not name what it refuses. A caller with no relationship
to an event's enterprise gets exactly the 404 of an id that does not exist, and batch
listings show event ids only to platform and auditor keys."""

from __future__ import annotations

from typing import Any

import pytest

from ledger_proof.headers import header_bytes
from ledger_proof.signing import verify
from ledger_service.evidence.story import score_event

from ..conftest import Api
from ..worlds import E1, E2, E3, access_world

NOWHERE = "evt_" + "0" * 32


def _same_404(api: Api, who: str, path: str, event_id: str) -> None:
    real = api.get(path.format(event_id), who)
    ghost = api.get(path.format(NOWHERE), who)
    assert real.status_code == ghost.status_code == 404, (who, path, real.text)
    assert real.content.replace(event_id.encode(), NOWHERE.encode()) == ghost.content
    assert real.headers.get("content-type") == ghost.headers.get("content-type")


@pytest.mark.parametrize("path", ["/v1/events/{}", "/v1/events/{}/proof"])
def test_no_relationship_is_the_404_of_a_missing_id(api: Api, path: str) -> None:
    ids = access_world(api)  # the bank: E1 live, E2 expired, E3 revoked; bank-c: nothing
    unrelated = [(E2, E1), (E3, E1), (E1, E2), ("bank", E2), ("bank", E3), ("bank_c", E1),
                 ("bank_b", E2)]
    for who, owner in unrelated:
        for kind in ("score", "applied", "consent"):
            _same_404(api, who, path, ids[owner][kind])
    # Related callers are answered as before (sealed events, so the proof exists too).
    assert api.get(path.format(ids[E1]["score"]), "bank").status_code == 200
    assert api.get(path.format(ids[E1]["score"]), E1).status_code == 200
    # bank-b's live consent of E1 covers loan.applied only: it is related to E1, so it is
    # told why, but not whose event or which type.
    r = api.get(path.format(ids[E1]["score"]), "bank_b")
    assert r.status_code == 403
    details = r.json()["error"]["details"]
    assert details["reason"] == "consent_out_of_scope"
    assert E1 not in r.text and "score.computed" not in r.text


def _event_ids(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for v in value.values():
            found |= _event_ids(v)
    elif isinstance(value, list):
        for v in value:
            found |= _event_ids(v)
    elif isinstance(value, str) and value.startswith("evt_"):
        found.add(value)
    return found


def test_batch_listings_show_event_ids_to_platform_and_auditor_only(api: Api) -> None:
    access_world(api)
    api.record("platform", score_event(E1, 1, "C", (1, 1, 1)))
    api.ctx.sealer.seal_all()
    key = api.ctx.key.public_key_b64
    for who in ("platform", "auditor"):
        listing = api.get("/v1/batches", who).json()["batches"]
        assert len(listing) == 2
        for batch in listing + [api.get(f"/v1/batches/{b['seq']}", who).json()
                                for b in listing]:
            header = batch["header"]
            assert header["first_event"].startswith("evt_")
            assert header["last_event"].startswith("evt_")
            verify(key, header_bytes(header), batch["signature"])  # raises if not
    for who in ("bank", "bank_b", "bank_c", E1, E2):
        listing = api.get("/v1/batches", who)
        assert listing.status_code == 200
        batches = listing.json()["batches"]
        one = api.get("/v1/batches/0", who).json()
        assert _event_ids(batches) == set() and _event_ids(one) == set(), who
        assert "evt_" not in listing.text and "evt_" not in api.get("/v1/batches/1", who).text
        for batch in [*batches, one]:
            # What a bank needs to follow the chain and match anchors is still there.
            assert {"seq", "header_hash", "signature", "key_id", "anchors"} <= set(batch)
            header = batch["header"]
            assert {"merkle_root", "size", "sealed_at", "prev_header_hash", "seq"} <= set(header)
            assert "first_event" not in header and "last_event" not in header
        assert batches[1]["header"]["prev_header_hash"] == batches[0]["header_hash"]


def test_another_enterprises_certificate_is_the_404_of_a_missing_one(ctx: Any) -> None:
    """The same rule for certificates: an enterprise asking for another's certificate (id
    from a token, a QR code, a guess) is not told that it exists."""
    from ..certificates.conftest import CertApi, with_evm

    api = CertApi(with_evm(ctx))
    api.scored()
    cert_id = api.issue()["id"]
    ghost = "crt-00000000-0000-4000-8000-000000000000"
    for suffix in ("", ".pdf", "/record"):
        real = api.get(f"/v1/certificates/{cert_id}{suffix}", E2)
        missing = api.get(f"/v1/certificates/{ghost}{suffix}", E2)
        assert real.status_code == missing.status_code == 404, (suffix, real.text)
        assert real.content.replace(cert_id.encode(), ghost.encode()) == missing.content
    assert api.get(f"/v1/certificates/{cert_id}", E1).status_code == 200
