"""FabricBackend against an in-process fake Gateway (real gRPC + TLS, scripted answers)."""

from __future__ import annotations

import json

import grpc
import pytest
from fabric_protos.common import common_pb2
from fabric_protos.peer import transaction_pb2

from anchoring.backend import AnchorBackend, AnchorRefused, AnchorUnavailable
from anchoring.fabric.backend import FabricBackend, chaincode_refusal, to_anchor_error
from ledger_proof.ledgers.fabric.errors import (
    EndorseError,
    ErrorDetail,
    EvaluateError,
    ProfileError,
    SubmitError,
    TransactionInvalid,
)
from ledger_proof.ledgers.fabric.gateway import PeerTarget, Timeouts
from ledger_proof.ledgers.fabric.profile import load_profile

HEADER = {
    "version": 1,
    "ledger_id": "L1",
    "seq": 0,
    "prev_header_hash": "0" * 64,
    "merkle_root": "a" * 64,
    "size": 1,
    "first_event": "e1",
    "last_event": "e1",
    "sealed_at": "2026-11-26T10:00:00.000Z",
}
HASH = "f" * 64


def record(**over):
    base = {
        "ledger_id": "L1",
        "seq": 0,
        "header": HEADER,
        "header_hash": HASH,
        "signature": "c2ln",
        "tx_id": "orig-tx",
        "anchored_at": "x",
        "replayed": False,
    }
    base.update(over)
    return json.dumps(base).encode()


@pytest.fixture
def backend(fake_gateway, golden_identity):
    peer = PeerTarget(
        "peer0.fake",
        fake_gateway.address,
        "PlatformMSP",
        fake_gateway.tls_ca,
        server_name="peer0.fake",
    )
    b = FabricBackend(
        channel="evidence",
        chaincode="evidence",
        peers=[peer],
        identity=golden_identity,
        timeouts=Timeouts(evaluate=2, endorse=2, submit=2, commit_status=2),
    )
    yield b
    b.close()


def test_is_an_anchor_backend(backend):
    assert isinstance(backend, AnchorBackend)
    assert backend.name == "fabric"


def test_anchor_endorses_submits_and_returns_receipt(backend, fake_gateway):
    fake_gateway.script.endorse.append(record())
    fake_gateway.script.commit.append((transaction_pb2.VALID, 12))
    receipt = backend.anchor(HEADER, HASH, "c2ln")
    names = [n for n, _ in fake_gateway.script.calls]
    assert names == ["endorse", "submit", "commit"]
    endorse_req = fake_gateway.script.calls[0][1]
    submit_req = fake_gateway.script.calls[1][1]
    assert submit_req.transaction_id == endorse_req.transaction_id
    assert submit_req.prepared_transaction.signature  # we signed the envelope
    assert receipt == {
        "backend": "fabric",
        "channel": "evidence",
        "chaincode": "evidence",
        "tx_id": endorse_req.transaction_id,
        "block_number": 12,
        "validation_code": "VALID",
        "peer": "peer0.fake",
    }


def test_waits_for_the_other_orgs_peer_but_does_not_need_it(fake_gateway, golden_identity):
    own = PeerTarget("own", fake_gateway.address, "PlatformMSP", fake_gateway.tls_ca, "peer0.fake")
    other = PeerTarget("other", fake_gateway.address, "BankMSP", fake_gateway.tls_ca, "peer0.fake")
    dead = PeerTarget("dead", "127.0.0.1:1", "BankMSP", fake_gateway.tls_ca, "peer0.fake")
    t = Timeouts(evaluate=1, endorse=1, submit=1, commit_status=1, peer_sync=0.5)
    b = FabricBackend(
        channel="evidence",
        chaincode="evidence",
        peers=[own, other, dead],
        identity=golden_identity,
        timeouts=t,
    )
    fake_gateway.script.endorse.append(record())
    receipt = b.anchor(HEADER, HASH, "c2ln")
    names = [n for n, _ in fake_gateway.script.calls]
    assert names == ["endorse", "submit", "commit", "commit"]  # own peer, then the other org's
    assert receipt["peer"] == "own"
    b.close()


def test_replay_is_not_submitted_and_returns_original_receipt(backend, fake_gateway):
    fake_gateway.script.endorse.append(record(replayed=True))
    block = common_pb2.Block(header=common_pb2.BlockHeader(number=5)).SerializeToString()
    fake_gateway.script.evaluate.append(block)
    receipt = backend.anchor(HEADER, HASH, "c2ln")
    assert [n for n, _ in fake_gateway.script.calls] == ["endorse", "evaluate"]
    assert receipt["tx_id"] == "orig-tx" and receipt["block_number"] == 5


