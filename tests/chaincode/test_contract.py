"""The evidence contract driven through ContractChaincode.invoke, as the peer would."""

from __future__ import annotations

import json

import pytest

from chaincode.evidence import rules

ZERO = "0" * 64


def register(ledger, identities, signer):
    res = ledger.call(
        identities["platform_admin"], "RegisterLedger", signer.ledger_id, signer.public_key_b64
    )
    assert res.ok, res.message
    return res


def anchor(ledger, identities, signer, header, signature=None):
    return ledger.call(
        identities["platform_client"],
        "AnchorBatch",
        json.dumps(header),
        signature if signature is not None else signer.sign(header),
    )


def code_of(result) -> str:
    assert not result.ok, "expected a refusal"
    return result.message.split(":", 1)[0]


@pytest.fixture
def chain(ledger, identities, signer):
    """A registered ledger with headers 0..2 anchored."""
    register(ledger, identities, signer)
    headers = signer.chain(4)
    for h in headers[:3]:
        assert anchor(ledger, identities, signer, h).ok
    return headers


# ------------------------------------------------------------------ registration


def test_register_ledger_records_key_and_empty_head(ledger, identities, signer):
    rec = register(ledger, identities, signer).json()
    assert rec["public_key_b64"] == signer.public_key_b64
    assert rec["head_seq"] is None and rec["head_hash"] is None
    assert rec["key_history"][0]["from_seq"] == 0
    head = ledger.call(identities["bank_admin"], "GetHead", "L1").json()
    assert head == {
        "ledger_id": "L1",
        "seq": None,
        "header_hash": None,
        "public_key_b64": signer.public_key_b64,
    }


def test_register_same_key_is_noop(ledger, identities, signer):
    first = register(ledger, identities, signer)
    state_before = dict(ledger.state)
    again = register(ledger, identities, signer)
    assert again.json() == first.json()
    assert ledger.state == state_before


def test_register_other_key_is_refused(ledger, identities, signer, make_signer):
    register(ledger, identities, signer)
    other = make_signer(seed=b"\x02" * 32)
    res = ledger.call(identities["platform_admin"], "RegisterLedger", "L1", other.public_key_b64)
    assert code_of(res) == rules.KEY_MISMATCH
    assert "RotateLedgerKey" in res.message


@pytest.mark.parametrize("who", ["platform_client", "bank_admin"])
def test_only_platform_admin_registers(ledger, identities, signer, who):
    res = ledger.call(identities[who], "RegisterLedger", "L1", signer.public_key_b64)
    assert code_of(res) == rules.FORBIDDEN
    assert ledger.state == {}


def test_register_rejects_bad_key_and_id(ledger, identities):
    admin = identities["platform_admin"]
    assert code_of(ledger.call(admin, "RegisterLedger", "L1", "not base64!")) == rules.MALFORMED
    assert code_of(ledger.call(admin, "RegisterLedger", "L1", "AAAA")) == rules.MALFORMED
    assert code_of(ledger.call(admin, "RegisterLedger", "bad id/x", "A" * 44)) == rules.MALFORMED


def test_rotation_is_recorded_and_applies_from_next_seq(ledger, identities, chain, make_signer):
    new = make_signer(seed=b"\x03" * 32)
    admin = identities["platform_admin"]
    assert (
        code_of(
            ledger.call(
                identities["platform_client"],
                "RotateLedgerKey",
                "L1",
                new.public_key_b64,
                "scheduled",
            )
        )
        == rules.FORBIDDEN
    )
    rec = ledger.call(admin, "RotateLedgerKey", "L1", new.public_key_b64, "scheduled").json()
    assert rec["public_key_b64"] == new.public_key_b64
    assert [k["from_seq"] for k in rec["key_history"]] == [0, 3]
    assert rec["key_history"][1]["reason"] == "scheduled"
    # The old key no longer anchors; the new one does.
    old_signed = anchor(ledger, identities, make_signer(), chain[3])
    assert code_of(old_signed) == rules.BAD_SIGNATURE
    assert anchor(ledger, identities, new, chain[3]).ok
    # An exact replay of a header signed under the old key is still a no-op.
    assert anchor(ledger, identities, make_signer(), chain[0]).json()["replayed"] is True


# ------------------------------------------------------------------ anchoring


def test_anchor_chain_and_read_back(ledger, identities, signer, chain):
    rec = ledger.call(identities["bank_admin"], "GetBatch", "L1", 1).json()
    assert rec["header"] == chain[1]
    assert rec["header_hash"] == signer.hash(chain[1])
    assert rec["signature"] == signer.sign(chain[1])
    assert rec["tx_id"].startswith("tx")
    assert rec["anchored_at"].endswith(".123Z")
    head = ledger.call(identities["bank_admin"], "GetHead", "L1").json()
    assert head["seq"] == 2 and head["header_hash"] == signer.hash(chain[2])


