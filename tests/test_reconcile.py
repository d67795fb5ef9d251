"""Reconciling on start: receipts the ledger lost are replaced (logged, kept in kv), forks refused.

The embedded chain's snapshot and revert stand in for a node that lost its
last seconds; the real node is exercised in tests/reliability/test_default_ledger.py.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select, update

from anchoring.backend import AnchorRefused
from ledger_service.evidence.story import ENTERPRISES, score_event
from ledger_service.pipeline.anchor_worker import anchor_pending
from ledger_service.pipeline.ledgers import evm_backend
from ledger_service.pipeline.reconcile import REPLACED_KEY, reconcile
from ledger_service.runtime.context import LedgerContext
from ledger_service.store import kv
from ledger_service.store.fast import write_transaction
from ledger_service.store.tables import ANCHORS, BATCHES

from .conftest import Api


def seal_one(api: Api, n: int) -> None:
    api.record("platform", score_event(ENTERPRISES[0].uscc, 500 + n, "BB", (50, 50, 50),
                                       hours=n * 0.01))
    api.ctx.sealer.seal_all()


def receipts(ctx: LedgerContext) -> dict[int, str]:
    with ctx.engine.connect() as conn:
        return {r.batch_seq: r.receipt for r in conn.execute(select(ANCHORS))}


def test_lost_receipts_are_replaced_in_order(sqlite_ctx: LedgerContext,
                                             caplog: pytest.LogCaptureFixture) -> None:
    api = Api(sqlite_ctx)
    backend = evm_backend(sqlite_ctx)
    ledger_id = sqlite_ctx.settings.ledger_id
    seal_one(api, 0)
    anchor_pending(sqlite_ctx.engine, backend)
    snapshot = backend.chain.w3.testing.snapshot()
    for n in (1, 2):
        seal_one(api, n)
    anchor_pending(sqlite_ctx.engine, backend)
    before = receipts(sqlite_ctx)
    assert sorted(before) == [0, 1, 2]
    assert reconcile(sqlite_ctx.engine, backend, ledger_id).replaced == []  # in step: no-op

    backend.chain.w3.testing.revert(snapshot)  # the node lost seq 1 and 2
    with caplog.at_level(logging.WARNING):
        found = reconcile(sqlite_ctx.engine, backend, ledger_id)
    assert found.ledger_head == 0 and [r["seq"] for r in found.replaced] == [1, 2]
    assert "replaced by a new anchor" in caplog.text
    assert sorted(receipts(sqlite_ctx)) == [0]
    history = kv.get(sqlite_ctx.engine, REPLACED_KEY + "evm")
    assert [h["seq"] for h in history] == [1, 2]
    assert anchor_pending(sqlite_ctx.engine, backend) == 2
    after = receipts(sqlite_ctx)
    assert sorted(after) == [0, 1, 2] and after[0] == before[0]
    assert backend.head(ledger_id)[0] == 2


def test_a_ledger_holding_another_header_is_refused_not_repaired(sqlite_ctx: LedgerContext
                                                                 ) -> None:
    api = Api(sqlite_ctx)
    backend = evm_backend(sqlite_ctx)
    seal_one(api, 0)
    anchor_pending(sqlite_ctx.engine, backend)
    with write_transaction(sqlite_ctx.engine) as conn:
        conn.execute(update(BATCHES).where(BATCHES.c.seq == 0).values(header_hash="ab" * 32))
    with pytest.raises(AnchorRefused) as refused:
        reconcile(sqlite_ctx.engine, backend, sqlite_ctx.settings.ledger_id)
    assert refused.value.reason == "fork"
    assert sorted(receipts(sqlite_ctx)) == [0]  # nothing dropped
