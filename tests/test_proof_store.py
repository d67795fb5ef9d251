"""Proofs from stored Merkle nodes: the same bundles as a tree rebuilt from all leaves.

The reader serves inclusion paths from each batch's stored upper levels plus a
block of neighbouring leaves (store.trees); batches sealed before those nodes
existed fall back to rebuilding the tree. Both must give byte-identical
bundles, also when a batch's positions have gaps (PostgreSQL sequences skip
values a rolled-back insert took).
"""

from __future__ import annotations

import random

import orjson
from sqlalchemy import delete, select

from ledger_proof import merkle
from ledger_proof.bundle import verify_bundle
from ledger_service.evidence.schemas import BULK_ADAPTER
from ledger_service.evidence.story import ENTERPRISES, score_event
from ledger_service.pipeline.reader import Reader
from ledger_service.runtime.context import LedgerContext
from ledger_service.store.tables import BATCH_NODES, BATCHES, EVENTS


def _record(ctx: LedgerContext, count: int) -> list[str]:
    events = [score_event(ENTERPRISES[i % 3].uscc, i % 1000, "BBB", (1, 2, 3), hours=i / 100)
              for i in range(count)]
    validated = BULK_ADAPTER.validate_json(orjson.dumps({"events": events}))["events"]
    return [r.id for r in ctx.recorder.record("platform-org", validated)]


def _reference_inclusion(ctx: LedgerContext, event_id: str) -> dict:
    """leaf_index, tree_size and path computed from scratch from the batch's leaves."""
    with ctx.engine.connect() as conn:
        pos = conn.execute(select(EVENTS.c.pos).where(EVENTS.c.id == event_id)).scalar_one()
        batch = conn.execute(select(BATCHES).where(BATCHES.c.first_pos <= pos)
                             .where(BATCHES.c.last_pos >= pos)).one()
        rows = conn.execute(select(EVENTS.c.pos, EVENTS.c.leaf_hash)
                            .where(EVENTS.c.pos.between(batch.first_pos, batch.last_pos))
                            .order_by(EVENTS.c.pos)).all()
    index = [r.pos for r in rows].index(pos)
    return {"leaf_index": index, "tree_size": len(rows),
            "hashes": [h.hex() for h in merkle.inclusion_path([r.leaf_hash for r in rows],
                                                              index)]}


def test_stored_node_proofs_equal_rebuilt_proofs(ctx: LedgerContext) -> None:
    # A batch whose last 16-leaf block is cut short, with later events right after it.
    ids = _record(ctx, 49)
    assert [b.size for b in ctx.sealer.seal_all()] == [50]  # with the model's registration
    ids += _record(ctx, 700)
    # A gap inside the next batch: two events recorded, the first one removed again.
    gap_ids = _record(ctx, 2)
    with ctx.engine.begin() as conn:
        conn.execute(delete(EVENTS).where(EVENTS.c.id == gap_ids[0]))
    ids += [gap_ids[1], *_record(ctx, 1500)]
    sealed = ctx.sealer.seal_all()
    assert [b.size for b in sealed] == [1024, 1024, 153]

    with ctx.engine.connect() as conn:
        batches = conn.execute(select(BATCHES).order_by(BATCHES.c.seq)).all()
    assert any(b.last_pos - b.first_pos + 1 != b.size for b in batches)  # the gap

    sample = [*random.Random(7).sample(ids, 120), *ids[:3], *ids[45:53], *ids[-3:], gap_ids[1]]
    stored = {i: ctx.reader.proof(i) for i in sample}
    for event_id, bundle in stored.items():
        assert bundle["inclusion"] == _reference_inclusion(ctx, event_id)
        assert verify_bundle(bundle, pinned_keys={ctx.key.key_id: ctx.key.public_key_b64}).valid
        described = ctx.reader.event(event_id)["batch"]
        assert described["leaf_index"] == bundle["inclusion"]["leaf_index"]

    # A store sealed before nodes were kept: the fallback rebuild gives the same bytes.
    with ctx.engine.begin() as conn:
        conn.execute(delete(BATCH_NODES))
    legacy = Reader(ctx.engine, ctx.key)
    for event_id, bundle in stored.items():
        assert orjson.dumps(legacy.proof(event_id)) == orjson.dumps(bundle)


def test_sealing_stores_the_upper_levels_of_each_batch(ctx: LedgerContext) -> None:
    _record(ctx, 1100)
    ctx.sealer.seal_all()
    with ctx.engine.connect() as conn:
        stored = dict(conn.execute(select(BATCH_NODES.c.seq, BATCH_NODES.c.nodes)).all())
        sizes = dict(conn.execute(select(BATCHES.c.seq, BATCHES.c.size)).all())
    assert set(stored) == set(sizes) == {0, 1}
    # 1024 leaves: levels of 64, 32, ..., 1 nodes above the 16-leaf blocks.
    assert len(stored[0]) == 32 * (64 + 32 + 16 + 8 + 4 + 2 + 1)
    assert len(stored[1]) == 32 * (5 + 3 + 2 + 1)  # 76 leaves