def test_anchor_response_carries_tx_id_and_replayed_flag(ledger, identities, signer):
    register(ledger, identities, signer)
    h = signer.chain(1)[0]
    res = anchor(ledger, identities, signer, h)
    body = res.json()
    assert body["tx_id"] == res.tx_id and body["replayed"] is False and body["seq"] == 0


def test_identical_header_again_returns_stored_record_and_writes_nothing(
    ledger, identities, signer, chain
):
    original = ledger.call(identities["bank_admin"], "GetBatch", "L1", 1).json()
    before = dict(ledger.state)
    res = anchor(ledger, identities, signer, chain[1])
    body = res.json()
    assert body.pop("replayed") is True
    assert body == original  # the original tx id, not the retry's
    assert ledger.state == before


def test_fork_at_existing_seq_is_refused(ledger, identities, signer, chain):
    forged = dict(chain[1], merkle_root="b" * 64)
    res = anchor(ledger, identities, signer, forged)
    assert code_of(res) == rules.FORK
    assert "seq 1" in res.message


def test_gap_is_refused(ledger, identities, signer, chain):
    skip = signer.header(4, signer.hash(chain[3]))
    res = anchor(ledger, identities, signer, skip)
    assert code_of(res) == rules.GAP
    assert "expects seq 3" in res.message


def test_first_header_must_be_seq_zero(ledger, identities, signer):
    register(ledger, identities, signer)
    h = signer.header(1, "c" * 64)
    assert code_of(anchor(ledger, identities, signer, h)) == rules.GAP


def test_prev_hash_mismatch_is_refused(ledger, identities, signer, chain):
    wrong = signer.header(3, "d" * 64)
    assert code_of(anchor(ledger, identities, signer, wrong)) == rules.PREV_MISMATCH


def test_bad_signature_is_refused(ledger, identities, signer, make_signer, chain):
    forger = make_signer(seed=b"\x09" * 32)
    res = anchor(ledger, identities, signer, chain[3], signature=forger.sign(chain[3]))
    assert code_of(res) == rules.BAD_SIGNATURE
    res = anchor(ledger, identities, signer, chain[3], signature="!!")
    assert code_of(res) == rules.BAD_SIGNATURE
    # signature over a different header
    res = anchor(ledger, identities, signer, chain[3], signature=signer.sign(chain[2]))
    assert code_of(res) == rules.BAD_SIGNATURE


def test_signature_checked_before_chain_rules(ledger, identities, signer, make_signer, chain):
    """A forged fork reports the forgery, not a fork: no key, no say on the chain."""
    forged = dict(chain[1], merkle_root="e" * 64)
    res = anchor(
        ledger, identities, signer, forged, signature=make_signer(seed=b"\x07" * 32).sign(forged)
    )
    assert code_of(res) == rules.BAD_SIGNATURE


def test_unregistered_ledger_is_refused(ledger, identities, signer):
    h = signer.chain(1)[0]
    assert code_of(anchor(ledger, identities, signer, h)) == rules.UNREGISTERED
    assert code_of(ledger.call(identities["bank_admin"], "GetHead", "L1")) == rules.UNREGISTERED


def test_bank_cannot_anchor(ledger, identities, signer):
    register(ledger, identities, signer)
    h = signer.chain(1)[0]
    res = ledger.call(identities["bank_admin"], "AnchorBatch", json.dumps(h), signer.sign(h))
    assert code_of(res) == rules.FORBIDDEN


@pytest.mark.parametrize(
    "mutate",
    [
        lambda h: h.pop("merkle_root"),
        lambda h: h.update(seq="0"),
        lambda h: h.update(seq=-1),
        lambda h: h.update(seq=True),
        lambda h: h.update(version=2),
        lambda h: h.update(prev_header_hash="A" * 64),
        lambda h: h.update(prev_header_hash="1" * 64),  # seq 0 must point at zeros
        lambda h: h.update(sealed_at=""),
        lambda h: h.update(size=1.5),
    ],
)
def test_malformed_headers_are_refused(ledger, identities, signer, mutate):
    register(ledger, identities, signer)
    h = signer.chain(1)[0]
    mutate(h)
    assert code_of(anchor(ledger, identities, signer, h, signature="A" * 88)) == rules.MALFORMED


