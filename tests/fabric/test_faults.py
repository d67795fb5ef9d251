"""Faults on the real network: a chaincode server and a peer die mid-run.

The loop below plays the anchor worker's part (retry the same header on
AnchorUnavailable, in order); ``network.sh up`` plays the operator restarting
what died. Afterwards the channel must hold every header once, in order.
"""

from __future__ import annotations

import base64
import hashlib
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import nacl.signing
import pytest
import rfc8785

from anchoring.backend import AnchorUnavailable
from anchoring.fabric.backend import FabricBackend

pytestmark = [pytest.mark.fabric, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
PIDS = REPO / "network" / "run" / "pids"


def _header(ledger_id: str, seq: int, prev: str) -> dict:
    return {
        "version": 1,
        "ledger_id": ledger_id,
        "seq": seq,
        "prev_header_hash": prev,
        "merkle_root": hashlib.sha256(f"{ledger_id}/{seq}".encode()).hexdigest(),
        "size": 4,
        "first_event": f"e{seq}.0",
        "last_event": f"e{seq}.3",
        "sealed_at": "2026-11-26T10:00:00.000Z",
    }


def _hash(h: dict) -> str:
    return hashlib.sha256(rfc8785.dumps(h)).hexdigest()


@pytest.fixture
def backend(fabric_network):
    if os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.skip("kills network processes; not run beside other xdist workers")
    b = FabricBackend.from_profile(fabric_network.profile)
    yield b
    b.close()
    subprocess.run(
        [str(REPO / "scripts/network.sh"), "up"], capture_output=True, cwd=REPO, timeout=300
    )


def test_chaincode_server_then_peer_killed_mid_run(backend):
    key = nacl.signing.SigningKey.generate()
    ledger_id = f"fault-{uuid.uuid4().hex[:10]}"
    backend.register_ledger(ledger_id, base64.b64encode(bytes(key.verify_key)).decode())
    receipts, headers, prev, failures = [], [], "0" * 64, 0
    for seq in range(12):
        if seq == 4:  # the platform's chaincode server dies; its watcher restarts it
            os.kill(int((PIDS / "cc-platform.child.pid").read_text()), signal.SIGKILL)
        if seq == 8:  # the bank's peer dies; the operator restarts the network
            os.killpg(int((PIDS / "peer-bank.pid").read_text()), signal.SIGKILL)
        h = _header(ledger_id, seq, prev)
        sig = base64.b64encode(key.sign(rfc8785.dumps(h)).signature).decode()
        deadline = time.monotonic() + 90
        while True:
            try:
                receipts.append(backend.anchor(h, _hash(h), sig))
                break
            except AnchorUnavailable:
                failures += 1
                assert time.monotonic() < deadline, "did not recover within 90 s"
                if seq == 8:
                    subprocess.run(
                        [str(REPO / "scripts/network.sh"), "up"],
                        capture_output=True,
                        cwd=REPO,
                        timeout=300,
                    )
                time.sleep(0.3)
        headers.append(h)
        prev = _hash(h)
    assert failures > 0, "the faults were not noticed at all"
    # Every header once, in order, and equal to what the service signed.
    assert backend.head(ledger_id) == (11, _hash(headers[-1]))
    assert len({r["tx_id"] for r in receipts}) == 12
    blocks = [r["block_number"] for r in receipts]
    assert blocks == sorted(blocks) and len(set(blocks)) == 12
    for seq, h in enumerate(headers):
        stored = backend.read_header(ledger_id, seq)
        assert stored.header == h and stored.receipt["tx_id"] == receipts[seq]["tx_id"]
    # Replaying the whole run anchors nothing new.
    for seq, h in enumerate(headers):
        sig = base64.b64encode(key.sign(rfc8785.dumps(h)).signature).decode()
        assert backend.anchor(h, _hash(h), sig)["tx_id"] == receipts[seq]["tx_id"]


def test_retry_after_unknown_outcome_is_safe(backend):
    """Submit without waiting for the commit (outcome unknown), then retry the header."""
    key = nacl.signing.SigningKey.generate()
    ledger_id = f"unknown-{uuid.uuid4().hex[:10]}"
    backend.register_ledger(ledger_id, base64.b64encode(bytes(key.verify_key)).decode())
    h = _header(ledger_id, 0, "0" * 64)
    sig = base64.b64encode(key.sign(rfc8785.dumps(h)).signature).decode()
    gw = backend._gateway(backend.peers[0], backend.identity)
    prepared = gw.endorse(
        backend.channel, backend.chaincode, "AnchorBatch", [rfc8785.dumps(h).decode(), sig]
    )
    gw.submit(prepared)  # ... and the client "crashes" here
    deadline = time.monotonic() + 30
    while True:
        try:
            receipt = backend.anchor(h, _hash(h), sig)
            break
        except AnchorUnavailable:  # e.g. MVCC conflict with the in-flight one
            assert time.monotonic() < deadline
            time.sleep(0.2)
    assert receipt["tx_id"] == prepared.tx_id
    assert backend.head(ledger_id) == (0, _hash(h))
