"""Against the real native network (scripts/network.sh up); skipped without Fabric binaries.

Every test uses a fresh ledger id, so the tests can run against a network that
already holds other ledgers (``up`` after ``down`` keeps the ledger).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import nacl.signing
import pytest
import rfc8785

from anchoring.backend import AnchorRefused
from anchoring.fabric.backend import FabricBackend
from ledger_proof.ledgers.fabric.gateway import Gateway
from ledger_proof.ledgers.fabric.profile import load_profile

pytestmark = pytest.mark.fabric
REPO = Path(__file__).resolve().parents[2]


class ServiceKey:
    """What the ledger service does: build, hash and sign headers for one ledger."""

    def __init__(self, ledger_id: str | None = None) -> None:
        self.ledger_id = ledger_id or f"it-{uuid.uuid4().hex[:12]}"
        self.key = nacl.signing.SigningKey.generate()
        self.public_b64 = base64.b64encode(bytes(self.key.verify_key)).decode()

    def header(self, seq: int, prev: str, root: str = "a") -> dict[str, Any]:
        return {
            "version": 1,
            "ledger_id": self.ledger_id,
            "seq": seq,
            "prev_header_hash": prev,
            "merkle_root": root * 64,
            "size": 2,
            "first_event": f"e{seq}a",
            "last_event": f"e{seq}b",
            "sealed_at": "2026-11-26T10:00:00.000Z",
        }

    @staticmethod
    def hash(header: dict[str, Any]) -> str:
        return hashlib.sha256(rfc8785.dumps(header)).hexdigest()

    def sign(self, header: dict[str, Any]) -> str:
        return base64.b64encode(self.key.sign(rfc8785.dumps(header)).signature).decode()

    def args(self, header: dict[str, Any]) -> tuple[dict[str, Any], str, str]:
        return header, self.hash(header), self.sign(header)


@pytest.fixture(scope="module")
def backend(fabric_network):
    b = FabricBackend.from_profile(fabric_network.profile)
    yield b
    b.close()


@pytest.fixture
def ledger(backend) -> ServiceKey:
    svc = ServiceKey()
    backend.register_ledger(svc.ledger_id, svc.public_b64)
    return svc


def anchor_chain(backend, svc: ServiceKey, n: int) -> list[tuple[dict, dict]]:
    out, prev = [], "0" * 64
    for seq in range(n):
        h = svc.header(seq, prev)
        out.append((h, backend.anchor(*svc.args(h))))
        prev = svc.hash(h)
    return out


def test_network_reports_up(fabric_network):
    proc = subprocess.run(
        [str(REPO / "scripts/network.sh"), "status"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "gateways: answering" in proc.stdout
    print(f"\nnetwork.sh up took {fabric_network.up_seconds:.1f} s")


def test_full_anchor_path_and_readback(backend, ledger):
    assert backend.head(ledger.ledger_id) is None
    chain = anchor_chain(backend, ledger, 3)
    blocks = []
    for seq, (header, receipt) in enumerate(chain):
        assert receipt["backend"] == "fabric"
        assert receipt["channel"] == "evidence" and receipt["chaincode"] == "evidence"
        assert receipt["validation_code"] == "VALID"
        assert len(receipt["tx_id"]) == 64 and receipt["peer"]
        blocks.append(receipt["block_number"])
        stored = backend.read_header(ledger.ledger_id, seq)
        assert stored is not None
        assert stored.header == header  # GetBatch equals the bundle's
        assert stored.header_hash == ledger.hash(header)
        assert stored.receipt["tx_id"] == receipt["tx_id"]
        assert stored.receipt["block_number"] == receipt["block_number"]
    assert blocks == sorted(blocks)
    assert backend.head(ledger.ledger_id) == (2, ledger.hash(chain[-1][0]))
    assert backend.read_header(ledger.ledger_id, 3) is None


def test_replay_is_a_noop_with_the_original_receipt(backend, ledger):
    ((header, receipt),) = anchor_chain(backend, ledger, 1)
    again = backend.anchor(*ledger.args(header))
    assert again["tx_id"] == receipt["tx_id"]
    assert again["block_number"] == receipt["block_number"]
    assert backend.head(ledger.ledger_id) == (0, ledger.hash(header))


def refusal(backend, *args) -> AnchorRefused:
    with pytest.raises(AnchorRefused) as info:
        backend.anchor(*args)
    return info.value


def test_forged_signature_is_refused(backend, ledger):
    forger = ServiceKey(ledger.ledger_id)
    h = ledger.header(0, "0" * 64)
    err = refusal(backend, h, ledger.hash(h), forger.sign(h))
    assert err.reason == "bad_signature"
    assert backend.head(ledger.ledger_id) is None


def test_gap_is_refused(backend, ledger):
    chain = anchor_chain(backend, ledger, 1)
    h = ledger.header(2, ledger.hash(chain[0][0]))
    err = refusal(backend, *ledger.args(h))
    assert err.reason == "gap" and "expects seq 1" in err.message


def test_fork_at_existing_seq_is_refused(backend, ledger):
    chain = anchor_chain(backend, ledger, 2)
    forked = ledger.header(1, ledger.hash(chain[0][0]), root="f")
    err = refusal(backend, *ledger.args(forked))
    assert err.reason == "fork"
    assert backend.read_header(ledger.ledger_id, 1).header == chain[1][0]


def test_prev_hash_mismatch_is_refused(backend, ledger):
    anchor_chain(backend, ledger, 1)
    err = refusal(backend, *ledger.args(ledger.header(1, "9" * 64)))
    assert err.reason == "prev_mismatch"


def test_unregistered_ledger_is_refused(backend):
    svc = ServiceKey()
    err = refusal(backend, *svc.args(svc.header(0, "0" * 64)))
    assert err.reason == "unregistered"


def test_register_ledger_idempotent_and_key_change_refused(backend, ledger):
    backend.register_ledger(ledger.ledger_id, ledger.public_b64)  # same key: no-op
    other = ServiceKey(ledger.ledger_id)
    with pytest.raises(AnchorRefused) as info:
        backend.register_ledger(ledger.ledger_id, other.public_b64)
    assert info.value.reason == "key_mismatch"


def test_only_platform_admin_registers_and_bank_cannot_anchor(fabric_network, ledger):
    profile = load_profile(fabric_network.profile)
    client_only = FabricBackend(
        channel=profile.channel,
        chaincode=profile.chaincode,
        peers=profile.peers,
        identity=profile.identity.load(),
    )
    with pytest.raises(AnchorRefused) as info:
        client_only.register_ledger(f"it-{uuid.uuid4().hex[:8]}", ledger.public_b64)
    assert info.value.reason == "forbidden"
    client_only.close()
    bank_backend = FabricBackend.from_profile(fabric_network.profile.parent / "profile-bank.json")
    assert bank_backend.identity.mspid == "BankMSP" and bank_backend.admin_identity is None
    with pytest.raises(AnchorRefused) as info:
        bank_backend.anchor(*ledger.args(ledger.header(0, "0" * 64)))
    assert info.value.reason == "forbidden"
    bank_backend.close()


def test_bank_reads_the_channel_through_its_own_peer(fabric_network, backend, ledger):
    """An auditor at the bank trusts neither the platform's service nor its peer."""
    ((header, receipt),) = anchor_chain(backend, ledger, 1)
    bank = FabricBackend.from_profile(fabric_network.profile.parent / "profile-bank.json")
    stored = bank.read_header(ledger.ledger_id, 0)
    assert stored.header == header and stored.receipt["tx_id"] == receipt["tx_id"]
    assert stored.receipt["peer"] == "peer0.bank.evidence.local"
    assert bank.ledger_keys(ledger.ledger_id)[0]["public_key_b64"] == ledger.public_b64
    bank.close()


