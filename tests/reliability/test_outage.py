"""Ledger outage: the EVM node stops answering under load.

Intake must go on, /readyz must show the anchoring lag, and once the node is
back the backlog must be anchored in sequence order. (The Fabric variant,
stopping the peers of the real network, lives with the Fabric tests.)
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy import select

from anchoring.evm.anvil import AnvilNode, start_anvil
from ledger_service.pipeline.audit import Auditor
from ledger_service.runtime.context import LedgerContext
from ledger_service.store.tables import ANCHORS

from ..conftest import make_settings
from .harness import Loader, Service, ledger_cli, row_count, service_env, settled, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.evm]
OUTAGE_SECONDS = 6

def test_evm_node_outage_is_survived(tmp_path: Path, anvil_node: AnvilNode) -> None:
    node = start_anvil()  # our own node: we are about to freeze it
    env = service_env(tmp_path, LEDGER_EVM_RPC_URL=node.url)
    token = ledger_cli(env, "keys", "create", "--role", "platform", "--org", "outage-platform"
                       ).strip().splitlines()[-1]
    service = Service(env, log=tmp_path / "serve.log")
    loader = Loader([service.url], token, threads=2)
    ctx = LedgerContext.open(make_settings(tmp_path))

    try:
        service.start()
        loader.start()
        wait_until(lambda: row_count(ctx.engine, ANCHORS) >= 3, 30, "anchoring to start")
        os.kill(node.process.pid, signal.SIGSTOP)  # the node hangs: no answers, no errors
        acked_before = len(loader.acked)
        time.sleep(OUTAGE_SECONDS)
        during = len(loader.acked) - acked_before
        ready = httpx.get(service.url + "/readyz", timeout=10).json()
        os.kill(node.process.pid, signal.SIGCONT)
        loader.stop()
        assert during > 50, "intake stalled while the ledger was down"
        lag = ready["checks"]["anchor.evm"]
        assert ready["ready"] is True
        assert lag["batches"] > 0 and lag["oldest_seconds"] > 1

        wait_until(lambda: settled(ctx.engine), 120, "the backlog to be anchored")
        after = httpx.get(service.url + "/readyz", timeout=10).json()["checks"]["anchor.evm"]
        assert after["batches"] == 0
    finally:
        loader.stop()
        os.kill(node.process.pid, signal.SIGCONT)
        service.stop()
        node.stop()
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(ANCHORS.c.batch_seq, ANCHORS.c.receipt)
                            .order_by(ANCHORS.c.batch_seq)).all()

    blocks = [orjson.loads(r.receipt)["block_number"] for r in rows]
    assert blocks == sorted(blocks), "headers reached the chain out of order"
    report = Auditor(ctx.engine, {ctx.key.key_id: ctx.key.public_key_b64},
                     ctx.settings.ledger_id).run()
    assert report.ok, report.findings
    ctx.close()
