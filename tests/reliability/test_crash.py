"""Crash safety: SIGKILL `ledger serve` at random moments under load, many times.

Nothing acknowledged may be lost or duplicated, batches must stay contiguous
and hash-chained, every event must end sealed and anchored, and no header may
be anchored twice — on a real EVM node (anvil) that outlives the service.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from anchoring.evm.anvil import AnvilNode
from anchoring.evm.backend import ledger_key
from ledger_service.pipeline.audit import Auditor
from ledger_service.pipeline.ledgers import evm_backend
from ledger_service.runtime.context import LedgerContext
from ledger_service.store.tables import ANCHORS, BATCHES, EVENTS

from ..conftest import make_settings
from .harness import Loader, Service, ledger_cli, service_env, settled, wait_until

KILLS = 20

pytestmark = [pytest.mark.slow, pytest.mark.evm]


def test_sigkill_under_load_loses_nothing(tmp_path: Path, anvil_node: AnvilNode) -> None:
    env = service_env(tmp_path, LEDGER_EVM_RPC_URL=anvil_node.url)
    token = ledger_cli(env, "keys", "create", "--role", "platform", "--org", "crash-platform"
                       ).strip().splitlines()[-1]
    service = Service(env, log=tmp_path / "serve.log")
    loader = Loader([service.url], token)
    rng = random.Random(20261126)
    try:
        for _ in range(KILLS):
            service.start()
            loader.start()
            time.sleep(rng.uniform(0.2, 1.2))
            service.kill()  # mid-request, mid-seal or mid-anchor: wherever it is
            loader.stop()
        service.start()
        ctx = LedgerContext.open(make_settings(tmp_path))

        wait_until(lambda: settled(ctx.engine), 120, "every event sealed and every batch anchored")
    finally:
        loader.stop()
        service.stop()

    assert len(loader.acked) > 200, "the load never got going"
    with ctx.engine.connect() as conn:
        stored = Counter(conn.execute(select(EVENTS.c.id)).scalars())
        receipts = Counter(conn.execute(select(ANCHORS.c.batch_seq)).scalars())
        batches = conn.execute(select(func.count()).select_from(BATCHES)).scalar_one()
    print(f"crash test: {KILLS} kills, {len(loader.acked)} events acknowledged, "
          f"{loader.errors} requests cut off, {batches} batches anchored")
    missing = [i for i in loader.acked if stored[i] != 1]
    assert not missing, f"{len(missing)} acknowledged events lost or duplicated"
    assert set(receipts.values()) == {1} and sorted(receipts) == list(range(batches))

    ctx.settings.evm_rpc_url = anvil_node.url
    backend = evm_backend(ctx)
    report = Auditor(ctx.engine, {ctx.key.key_id: ctx.key.public_key_b64},
                     ctx.settings.ledger_id, [backend]).run()
    assert report.ok and not report.findings, report.findings
    # On chain: exactly one BatchAnchored log per sequence number, none twice.
    logs = backend.registry.events.BatchAnchored.get_logs(
        from_block=0, argument_filters={"ledgerId": ledger_key(ctx.settings.ledger_id)})
    seqs = Counter(int(log["args"]["seq"]) for log in logs)
    assert sorted(seqs) == list(range(batches)) and set(seqs.values()) == {1}
    ctx.close()
