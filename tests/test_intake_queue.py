"""Group commit: a group goes in as one transaction; one failing submission fails alone."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select

from ledger_service.core.errors import LedgerError
from ledger_service.evidence.schemas import BULK_ADAPTER
from ledger_service.evidence.story import ENTERPRISES, score_event
from ledger_service.pipeline.intake import Submission
from ledger_service.pipeline.intake_queue import IntakeQueue, _Job
from ledger_service.runtime.context import LedgerContext
from ledger_service.store.fast import WalSync, write_transaction
from ledger_service.store.tables import EVENTS

from .conftest import make_settings


def _events(*ids: str | None) -> list:
    docs = []
    for n, event_id in enumerate(ids):
        doc = score_event(ENTERPRISES[0].uscc, 500 + n, "BBB", (1, 2, 3), hours=n)
        if event_id:
            doc["id"] = event_id
        docs.append(doc)
    return BULK_ADAPTER.validate_json(orjson.dumps({"events": docs}))["events"]


def _count(ctx: LedgerContext) -> int:
    """The test's own events (the reference model's registration is the fixture's)."""
    with ctx.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(EVENTS)
                            .where(EVENTS.c.type != "model.registered")).scalar_one()


def test_a_group_commits_every_submission(ctx: LedgerContext) -> None:
    queue = IntakeQueue(ctx.engine, ctx.recorder)
    subs = (Submission("org-a", _events(None, None)), Submission("org-b", _events(None)))
    jobs = [_Job(sub, ctx.recorder.prepare(sub)) for sub in subs]
    queue._commit_group(jobs)
    assert [len(j.future.result()) for j in jobs] == [2, 1]
    assert _count(ctx) == 3


def test_a_clash_at_insert_fails_that_submission_only(ctx: LedgerContext) -> None:
    """Two submissions name the same new id (both prepared before either is stored)."""
    queue = IntakeQueue(ctx.engine, ctx.recorder)
    first = Submission("org-a", _events("evt_0123456789abcdef0123456789abcdef"))
    clash = Submission("org-a", [{**_events("evt_0123456789abcdef0123456789abcdef")[0], "payload": {
        **_events("evt_0123456789abcdef0123456789abcdef")[0]["payload"],
        "inputs_digest": "9" * 64}}])
    other = Submission("org-b", _events(None))
    jobs = [_Job(s, ctx.recorder.prepare(s)) for s in (first, clash, other)]
    queue._commit_group(jobs)
    assert jobs[0].future.result()[0].id == "evt_0123456789abcdef0123456789abcdef"
    with pytest.raises(LedgerError):
        jobs[1].future.result()
    assert len(jobs[2].future.result()) == 1
    assert _count(ctx) == 2


# ---------------------------------------------------------------- flush after commit (SQLite)


class _GatedSync(WalSync):
    """The real flush, held until the test opens the gate (or failing when told to)."""

    def __init__(self, real: WalSync) -> None:
        super().__init__(real.wal.removesuffix("-wal"), real.level)
        self.gate = threading.Event()
        self.fail = False
        self.flushes = 0

    def sync(self) -> None:
        assert self.gate.wait(10)
        if self.fail:
            raise OSError(5, "Input/output error")
        super().sync()
        self.flushes += 1


def _gated_queue(ctx: LedgerContext) -> tuple[IntakeQueue, _GatedSync]:
    queue = IntakeQueue(ctx.engine, ctx.recorder)
    real = WalSync.of(ctx.engine)
    assert real is not None and real.level == "FULL"
    gated = _GatedSync(real)
    queue._ensure_started()
    queue._wal = gated
    return queue, gated


def test_an_answer_waits_for_the_flush_and_the_lock_does_not(sqlite_ctx: LedgerContext) -> None:
    queue, gated = _gated_queue(sqlite_ctx)
    try:
        future = queue.submit(Submission("org-a", _events(None)))
        # committed (the write lock is free: another writer gets in at once) but not answered
        deadline = time.monotonic() + 10
        while _count(sqlite_ctx) < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _count(sqlite_ctx) == 1
        with write_transaction(sqlite_ctx.engine) as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2
        time.sleep(0.1)
        assert not future.done()
        gated.gate.set()
        assert len(future.result(timeout=10)) == 1
        assert gated.flushes >= 1
    finally:
        gated.gate.set()
        queue.stop()
    # every pooled connection is back to FULL for every other writer
    with sqlite_ctx.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2


def test_a_failed_flush_is_an_error_not_an_answer(sqlite_ctx: LedgerContext) -> None:
    queue, gated = _gated_queue(sqlite_ctx)
    gated.fail = True
    try:
        future = queue.submit(Submission("org-a", _events(None)))
        gated.gate.set()
        with pytest.raises(OSError):
            future.result(timeout=10)
    finally:
        queue.stop()


def test_flush_after_commit_only_where_it_keeps_full_durability(tmp_path: Path) -> None:
    for level, expected in (("FULL", "FULL"), ("EXTRA", "EXTRA"), ("NORMAL", None),
                            ("OFF", None)):
        ctx = LedgerContext.open(make_settings(tmp_path / level, sqlite_synchronous=level))
        try:
            wal = WalSync.of(ctx.engine)
            assert (wal.level if wal else None) == expected
        finally:
            ctx.close()
    ctx = LedgerContext.open(make_settings(tmp_path / "off",
                                           sqlite_flush_after_commit=False))
    try:
        ctx.intake._ensure_started()
        assert ctx.intake._wal is None
    finally:
        ctx.close()
