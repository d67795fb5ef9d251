"""Group commit: a group goes in as one transaction; one failing submission fails alone."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import func, select

from ledger_service.core.errors import LedgerError
from ledger_service.evidence.schemas import BULK_ADAPTER
from ledger_service.evidence.story import ENTERPRISES, score_event
from ledger_service.pipeline.intake import Submission
from ledger_service.pipeline.intake_queue import IntakeQueue, _Job
from ledger_service.runtime.context import LedgerContext
from ledger_service.store.tables import EVENTS


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
