"""The anchor worker inside `ledger serve` against the real network, under faults.

The Fabric variant of tests/reliability/test_outage.py (it uses that harness):
events keep arriving while the platform's chaincode server is killed and then
the bank's peer is killed and later restarted. Intake must go on, /readyz must
show the anchoring lag, and afterwards every batch must be on the channel
exactly once, in sequence order, equal to what the service signed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy import select

from anchoring.fabric.backend import FabricBackend
from ledger_service.pipeline.audit import Auditor
from ledger_service.runtime.context import LedgerContext
from ledger_service.store.tables import ANCHORS, BATCHES
from tests.conftest import make_settings
from tests.reliability.harness import (
    Loader,
    Service,
    ledger_cli,
    row_count,
    service_env,
    settled,
    wait_until,
)

pytestmark = [pytest.mark.fabric, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
PIDS = REPO / "network" / "run" / "pids"
OUTAGE_SECONDS = 5


def test_worker_survives_chaincode_server_and_peer_loss(tmp_path: Path, fabric_network) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.skip("kills network processes; not run beside other xdist workers")
    ledger_id = f"svc-fault-{uuid.uuid4().hex[:10]}"
    env = service_env(
        tmp_path, LEDGER_FABRIC_PROFILE=str(fabric_network.profile), LEDGER_LEDGER_ID=ledger_id
    )
    token = (
        ledger_cli(env, "keys", "create", "--role", "platform", "--org", "fault-platform")
        .strip()
        .splitlines()[-1]
    )
    service = Service(env, log=tmp_path / "serve.log")
    loader = Loader([service.url], token, threads=2)
    ctx = LedgerContext.open(make_settings(tmp_path, ledger_id=ledger_id))

    try:
        service.start()
        loader.start()
        wait_until(lambda: row_count(ctx.engine, ANCHORS) >= 3, 60, "anchoring to start")
        os.kill(int((PIDS / "cc-platform.child.pid").read_text()), signal.SIGKILL)
        anchored = row_count(ctx.engine, ANCHORS)
        wait_until(
            lambda: row_count(ctx.engine, ANCHORS) > anchored + 2,
            60,
            "anchoring after the chaincode server was killed (its watcher restarts it)",
        )
        os.killpg(int((PIDS / "peer-bank.pid").read_text()), signal.SIGKILL)
        acked_before = len(loader.acked)
        time.sleep(OUTAGE_SECONDS)
        during = len(loader.acked) - acked_before
        ready = httpx.get(service.url + "/readyz", timeout=10).json()
        restart = subprocess.run(
            [str(REPO / "scripts/network.sh"), "up"],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=300,
        )
        assert restart.returncode == 0, restart.stderr
        loader.stop()
        assert during > 20, "intake stalled while the bank's peer was down"
        lag = ready["checks"]["anchor.fabric"]
        assert lag["batches"] > 0 and lag["oldest_seconds"] > 1

        wait_until(lambda: settled(ctx.engine), 180, "the backlog to be anchored")
    finally:
        loader.stop()
        service.stop()
        subprocess.run(
            [str(REPO / "scripts/network.sh"), "up"], capture_output=True, cwd=REPO, timeout=300
        )
    with ctx.engine.connect() as conn:
        rows = conn.execute(
            select(BATCHES.c.seq, BATCHES.c.header, BATCHES.c.header_hash, ANCHORS.c.receipt)
            .join(ANCHORS, ANCHORS.c.batch_seq == BATCHES.c.seq)
            .where(ANCHORS.c.backend == "fabric")
            .order_by(BATCHES.c.seq)
        ).all()
    receipts = [orjson.loads(r.receipt) for r in rows]
    blocks = [r["block_number"] for r in receipts]
    assert blocks == sorted(blocks), "headers reached the channel out of order"
    assert len({r["tx_id"] for r in receipts}) == len(rows), "a header was anchored twice"
    fabric = FabricBackend.from_profile(fabric_network.profile.parent / "profile-bank.json")
    assert fabric.head(ledger_id) == (rows[-1].seq, rows[-1].header_hash)
    for row, receipt in zip(rows, receipts, strict=True):
        stored = fabric.read_header(ledger_id, row.seq)
        assert stored.header == orjson.loads(row.header)
        assert stored.receipt["tx_id"] == receipt["tx_id"]
    fabric.close()
    report = Auditor(
        ctx.engine, {ctx.key.key_id: ctx.key.public_key_b64}, ctx.settings.ledger_id
    ).run()
    assert report.ok, report.findings
    ctx.close()
