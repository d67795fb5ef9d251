"""Reading back: events with their status, batches with receipts, and proof bundles.

A proof reads O(log n) hashes, whatever the store's size: the batch's upper
Merkle levels were stored when it was sealed (store.trees), and the bottom
levels are recomputed from the few leaves next to the event. Batches sealed
before those nodes were stored rebuild their tree from all their leaves
(cached, bounded LRU: sealed batches never change).
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, Engine, func, select

from ledger_proof import merkle
from ledger_proof.bundle import build_bundle
from ledger_proof.signing import ServiceKey
from ledger_proof.timefmt import us_text
from ledger_service.core.errors import NotFound
from ledger_service.store import trees
from ledger_service.store.fast import driver_rows
from ledger_service.store.tables import ANCHORS, BATCH_NODES, BATCHES, EVENTS

#: Header fields that name events: listed for platform and auditor keys only.
WITHHELD_HEADER_FIELDS = ("first_event", "last_event")

class _ProofEvent(NamedTuple):
    pos: int
    body: bytes | None
    salt: bytes | None
    commitment: bytes
    leaf_hash: bytes


class _ProofBatch(NamedTuple):
    seq: int
    header: str
    header_hash: str
    signature: str
    key_id: str
    size: int
    first_pos: int
    last_pos: int


_PROOF_EVENT = ("SELECT pos, body, salt, commitment, leaf_hash FROM events WHERE id = ?")
_PROOF_BATCH = ("SELECT seq, header, header_hash, signature, key_id, size, first_pos, last_pos "
                "FROM batches WHERE last_pos >= ? ORDER BY last_pos LIMIT 1")
_PROOF_NODES = "SELECT nodes FROM batch_nodes WHERE seq = ?"
_PROOF_BLOCK = "SELECT leaf_hash FROM events WHERE pos >= ? AND pos < ? ORDER BY pos"
_PROOF_ANCHORS = "SELECT receipt FROM anchors WHERE batch_seq = ? ORDER BY backend"

#: Trees kept for batches sealed without stored nodes (older stores only).
TREE_CACHE_SIZE = 64


def no_such_event(event_id: str) -> NotFound:
    """The one answer for an id that does not exist, and for an event the caller may not
    know exists (read_policy.related): the same bytes either way."""
    return NotFound(f"no event with id {event_id}", id=event_id)


def event_status(batch_seq: int | None, anchored: bool) -> str:
    if batch_seq is None:
        return "pending"
    return "anchored" if anchored else "sealed"


@dataclass(frozen=True)
class BatchTree:
    """A sealed batch's event positions (leaf order) and its Merkle tree levels."""

    positions: list[int]
    levels: list[list[bytes]]

    def leaf_index(self, pos: int) -> int:
        index = bisect.bisect_left(self.positions, pos)
        if index == len(self.positions) or self.positions[index] != pos:
            raise NotFound(f"position {pos} is not in this batch")
        return index


class TreeCache:
    """seq -> BatchTree, least recently used evicted."""

    def __init__(self, capacity: int = TREE_CACHE_SIZE) -> None:
        self.capacity = capacity
        self._items: OrderedDict[int, BatchTree] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, seq: int, load: Any) -> BatchTree:
        with self._lock:
            if seq in self._items:
                self._items.move_to_end(seq)
                return self._items[seq]
        positions, leaves = load()
        tree = BatchTree(positions, merkle.build_levels(leaves))
        with self._lock:
            self._items[seq] = tree
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return tree