def test_certificate_registry(backend):
    cid = f"cert-{uuid.uuid4().hex[:10]}"
    digest = hashlib.sha256(cid.encode()).hexdigest()
    assert backend.get_certificate(cid) is None
    reg = backend.register_certificate(cid, digest)
    assert reg["record"]["status"] == "active" and reg["receipt"]["validation_code"] == "VALID"
    assert backend.get_certificate(cid)["credential_hash"] == digest
    with pytest.raises(AnchorRefused) as info:
        backend.register_certificate(cid, "0" * 64)
    assert info.value.reason == "conflict"
    rev = backend.revoke_certificate(cid, "superseded by a newer score")
    assert rev["record"]["status"] == "revoked"
    got = backend.get_certificate(cid)
    assert got["status"] == "revoked" and got["revocation_reason"] == "superseded by a newer score"
    with pytest.raises(AnchorRefused) as info:
        backend.revoke_certificate(f"cert-{uuid.uuid4().hex[:10]}", "nope")
    assert info.value.reason == "not_found"


def test_parallel_submits_all_succeed(backend):
    """20 concurrent transactions: the chaincode's serialized stream writes hold up."""
    keys = [ServiceKey() for _ in range(20)]

    def one(svc: ServiceKey) -> int:
        backend.register_ledger(svc.ledger_id, svc.public_b64)
        return backend.anchor(*svc.args(svc.header(0, "0" * 64)))["block_number"]

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=20) as pool:
        blocks = list(pool.map(one, keys))
    assert len(blocks) == 20
    print(f"\n20 parallel register+anchor pairs in {time.monotonic() - started:.2f} s")


