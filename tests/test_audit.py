"""`ledger audit` finds and names every kind of tampering with the store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import delete, select, update

from ledger_proof.headers import header_bytes
from ledger_proof.signing import ServiceKey
from ledger_service.evidence.schemas import EVENT_ADAPTER
from ledger_service.evidence.story import ENTERPRISES, score_event
from ledger_service.pipeline.anchor_worker import anchor_pending
from ledger_service.pipeline.audit import Auditor
from ledger_service.pipeline.ledgers import evm_backend
from ledger_service.runtime.context import LedgerContext
from ledger_service.store.fast import write_transaction
from ledger_service.store.tables import BATCHES, EVENTS

from .conftest import make_settings
from .scoring_support import register_reference

E1 = ENTERPRISES[0].uscc


def fill(ctx: LedgerContext, batches: int = 3, size: int = 5) -> None:
    """batches full batches: the reference model's registration, then scores 1, 2, ..."""
    ctx.settings.batch_max_events = size
    register_reference(ctx)
    ctx.recorder.record("platform-org", [
        EVENT_ADAPTER.validate_json(orjson.dumps(score_event(E1, i, "C", (1, 1, 1), hours=i)))
        for i in range(1, batches * size)])
    ctx.sealer.seal_all()


def audit(ctx: LedgerContext, backends: list[Any] | None = None) -> Any:
    return Auditor(ctx.engine, {ctx.key.key_id: ctx.key.public_key_b64},
                   ctx.settings.ledger_id, backends).run()


def kinds(report: Any) -> set[tuple[str, int | None]]:
    return {(f.kind, f.batch) for f in report.findings if f.severity == "error"}


def event_ids(ctx: LedgerContext) -> list[str]:
    with ctx.engine.connect() as conn:
        return list(conn.execute(select(EVENTS.c.id).order_by(EVENTS.c.pos)).scalars())


def test_clean_ledger_passes(ctx: LedgerContext) -> None:
    fill(ctx)
    report = audit(ctx)
    assert report.ok, report.findings
    assert (report.batches, report.events) == (3, 15)


def test_flipped_byte_is_named_by_event(ctx: LedgerContext) -> None:
    fill(ctx)
    victim = event_ids(ctx)[7]
    with write_transaction(ctx.engine) as conn:
        body = conn.execute(select(EVENTS.c.body).where(EVENTS.c.id == victim)).scalar_one()
        flipped = body.replace(b'"score":7', b'"score":8')
        assert flipped != body
        conn.execute(update(EVENTS).where(EVENTS.c.id == victim).values(body=flipped))
    report = audit(ctx)
    assert not report.ok
    altered = [f for f in report.findings if f.kind == "altered_event"]
    assert [(f.batch, f.event) for f in altered] == [(1, victim)]


def test_deleted_event_is_found(ctx: LedgerContext) -> None:
    fill(ctx)
    victim = event_ids(ctx)[3]
    with write_transaction(ctx.engine) as conn:
        conn.execute(delete(EVENTS).where(EVENTS.c.id == victim))
    found = kinds(audit(ctx))
    assert ("deleted_event", 0) in found
    assert ("root_mismatch", 0) in found


def test_reordered_events_are_found(ctx: LedgerContext) -> None:
    fill(ctx)
    with write_transaction(ctx.engine) as conn:
        rows = conn.execute(select(EVENTS).where(EVENTS.c.pos.in_([6, 7]))
                            .order_by(EVENTS.c.pos)).all()
        cols = ("id", "body", "salt", "commitment", "leaf_hash")
        for row, other in ((rows[0], rows[1]), (rows[1], rows[0])):
            conn.execute(update(EVENTS).where(EVENTS.c.pos == row.pos).values(
                **{c: getattr(other, c) for c in cols if c != "id"},
                id=other.id + "x" if row.pos == 6 else other.id))
        conn.execute(update(EVENTS).where(EVENTS.c.pos == 6).values(id=rows[1].id))
    assert ("root_mismatch", 1) in kinds(audit(ctx))