def test_header_not_json_or_not_object(ledger, identities, signer):
    register(ledger, identities, signer)
    admin = identities["platform_client"]
    assert code_of(ledger.call(admin, "AnchorBatch", "{nope", "x")) == rules.MALFORMED
    assert code_of(ledger.call(admin, "AnchorBatch", "[1]", "x")) == rules.MALFORMED


def test_extra_header_fields_are_covered_by_hash_and_signature(ledger, identities, signer):
    register(ledger, identities, signer)
    h = dict(signer.chain(1)[0], key_id="k1")
    rec = anchor(ledger, identities, signer, h).json()
    assert rec["header"]["key_id"] == "k1"
    assert rec["header_hash"] == signer.hash(h)


def test_get_batch_missing(ledger, identities, chain):
    res = ledger.call(identities["bank_admin"], "GetBatch", "L1", 9)
    assert code_of(res) == rules.NOT_FOUND


def test_two_ledgers_are_independent(ledger, identities, make_signer):
    a, b = make_signer("A"), make_signer("B", seed=b"\x05" * 32)
    for s in (a, b):
        register(ledger, identities, s)
        for h in s.chain(2):
            assert anchor(ledger, identities, s, h).ok
    assert ledger.call(identities["bank_admin"], "GetHead", "A").json()["seq"] == 1
    # B's header under A's key is a bad signature, not a fork of A
    hb = b.chain(3)[2]
    assert code_of(anchor(ledger, identities, a, hb)) == rules.BAD_SIGNATURE


def test_responses_are_deterministic(identities, signer, make_ledger):
    """Two endorsers running the same proposal must return identical bytes."""
    outs = []
    for _ in range(2):
        led = make_ledger()
        register(led, identities, signer)
        outs.append(anchor(led, identities, signer, signer.chain(1)[0]).payload)
    assert outs[0] == outs[1]


# ------------------------------------------------------------------ certificates


def test_certificate_lifecycle(ledger, identities):
    client, bank = identities["platform_client"], identities["bank_admin"]
    h = "ab" * 32
    rec = ledger.call(client, "RegisterCertificate", "cert-1", h).json()
    assert rec["status"] == "active" and rec["credential_hash"] == h
    assert ledger.call(client, "RegisterCertificate", "cert-1", h).json() == rec
    assert (
        code_of(ledger.call(client, "RegisterCertificate", "cert-1", "cd" * 32)) == rules.CONFLICT
    )
    assert ledger.call(bank, "GetCertificate", "cert-1").json() == rec
    revoked = ledger.call(client, "RevokeCertificate", "cert-1", "score superseded").json()
    assert revoked["status"] == "revoked"
    assert revoked["revocation_reason"] == "score superseded"
    assert revoked["revoked_tx"]
    # Revoking again is a no-op returning the first revocation.
    assert ledger.call(client, "RevokeCertificate", "cert-1", "other").json() == revoked
    assert ledger.call(bank, "GetCertificate", "cert-1").json() == revoked


def test_certificate_refusals(ledger, identities):
    client, bank = identities["platform_client"], identities["bank_admin"]
    assert code_of(ledger.call(bank, "RegisterCertificate", "c", "ab" * 32)) == rules.FORBIDDEN
    assert code_of(ledger.call(client, "RegisterCertificate", "c", "XYZ")) == rules.MALFORMED
    assert code_of(ledger.call(client, "RevokeCertificate", "nope", "r")) == rules.NOT_FOUND
    assert code_of(ledger.call(client, "GetCertificate", "nope")) == rules.NOT_FOUND
    ledger.call(client, "RegisterCertificate", "c", "ab" * 32)
    assert code_of(ledger.call(client, "RevokeCertificate", "c", "  ")) == rules.MALFORMED
    assert code_of(ledger.call(bank, "RevokeCertificate", "c", "r")) == rules.FORBIDDEN


# ------------------------------------------------------------------ dispatcher behaviour


def test_wrong_arity_is_an_error_not_a_crash(ledger, identities):
    res = ledger.call(identities["platform_admin"], "RegisterLedger", "L1")
    assert not res.ok and "incorrect number of params" in res.message


def test_unknown_function(ledger, identities):
    res = ledger.call(identities["platform_admin"], "DeleteEverything")
    assert not res.ok and "not found" in res.message


def test_state_read_failure_is_a_refusal_not_a_missing_key(ledger, identities, signer):
    """With the shim fix a peer ERROR on GetState is STATE_ERROR, never 'unregistered'."""
    ledger.fail_reads = True
    res = ledger.call(identities["platform_admin"], "RegisterLedger", "L1", signer.public_key_b64)
    assert code_of(res) == rules.STATE_ERROR
    assert ledger.state == {}