def test_hash_disagreement_is_refused(backend, fake_gateway):
    fake_gateway.script.endorse.append(record(header_hash="e" * 64))
    with pytest.raises(AnchorRefused) as info:
        backend.anchor(HEADER, HASH, "c2ln")
    assert info.value.reason == "hash_mismatch"


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("chaincode response 500, GAP: ledger L1 expects seq 3, got 5", "gap"),
        ("chaincode response 500, FORK: ledger L1 already holds a different header", "fork"),
        ("chaincode response 500, BAD_SIGNATURE: signature does not verify", "bad_signature"),
        ("chaincode response 500, UNREGISTERED: ledger L1 is not registered", "unregistered"),
        ("chaincode response 500, PREV_MISMATCH: prev_header_hash of seq 3", "prev_mismatch"),
        ("chaincode response 500, incorrect number of params. Expected 2", "chaincode_error"),
    ],
)
def test_chaincode_refusals_map_to_anchor_refused(backend, fake_gateway, fail, message, reason):
    fake_gateway.script.endorse.append(
        fail(
            grpc.StatusCode.ABORTED,
            "failed to endorse transaction, see attached details for more info",
            message,
        )
    )
    with pytest.raises(AnchorRefused) as info:
        backend.anchor(HEADER, HASH, "c2ln")
    assert info.value.reason == reason
    assert [n for n, _ in fake_gateway.script.calls] == ["endorse"]  # nothing submitted


@pytest.mark.parametrize(
    ("code", "message", "detail"),
    [
        (
            grpc.StatusCode.ABORTED,
            "failed to endorse transaction",
            "error in simulation: failed to execute transaction: could not launch chaincode",
        ),
        (grpc.StatusCode.FAILED_PRECONDITION, "no combination of peers can be derived", None),
        (grpc.StatusCode.UNAVAILABLE, "no orderers could successfully process transaction", None),
        (
            grpc.StatusCode.ABORTED,
            "failed to endorse",
            "chaincode response 500, STATE_ERROR: peer refused GetState",
        ),
    ],
)
def test_transient_failures_map_to_unavailable(backend, fake_gateway, fail, code, message, detail):
    fake_gateway.script.endorse.append(fail(code, message, *([detail] if detail else [])))
    with pytest.raises(AnchorUnavailable):
        backend.anchor(HEADER, HASH, "c2ln")


def test_refusal_by_another_orgs_peer_only_is_transient(backend, fake_gateway, fail):
    """A lagging bank peer says UNREGISTERED/GAP while our own peer agreed: retry later."""
    fake_gateway.script.endorse.append(
        fail(
            grpc.StatusCode.ABORTED,
            "failed to collect enough transaction endorsements, see attached details for more info",
            "chaincode response 500, UNREGISTERED: ledger L1 is not registered",
        )
    )
    with pytest.raises(AnchorUnavailable, match="catching up"):
        backend.anchor(HEADER, HASH, "c2ln")


def test_error_details_survive_the_wire(fake_gateway, golden_identity, fail):
    from ledger_proof.ledgers.fabric.gateway import Gateway

    peer = PeerTarget("p", fake_gateway.address, "PlatformMSP", fake_gateway.tls_ca, "peer0.fake")
    fake_gateway.script.endorse.append(
        fail(grpc.StatusCode.ABORTED, "failed to endorse", "chaincode response 500, FORK: x")
    )
    with Gateway(peer, golden_identity) as gw, pytest.raises(EndorseError) as info:
        gw.endorse("evidence", "evidence", "AnchorBatch", ["{}", "s"])
    err = info.value
    assert err.grpc_code == "ABORTED" and err.tx_id
    assert err.details == (
        ErrorDetail("peer0:7051", "PlatformMSP", "chaincode response 500, FORK: x"),
    )
    assert "FORK: x" in str(err)


def test_submit_failure_after_endorse_is_unavailable(backend, fake_gateway, fail):
    fake_gateway.script.endorse.append(record())
    fake_gateway.script.submit.append(fail(grpc.StatusCode.UNAVAILABLE, "no orderers"))
    with pytest.raises(AnchorUnavailable):
        backend.anchor(HEADER, HASH, "c2ln")


def test_invalid_commit_mapping(backend, fake_gateway):
    fake_gateway.script.endorse.append(record())
    fake_gateway.script.commit.append((transaction_pb2.MVCC_READ_CONFLICT, 3))
    with pytest.raises(AnchorUnavailable, match="MVCC_READ_CONFLICT"):
        backend.anchor(HEADER, HASH, "c2ln")
    err = to_anchor_error(TransactionInvalid("t", "ENDORSEMENT_POLICY_FAILURE", 3))
    assert isinstance(err, AnchorRefused) and err.reason == "invalid_transaction"


