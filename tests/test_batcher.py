"""Sealing: contiguous hash-chained batches, each event in exactly one, under concurrency."""

from __future__ import annotations

import threading

import orjson
from sqlalchemy import func, select

from ledger_proof import merkle
from ledger_proof.headers import GENESIS_PREV_HASH, header_bytes, header_hash
from ledger_proof.signing import verify
from ledger_service.evidence.story import ENTERPRISES, score_event
from ledger_service.pipeline.batcher import SealConflict
from ledger_service.runtime.context import LedgerContext
from ledger_service.store.tables import BATCHES, EVENTS

from .conftest import Api

E1 = ENTERPRISES[0].uscc


def check_chain(ctx: LedgerContext) -> int:
    """Every invariant a sealed ledger must hold; returns the number of batches."""
    with ctx.engine.connect() as conn:
        batches = conn.execute(select(BATCHES).order_by(BATCHES.c.seq)).all()
        prev, prev_last = GENESIS_PREV_HASH, 0
        for expected_seq, b in enumerate(batches):
            header = orjson.loads(b.header)
            assert b.seq == expected_seq
            assert header["prev_header_hash"] == prev
            assert header_hash(header) == b.header_hash
            verify(ctx.key.public_key_b64, header_bytes(header), b.signature)
            assert b.first_pos == prev_last + 1
            leaves = conn.execute(select(EVENTS.c.leaf_hash, EVENTS.c.id)
                                  .where(EVENTS.c.pos >= b.first_pos)
                                  .where(EVENTS.c.pos <= b.last_pos)
                                  .order_by(EVENTS.c.pos)).all()
            assert len(leaves) == header["size"] == b.size
            assert (leaves[0].id, leaves[-1].id) == (header["first_event"], header["last_event"])
            assert merkle.root([r.leaf_hash for r in leaves]).hex() == header["merkle_root"]
            prev, prev_last = b.header_hash, b.last_pos
        pending = conn.execute(select(func.count()).select_from(EVENTS)
                               .where(EVENTS.c.pos > prev_last)).scalar_one()
        assert pending == 0
    return len(batches)


def test_seals_by_size_and_age(api: Api) -> None:
    ctx = api.ctx
    ctx.settings.batch_max_events = 4
    ctx.settings.batch_max_seconds = 3600
    # Three pending with the reference model's registration.
    api.post("/v1/events/bulk", "platform", {"events": [score_event(E1, 1, "C", (1, 1, 1))] * 2})
    assert not ctx.sealer.due()
    api.record("platform", score_event(E1, 2, "C", (1, 1, 1)))
    assert ctx.sealer.due()
    assert ctx.sealer.seal_once().size == 4
    api.record("platform", score_event(E1, 3, "C", (1, 1, 1)))
    assert not ctx.sealer.due()
    ctx.settings.batch_max_seconds = 0.001
    assert ctx.sealer.due()
    assert ctx.sealer.seal_once().size == 1
    assert ctx.sealer.seal_once() is None
    assert check_chain(ctx) == 2


def test_concurrent_sealers_never_double_seal(api: Api) -> None:
    ctx = api.ctx
    ctx.settings.batch_max_events = 7
    for _ in range(10):
        api.post("/v1/events/bulk", "platform",
                 {"events": [score_event(E1, 5, "C", (1, 1, 1))] * 20})
    conflicts = []

    def sealer() -> None:
        while True:
            try:
                if ctx.sealer.seal_once() is None:
                    return
            except SealConflict:
                conflicts.append(1)

    threads = [threading.Thread(target=sealer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert check_chain(ctx) == -(-200 // 7)