def test_forged_batch_is_found(ctx: LedgerContext) -> None:
    fill(ctx)
    with write_transaction(ctx.engine) as conn:
        row = conn.execute(select(BATCHES).where(BATCHES.c.seq == 1)).one()
        header = orjson.loads(row.header)
        header["merkle_root"] = "ab" * 32
        forger = ServiceKey.generate()
        conn.execute(update(BATCHES).where(BATCHES.c.seq == 1).values(
            header=header_bytes(header).decode(), signature=forger.sign(header_bytes(header))))
    found = kinds(audit(ctx))
    assert {("header_hash_mismatch", 1), ("bad_signature", 1), ("root_mismatch", 1)} <= found
    assert ("broken_chain", 2) not in found  # batch 2 still names the original hash


def test_rechained_forgery_breaks_the_chain(ctx: LedgerContext) -> None:
    fill(ctx)
    from ledger_proof.headers import header_hash

    with write_transaction(ctx.engine) as conn:
        row = conn.execute(select(BATCHES).where(BATCHES.c.seq == 1)).one()
        header = orjson.loads(row.header)
        header["sealed_at"] = "2020-01-01T00:00:00Z"
        conn.execute(update(BATCHES).where(BATCHES.c.seq == 1).values(
            header=header_bytes(header).decode(), header_hash=header_hash(header),
            signature=ctx.key.sign(header_bytes(header))))  # even with the real key
    assert ("broken_chain", 2) in kinds(audit(ctx))


def test_header_missing_on_a_ledger(sqlite_ctx: LedgerContext) -> None:
    ctx = sqlite_ctx
    fill(ctx)
    backend = evm_backend(ctx)
    anchor_pending(ctx.engine, backend, limit=2)  # batches 0 and 1 anchored, 2 not yet
    report = audit(ctx, [backend])
    assert report.ok, report.findings
    assert [(f.kind, f.batch) for f in report.findings] == [("not_anchored", 2)]
    # A receipt for a header the ledger does not hold is an error.
    from ledger_service.pipeline.anchor_worker import store_receipt

    store_receipt(ctx.engine, 2, "evm", {"backend": "evm", "tx_hash": "0xforged"})
    assert ("ledger_missing", 2) in kinds(audit(ctx, [backend]))
    # A store header that differs from the anchored one is an error too.
    with write_transaction(ctx.engine) as conn:
        row = conn.execute(select(BATCHES).where(BATCHES.c.seq == 0)).one()
        header = orjson.loads(row.header)
        header["sealed_at"] = "2020-01-01T00:00:00Z"
        conn.execute(update(BATCHES).where(BATCHES.c.seq == 0).values(
            header=header_bytes(header).decode()))
    assert ("ledger_mismatch", 0) in kinds(audit(ctx, [backend]))


def test_cli_exit_codes(tmp_path: Path) -> None:
    ctx = LedgerContext.open(make_settings(tmp_path))
    fill(ctx)
    ctx.close()
    env = {**os.environ, "LEDGER_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)

    def run() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "ledger_service.cli.main", "audit", "--json"],
                              env=env, capture_output=True, text=True, timeout=120)

    ok = run()
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["batches"] == 3
    ctx = LedgerContext.open(make_settings(tmp_path))
    with write_transaction(ctx.engine) as conn:
        conn.execute(update(EVENTS).where(EVENTS.c.pos == 2).values(salt=b"\0" * 32))
    ctx.close()
    bad = run()
    assert bad.returncode == 1
    assert [f["kind"] for f in json.loads(bad.stdout)["findings"]] == ["altered_event"]


@pytest.mark.parametrize("from_seq", [1, 2])
def test_partial_audit_checks_the_link_into_the_range(ctx: LedgerContext, from_seq: int
                                                      ) -> None:
    fill(ctx)
    report = Auditor(ctx.engine, {ctx.key.key_id: ctx.key.public_key_b64},
                     ctx.settings.ledger_id).run(from_seq)
    assert report.ok
    assert report.batches == 3 - from_seq
