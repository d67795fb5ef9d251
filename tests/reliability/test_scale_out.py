"""Scale-out: two `ledger serve` processes on one PostgreSQL.

Both take intake; exactly one seals (and one anchors) at a time, holding a
PostgreSQL advisory lock; when it dies the other takes over without a gap or
a duplicate.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from anchoring.evm.anvil import AnvilNode
from ledger_service.pipeline.audit import Auditor
from ledger_service.runtime.context import LedgerContext
from ledger_service.store.tables import EVENTS

from ..conftest import make_settings
from .harness import Loader, Service, ledger_cli, service_env, settled, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.evm]


def leads(service: Service, token: str) -> bool:
    text = httpx.get(service.url + "/metrics", timeout=5,
                     headers={"Authorization": f"Bearer {token}"}).text
    match = re.search(r"^ledger_batcher_leader (\S+)$", text, re.M)
    return match is not None and float(match.group(1)) == 1.0


def test_two_processes_one_sealer_and_failover(tmp_path: Path, pg_url: str,
                                               anvil_node: AnvilNode) -> None:
    # A fresh schema for this test: the shared session database may hold other tests' rows.
    ctx = LedgerContext.open(make_settings(tmp_path, pg_url))
    from sqlalchemy import text

    from ..conftest import TABLES

    with ctx.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY"))
    env = service_env(tmp_path, DATABASE_URL=pg_url, LEDGER_EVM_RPC_URL=anvil_node.url)
    token = ledger_cli(env, "keys", "create", "--role", "platform", "--org", "scale-platform"
                       ).strip().splitlines()[-1]
    a = Service(env, log=tmp_path / "a.log")
    b = Service(env, log=tmp_path / "b.log")
    loader = Loader([a.url, b.url], token)
    try:
        a.start()
        b.start()
        wait_until(lambda: leads(a, token) or leads(b, token), 30, "a sealing leader")
        loader.start()
        time.sleep(3)
        assert leads(a, token) != leads(b, token), "exactly one process must hold the sealing lock"
        leader, follower = (a, b) if leads(a, token) else (b, a)
        leader.kill()
        wait_until(lambda: leads(follower, token), 30, "the survivor to take over sealing")
        loader.urls = [follower.url]
        time.sleep(3)
        loader.stop()

        wait_until(lambda: settled(ctx.engine), 90, "the survivor to seal and anchor everything")
    finally:
        loader.stop()
        a.stop()
        b.stop()
    with ctx.engine.connect() as conn:
        stored = Counter(conn.execute(select(EVENTS.c.id)).scalars())
        total = conn.execute(select(func.count()).select_from(EVENTS)).scalar_one()
    assert len(loader.acked) > 100
    assert all(stored[i] == 1 for i in loader.acked)
    assert total == sum(stored.values()) == len(stored)
    report = Auditor(ctx.engine, {ctx.key.key_id: ctx.key.public_key_b64},
                     ctx.settings.ledger_id).run()
    assert report.ok and not report.findings, report.findings
    ctx.close()