def test_unreachable_peer_is_unavailable_and_fails_over(fake_gateway, golden_identity):
    dead = PeerTarget("dead", "127.0.0.1:1", "PlatformMSP", fake_gateway.tls_ca, "peer0.fake")
    live = PeerTarget("live", fake_gateway.address, "BankMSP", fake_gateway.tls_ca, "peer0.fake")
    t = Timeouts(evaluate=1, endorse=1, submit=1, commit_status=1)
    only_dead = FabricBackend(
        channel="evidence", chaincode="evidence", peers=[dead], identity=golden_identity, timeouts=t
    )
    with pytest.raises(AnchorUnavailable):
        only_dead.head("L1")
    both = FabricBackend(
        channel="evidence",
        chaincode="evidence",
        peers=[dead, live],
        identity=golden_identity,
        timeouts=t,
    )
    fake_gateway.script.evaluate.append(b'{"seq": 4, "header_hash": "' + b"a" * 64 + b'"}')
    assert both.head("L1") == (4, "a" * 64)
    only_dead.close()
    both.close()


def test_reads(backend, fake_gateway, fail):
    s = fake_gateway.script
    s.evaluate.append(b'{"seq": null, "header_hash": null}')
    assert backend.head("L1") is None
    s.evaluate.append(
        fail(
            grpc.StatusCode.UNKNOWN,
            "evaluate call to endorser returned error: chaincode response 500, "
            "UNREGISTERED: ledger L9 is not registered",
        )
    )
    assert backend.head("L9") is None
    s.evaluate.append(
        fail(
            grpc.StatusCode.UNKNOWN,
            "evaluate call to endorser returned error: "
            "chaincode response 500, NOT_FOUND: no header at seq 9",
        )
    )
    assert backend.read_header("L1", 9) is None
    s.evaluate.append(record())
    s.evaluate.append(common_pb2.Block(header=common_pb2.BlockHeader(number=3)).SerializeToString())
    stored = backend.read_header("L1", 0)
    assert stored.header == HEADER and stored.header_hash == HASH
    assert stored.receipt["tx_id"] == "orig-tx" and stored.receipt["block_number"] == 3
    get_batch = s.calls[-2][1]
    assert get_batch.channel_id == "evidence"


def test_certificate_methods(backend, fake_gateway, fail):
    s = fake_gateway.script
    s.endorse.append(b'{"certificate_id": "c1", "status": "active"}')
    out = backend.register_certificate("c1", "ab" * 32)
    assert out["record"]["status"] == "active" and out["receipt"]["block_number"] == 7
    s.endorse.append(b'{"certificate_id": "c1", "status": "revoked"}')
    assert backend.revoke_certificate("c1", "why")["record"]["status"] == "revoked"
    s.evaluate.append(fail(grpc.StatusCode.UNKNOWN, "chaincode response 500, NOT_FOUND: c2"))
    assert backend.get_certificate("c2") is None
    s.endorse.append(fail(grpc.StatusCode.ABORTED, "x", "chaincode response 500, CONFLICT: c1"))
    with pytest.raises(AnchorRefused) as info:
        backend.register_certificate("c1", "cd" * 32)
    assert info.value.reason == "conflict"


def test_chaincode_refusal_parsing():
    e = EvaluateError(
        "evaluate call to endorser returned error: chaincode response 500, "
        "GAP: expects seq 1, got 2",
        grpc_code="UNKNOWN",
    )
    assert chaincode_refusal(e) == ("GAP", "expects seq 1, got 2")
    assert chaincode_refusal(SubmitError("no orderers", grpc_code="UNAVAILABLE")) is None
    assert SubmitError("x", grpc_code="UNAVAILABLE").unavailable


def test_profile_loading(tmp_path, golden_identity):
    from pathlib import Path

    data = Path(__file__).parent / "data"
    (tmp_path / "ca.pem").write_bytes(b"ca")
    profile = {
        "version": 1,
        "channel": "evidence",
        "chaincode": "evidence",
        "peers": [
            {
                "name": "peer0",
                "mspid": "PlatformMSP",
                "gateway": "127.0.0.1:7051",
                "tls_ca": "ca.pem",
                "server_name": "peer0.platform",
            }
        ],
        "identity": {
            "mspid": "PlatformMSP",
            "cert": str(data / "golden_cert.pem"),
            "key": str(data / "golden_key.pem"),
        },
    }
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(profile))
    loaded = load_profile(path)
    assert loaded.peers[0].tls_ca_pem == b"ca" and loaded.admin_identity is None
    backend = FabricBackend.from_profile(path)
    assert backend.identity.mspid == "PlatformMSP"
    backend.close()
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile(tmp_path / "missing.json")
    del profile["identity"]
    path.write_text(json.dumps(profile))
    with pytest.raises(ProfileError, match="identity"):
        load_profile(path)
    path.write_text("{")
    with pytest.raises(ProfileError, match="not JSON"):
        load_profile(path)