def test_anchor_latency(backend, ledger):
    prev, times = "0" * 64, []
    for seq in range(10):
        h = ledger.header(seq, prev)
        t = time.monotonic()
        backend.anchor(*ledger.args(h))
        times.append(time.monotonic() - t)
        prev = ledger.hash(h)
    times.sort()
    print(f"\nanchor latency p50 {times[5] * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms")
    assert times[5] < 5.0


def test_stock_peer_cli_via_env(fabric_network, backend, ledger):
    """`network.sh env bank` makes the stock peer CLI act as the bank admin."""
    anchor_chain(backend, ledger, 1)
    exports = subprocess.run(
        [str(REPO / "scripts/network.sh"), "env", "bank"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    ).stdout
    query = json.dumps({"Args": ["GetHead", ledger.ledger_id]})
    out = subprocess.run(
        ["bash", "-c", f"{exports}\npeer chaincode query -C evidence -n evidence -c '{query}'"],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/tmp"),
            **({"FABRIC_BIN": os.environ["FABRIC_BIN"]} if "FABRIC_BIN" in os.environ else {}),
        },
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["seq"] == 0


def test_gateway_evaluate_through_each_peer(fabric_network, ledger):
    profile = load_profile(fabric_network.profile)
    identity = profile.identity.load()
    for peer in profile.peers:
        with Gateway(peer, identity) as gw:
            head = json.loads(gw.evaluate("evidence", "evidence", "GetHead", [ledger.ledger_id]))
            assert head["public_key_b64"] == ledger.public_b64


def test_ensure_network_reuses_the_running_network(fabric_network):
    from anchoring.fabric.network import PROFILE, ensure_network

    said: list[str] = []
    assert ensure_network(say=said.append) == PROFILE
    assert any("using the running network" in s for s in said)


def test_ledger_keys_are_vouched_for_by_the_channel(backend, ledger):
    keys = backend.ledger_keys(ledger.ledger_id)
    assert [k["public_key_b64"] for k in keys] == [ledger.public_b64]
    assert keys[0]["from_seq"] == 0 and len(keys[0]["tx_id"]) == 64
    assert backend.ledger_keys(f"it-{uuid.uuid4().hex[:8]}") == []


def test_key_rotation_is_recorded_and_enforced(backend, ledger):
    chain = anchor_chain(backend, ledger, 2)
    new = ServiceKey(ledger.ledger_id)
    out = backend.rotate_ledger_key(ledger.ledger_id, new.public_b64, "scheduled rotation")
    assert out["receipt"]["validation_code"] == "VALID"
    history = backend.ledger_keys(ledger.ledger_id)
    assert [(k["public_key_b64"], k["from_seq"]) for k in history] == [
        (ledger.public_b64, 0),
        (new.public_b64, 2),
    ]
    h2 = ledger.header(2, ledger.hash(chain[-1][0]))
    assert refusal(backend, *ledger.args(h2)).reason == "bad_signature"  # old key no more
    assert backend.anchor(*new.args(h2))["validation_code"] == "VALID"
