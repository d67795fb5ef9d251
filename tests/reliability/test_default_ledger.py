"""The durable default ledger: `ledger serve` with no ledger configured, as a fresh install runs it.

Real `ledger serve` subprocesses, each starting the local EVM node (anvil) in
its data directory on a free port. Every wait is bounded.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from anchoring.evm.anvil import find_anvil, free_port
from anchoring.evm.backend import EvmBackend, ledger_key
from anchoring.evm.chain import connect
from anchoring.evm.node import port_free
from ledger_service.core.config import Settings
from ledger_service.evidence.story import ENTERPRISES, score_event
from ledger_service.store.engine import make_engine
from ledger_service.store.tables import ANCHORS, BATCHES

from ..scoring_support import register_reference_http
from .harness import Loader, Service, ledger_cli, service_env, settled, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.evm,
              pytest.mark.skipif(find_anvil() is None, reason="anvil not installed (npm)")]

E1 = ENTERPRISES[0].uscc


def default_env(data_dir: Path, node_port: int) -> dict[str, str]:
    env = service_env(data_dir, LEDGER_EVM_NODE_PORT=str(node_port))
    for name in ("LEDGER_EVM_RPC_URL", "LEDGER_FABRIC_PROFILE", "LEDGER_EVM_NODE_ERROR"):
        env.pop(name, None)
    return env


def readyz(service: Service) -> dict[str, Any]:
    return httpx.get(service.url + "/readyz", timeout=5).json()


def record(service: Service, token: str, n: int = 1) -> list[str]:
    register_reference_http(service.url, token)
    events = [score_event(E1, 600 + i, "BBB", (60, 60, 60), hours=i * 0.01) for i in range(n)]
    r = httpx.post(service.url + "/v1/events/bulk", json={"events": events},
                   headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 201, r.text
    return [e["id"] for e in r.json()["events"]]


def proof(service: Service, token: str, event_id: str) -> dict[str, Any]:
    r = httpx.get(f"{service.url}/v1/events/{event_id}/proof",
                  headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def ledger_run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ledger_service.cli.main", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_default_ledger_survives_sigterm_sigkill_and_a_torn_state(tmp_path: Path) -> None:
    node_port = free_port()
    env = default_env(tmp_path, node_port)
    token = ledger_cli(env, "keys", "create", "--role", "platform", "--org", "platform"
                       ).strip().splitlines()[-1]
    engine = make_engine(Settings(data_dir=tmp_path))
    service = Service(env, log=tmp_path / "serve.log")
    node_url = f"http://127.0.0.1:{node_port}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        # 1. a fresh install: the service names the local node and a certificate verifies
        service.start()
        anchoring = readyz(service)["checks"]["anchoring"]
        assert anchoring["ledger"] == "evm", anchoring
        node = anchoring["ledgers"][0]
        assert node["url"] == node_url and node["data"] == str(tmp_path / "evm-node")
        registry = node["registry"]
        first = record(service, token, 3)
        deadline = time.monotonic() + 30
        while True:  # 409 not_anchored until the batch is anchored, then 201
            r = httpx.post(f"{service.url}/v1/enterprises/{E1}/certificates", json={},
                           headers=headers, timeout=30)
            if r.status_code == 201:
                break
            assert r.status_code == 409 and r.json()["error"]["code"] == "not_anchored", r.text
            assert time.monotonic() < deadline, "the score was never anchored"
            time.sleep(0.2)
        verdict = httpx.post(service.url + "/v1/verify/certificate",
                             json=r.json()["credential"], timeout=30).json()
        assert verdict["valid"] is True, verdict
        old_proof = proof(service, token, first[0])
        assert old_proof["anchors"] and old_proof["anchors"][0]["contract"] == registry

        # 2. SIGTERM: the service stops the node cleanly (its port is free again)
        stopping = time.monotonic()
        service.stop()
        print(f"SIGTERM to exit: {time.monotonic() - stopping:.2f}s")
        assert service.proc is not None and service.proc.returncode == 0
        assert port_free("127.0.0.1", node_port)
        assert not (tmp_path / "evm-node" / "anvil.pid").exists()

        # 3. restart, anchor more, SIGKILL the service: the node saves its state on the way out
        service.start()
        second = record(service, token, 5)
        wait_until(lambda: settled(engine), 30, "the second session anchored")
        service.kill()

        # 4. the state file is torn: the node starts from the last good copy (end of
        #    session 1) and the anchor worker replaces the receipts it lacks
        state = tmp_path / "evm-node" / "state.json"
        node_pid = int((tmp_path / "evm-node" / "anvil.pid").read_text())
        wait_until(lambda: not Path(f"/proc/{node_pid}").exists(), 15,
                   "the node to save and exit after its parent died", poll=0.05)
        state.write_text(state.read_text()[: len(state.read_text()) // 2])
        service.start()
        third = record(service, token, 2)
        wait_until(lambda: settled(engine), 40, "everything anchored after the restart")
        log = (tmp_path / "serve.log").read_text()
        assert "is not valid JSON" in log and "last good state" in log
        assert "replaced by a new anchor" in log

        # old and new proofs verify against the chain read back, registry pinned
        key = httpx.get(service.url + "/v1/keys", timeout=5).json()["keys"][0]["public_key"]
        for event_id, saved in ((first[0], old_proof), (second[-1], None), (third[0], None)):
            path = tmp_path / f"{event_id}.json"
            path.write_text(json.dumps(saved or proof(service, token, event_id)))
            out = ledger_run(env, "verify", str(path), "--key", key, "--evm", node_url,
                             "--evm-registry", registry, "--json")
            assert out.returncode == 0, out.stdout + out.stderr
        # the chain continues: one header per sequence, each exactly once, in order
        with engine.connect() as conn:
            seqs = sorted(conn.execute(select(BATCHES.c.seq)).scalars())
            receipts = Counter(conn.execute(select(ANCHORS.c.batch_seq)).scalars())
        assert seqs == list(range(len(seqs))) and set(receipts.values()) == {1}
        backend = EvmBackend(connect(node_url), registry)
        logs = backend.registry.events.BatchAnchored.get_logs(
            from_block=0, argument_filters={"ledgerId": ledger_key("credit-evidence")})
        on_chain = Counter(int(entry["args"]["seq"]) for entry in logs)
        assert sorted(on_chain) == seqs and set(on_chain.values()) == {1}
        audit = ledger_run(env, "audit", "--json")
        assert audit.returncode == 0, audit.stdout + audit.stderr
        assert json.loads(audit.stdout)["ledgers"] == ["evm"]
    finally:
        service.stop()
        engine.dispose()


def test_node_killed_under_load_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    env = default_env(tmp_path, free_port())
    token = ledger_cli(env, "keys", "create", "--role", "platform", "--org", "platform"
                       ).strip().splitlines()[-1]
    engine = make_engine(Settings(data_dir=tmp_path))
    service = Service(env, log=tmp_path / "serve.log")
    loader = Loader([service.url], token, threads=2)
    try:
        service.start()
        loader.start()
        time.sleep(2.0)
        pid = int((tmp_path / "evm-node" / "anvil.pid").read_text())
        os.kill(pid, signal.SIGKILL)  # the node dies between two state saves
        time.sleep(2.5)
        loader.stop()
        wait_until(lambda: settled(engine), 60, "the backlog anchored after the node restart")
        assert readyz(service)["checks"]["anchoring"]["ledger"] == "evm"
        audit = ledger_run(env, "audit", "--json")
        assert audit.returncode == 0, audit.stdout + audit.stderr
    finally:
        loader.stop()
        service.stop()
    assert len(loader.acked) > 20, "the load never got going"
    log = (tmp_path / "serve.log").read_text()
    assert "local EVM node exited" in log and "restarted" in log
    with engine.connect() as conn:
        receipts = Counter(conn.execute(select(ANCHORS.c.batch_seq)).scalars())
        batches = len(conn.execute(select(BATCHES.c.seq)).all())
    assert sorted(receipts) == list(range(batches)) and set(receipts.values()) == {1}
    engine.dispose()


def test_port_taken_says_so_and_refuses_certificates(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        env = default_env(tmp_path, squatter.getsockname()[1])
        token = ledger_cli(env, "keys", "create", "--role", "platform", "--org", "platform"
                           ).strip().splitlines()[-1]
        service = Service(env, log=tmp_path / "serve.log")
        try:
            service.start()
            anchoring = readyz(service)["checks"]["anchoring"]
            assert anchoring["ledger"] == "none" and "is taken by another process" in \
                anchoring["reason"], anchoring
            record(service, token)
            r = httpx.post(f"{service.url}/v1/enterprises/{E1}/certificates", json={},
                           headers={"Authorization": f"Bearer {token}"}, timeout=30)
            assert r.status_code == 409 and r.json()["error"]["code"] == "not_anchored"
        finally:
            service.stop()
        assert "anchoring: NONE" in (tmp_path / "serve.log").read_text()