class Reader:
    """Queries the API and CLI answer from."""

    def __init__(self, engine: Engine, key: ServiceKey) -> None:
        self.engine = engine
        self.key = key
        self.trees = TreeCache()

    def anchors_of(self, seqs: list[int], conn: Connection | None = None
                   ) -> dict[int, list[dict[str, Any]]]:
        if not seqs:
            return {}
        if conn is None:
            with self.engine.connect() as own:
                return self.anchors_of(seqs, own)
        out: dict[int, list[dict[str, Any]]] = {s: [] for s in seqs}
        rows = conn.execute(select(ANCHORS.c.batch_seq, ANCHORS.c.receipt)
                            .where(ANCHORS.c.batch_seq.in_(seqs))
                            .order_by(ANCHORS.c.batch_seq, ANCHORS.c.backend))
        for row in rows:
            out[row.batch_seq].append(orjson.loads(row.receipt))
        return out

    def event_row(self, event_id: str, conn: Connection | None = None) -> Any:
        if conn is None:
            with self.engine.connect() as own:
                return self.event_row(event_id, own)
        row = conn.execute(select(EVENTS).where(EVENTS.c.id == event_id)).first()
        if row is None:
            raise no_such_event(event_id)
        return row

    def event_row_at(self, seq: int, leaf_index: int) -> Any:
        """The event at leaf ``leaf_index`` of batch ``seq`` (batches are runs of positions)."""
        batch = self.batch_row(seq)
        if not 0 <= leaf_index < batch.size:
            raise NotFound(f"batch {seq} has no leaf {leaf_index}")
        with self.engine.connect() as conn:
            row = conn.execute(select(EVENTS).where(EVENTS.c.pos >= batch.first_pos)
                               .where(EVENTS.c.pos <= batch.last_pos).order_by(EVENTS.c.pos)
                               .offset(leaf_index).limit(1)).first()
        if row is None:
            raise NotFound(f"batch {seq} has no leaf {leaf_index}")
        return row

    def batch_of(self, pos: int, conn: Connection | None = None) -> Any:
        """The batch row covering an event position, or None while it is pending."""
        if conn is None:
            with self.engine.connect() as own:
                return self.batch_of(pos, own)
        row = conn.execute(select(BATCHES).where(BATCHES.c.last_pos >= pos)
                           .order_by(BATCHES.c.last_pos).limit(1)).first()
        return row if row is not None and row.first_pos <= pos else None

    def batches_covering(self, positions: Iterable[int]) -> dict[int, Any]:
        """pos -> batch row (None while pending) for many events with one query."""
        wanted = sorted(set(positions))
        if not wanted:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(select(BATCHES).where(BATCHES.c.last_pos >= wanted[0])
                                .where(BATCHES.c.first_pos <= wanted[-1])
                                .order_by(BATCHES.c.last_pos)).all()
        ends = [r.last_pos for r in rows]
        out: dict[int, Any] = {}
        for pos in wanted:
            i = bisect.bisect_left(ends, pos)
            out[pos] = rows[i] if i < len(rows) and rows[i].first_pos <= pos else None
        return out

    def tree(self, batch: Any) -> BatchTree:
        """The whole tree of a batch, rebuilt from its leaves (batches without stored nodes)."""
        return self.trees.get(batch.seq, lambda: self.leaves(batch))

    @staticmethod
    def _contiguous(batch: Any) -> bool:
        """Do the batch's positions run without gaps (always on SQLite; PostgreSQL
        sequences can skip values a rolled-back insert took)?"""
        return batch.last_pos - batch.first_pos + 1 == batch.size

    def leaf_index(self, batch: Any, pos: int, conn: Connection | None = None) -> int:
        """Where the event at ``pos`` sits among its batch's leaves."""
        if not batch.first_pos <= pos <= batch.last_pos:
            raise NotFound(f"position {pos} is not in batch {batch.seq}")
        if self._contiguous(batch):
            return pos - batch.first_pos
        if conn is None:
            with self.engine.connect() as own:
                return self.leaf_index(batch, pos, own)
        return conn.execute(select(func.count()).select_from(EVENTS)
                            .where(EVENTS.c.pos >= batch.first_pos)
                            .where(EVENTS.c.pos < pos)).scalar_one()

    def inclusion_path(self, conn: Connection, batch: Any, leaf_index: int) -> list[bytes]:
        """The audit path of one leaf: O(log n) stored hashes and one small block of leaves."""
        upper = conn.execute(select(BATCH_NODES.c.nodes)
                             .where(BATCH_NODES.c.seq == batch.seq)).scalar()
        if upper is None:
            return merkle.inclusion_path_from_levels(self.tree(batch).levels, leaf_index)
        start = trees.block_start(leaf_index)
        count = min(trees.BLOCK, batch.size - start)
        query = select(EVENTS.c.leaf_hash).order_by(EVENTS.c.pos)
        if self._contiguous(batch):
            query = (query.where(EVENTS.c.pos >= batch.first_pos + start)
                     .where(EVENTS.c.pos < batch.first_pos + start + count))
        else:
            query = (query.where(EVENTS.c.pos >= batch.first_pos)
                     .where(EVENTS.c.pos <= batch.last_pos).offset(start).limit(count))
        block = list(conn.execute(query).scalars())
        return trees.inclusion_path(batch.size, leaf_index, block, upper)

    def event(self, event_id: str) -> dict[str, Any]:
        """The event as the API shows it: committed body, status, batch, hashes."""
        with self.engine.connect() as conn:
            row = self.event_row(event_id, conn)
            batch = self.batch_of(row.pos, conn)
            anchors = (self.anchors_of([batch.seq], conn).get(batch.seq, [])
                       if batch is not None else [])
            return self.describe(row, batch, anchors, conn)

    def describe(self, row: Any, batch: Any, anchors: list[dict[str, Any]],
                 conn: Connection | None = None) -> dict[str, Any]:
        return {
            "id": row.id,
            "type": row.type,
            "enterprise_id": row.enterprise_id,
            "org": row.org,
            "status": event_status(None if batch is None else batch.seq, bool(anchors)),
            "batch": None if batch is None else
            {"seq": batch.seq, "leaf_index": self.leaf_index(batch, row.pos, conn)},
            "occurred_at": us_text(row.occurred_us),
            "recorded_at": us_text(row.recorded_us),
            "event": orjson.loads(row.body) if row.body is not None else None,
            "erased": row.body is None,
            "erasure": None if row.erased_us is None else
            {"erased_at": us_text(row.erased_us), "reason_code": row.erasure_reason},
            "commitment": row.commitment.hex(),
            "leaf_hash": row.leaf_hash.hex(),
        }

    def batch_row(self, seq: int) -> Any:
        with self.engine.connect() as conn:
            row = conn.execute(select(BATCHES).where(BATCHES.c.seq == seq)).first()
        if row is None:
            raise NotFound(f"no batch with seq {seq}", seq=seq)
        return row

    def batch(self, seq: int, with_events: bool = True) -> dict[str, Any]:
        row = self.batch_row(seq)
        return self._batch_dict(row, self.anchors_of([seq]).get(seq, []), with_events)

    @staticmethod
    def _batch_dict(row: Any, anchors: list[dict[str, Any]], with_events: bool = True
                    ) -> dict[str, Any]:
        """A batch as listed. ``with_events`` False withholds the header's first and last
        event ids (see the batches route): the header is then shown without them."""
        header = orjson.loads(row.header)
        out: dict[str, Any] = {"seq": row.seq, "header": header,
                               "header_hash": row.header_hash, "signature": row.signature,
                               "key_id": row.key_id, "anchors": anchors}
        if not with_events:
            for name in WITHHELD_HEADER_FIELDS:
                header.pop(name, None)
            out["withheld"] = [f"header.{name}" for name in WITHHELD_HEADER_FIELDS]
        return out

    def batches(self, after: int | None, limit: int, with_events: bool = True
                ) -> list[dict[str, Any]]:
        query = select(BATCHES).order_by(BATCHES.c.seq).limit(limit)
        if after is not None:
            query = query.where(BATCHES.c.seq > after)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        anchors = self.anchors_of([r.seq for r in rows])
        return [self._batch_dict(r, anchors.get(r.seq, []), with_events) for r in rows]

    def leaves(self, batch: Any) -> tuple[list[int], list[bytes]]:
        """Positions and leaf hashes of a batch's events, in leaf order."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(EVENTS.c.pos, EVENTS.c.leaf_hash)
                                .where(EVENTS.c.pos >= batch.first_pos)
                                .where(EVENTS.c.pos <= batch.last_pos)
                                .order_by(EVENTS.c.pos)).all()
        return [r.pos for r in rows], [r.leaf_hash for r in rows]

    def proof(self, event_id: str) -> dict[str, Any]:
        """The v1 proof bundle of a sealed event.

        The hot read of the API: five indexed lookups on one connection (one
        consistent snapshot), as SQL text handed to the driver.
        """
        with self.engine.connect() as conn:
            found = driver_rows(conn, _PROOF_EVENT, (event_id,))
            if not found:
                raise NotFound(f"no event with id {event_id}", id=event_id)
            row = _ProofEvent(*found[0])
            found = driver_rows(conn, _PROOF_BATCH, (row.pos,))
            if not found or found[0][6] > row.pos:
                raise NotFound(f"event {event_id} is pending: no batch holds it yet; retry "
                               "after the next seal", id=event_id, status="pending")
            batch = _ProofBatch(*found[0])
            leaf_index = self.leaf_index(batch, row.pos, conn)
            upper = driver_rows(conn, _PROOF_NODES, (batch.seq,))
            if upper and self._contiguous(batch):
                start = batch.first_pos + trees.block_start(leaf_index)
                end = min(start + trees.BLOCK, batch.last_pos + 1)  # a batch's last block
                block = [r[0] for r in driver_rows(conn, _PROOF_BLOCK, (start, end))]
                path = trees.inclusion_path(batch.size, leaf_index, block, bytes(upper[0][0]))
            else:
                path = self.inclusion_path(conn, batch, leaf_index)
            anchors = [orjson.loads(r[0])
                       for r in driver_rows(conn, _PROOF_ANCHORS, (batch.seq,))]
        return build_bundle(
            event=orjson.loads(row.body) if row.body is not None else None,
            salt=row.salt, commitment=row.commitment, leaf_hash=row.leaf_hash,
            leaf_index=leaf_index, tree_size=batch.size, path=path,
            header=orjson.loads(batch.header), header_hash_hex=batch.header_hash,
            signature=batch.signature, key_id=batch.key_id,
            public_key_b64=self.key.public_key_b64,
            anchors=anchors)
