"""Sealing pending events into signed, hash-chained Merkle batches.

A batch is a run of consecutive event positions, starting right after the
previous batch's last one. A seal is one transaction: read the next run of
visible events, build the tree, sign the header, insert one batch row. If
anything else sealed meanwhile (a second process that also believed it led),
the batch's primary key or the unique last position refuses the row and the
transaction rolls back, so an event lands in exactly one batch, ever.

On PostgreSQL one process leads, holding a session advisory lock; the others
wait and take over when its connection dies (DESIGN.md, Scale).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from ledger_proof import merkle
from ledger_proof.headers import GENESIS_PREV_HASH, header_bytes, header_hash, make_header
from ledger_proof.signing import ServiceKey
from ledger_proof.timefmt import us_text
from ledger_service.core.config import Settings
from ledger_service.core.metrics import (
    BATCHER_LEADER,
    BATCHES_SEALED,
    EVENTS_SEALED,
    PENDING_EVENTS,
)
from ledger_service.pipeline.leader import LeaderLock
from ledger_service.store.fast import driver_rows, visible_watermark, write_transaction
from ledger_service.store.tables import BATCH_NODES, BATCHES, EVENTS
from ledger_service.store.trees import pack_upper

log = logging.getLogger(__name__)

class _Pending(NamedTuple):
    pos: int
    id: str
    leaf_hash: bytes


class SealConflict(Exception):
    """Another sealer claimed these events or this sequence first; nothing was written."""


@dataclass(frozen=True)
class Sealed:
    seq: int
    size: int
    header_hash: str


def sealed_upto(conn: Connection) -> int:
    """The last event position any batch covers (0 before the first seal)."""
    return conn.execute(select(func.coalesce(func.max(BATCHES.c.last_pos), 0))).scalar_one()


class Sealer:
    """Seals batches; safe to call from several threads or processes."""

    def __init__(self, engine: Engine, key: ServiceKey, settings: Settings) -> None:
        self.engine = engine
        self.key = key
        self.settings = settings

    def due(self) -> bool:
        """Is a batch due: enough pending events, or the oldest waited long enough?"""
        limit = self.settings.batch_max_events
        with self.engine.connect() as conn:
            upto = sealed_upto(conn)
            oldest = conn.execute(select(EVENTS.c.recorded_us).where(EVENTS.c.pos > upto)
                                  .order_by(EVENTS.c.pos).limit(1)).scalar()
            if oldest is None:
                PENDING_EVENTS.set(0)
                return False
            sub = select(EVENTS.c.pos).where(EVENTS.c.pos > upto).limit(limit).subquery()
            count = conn.execute(select(func.count()).select_from(sub)).scalar_one()
        PENDING_EVENTS.set(count)
        age = time.time() - oldest / 1_000_000
        return count >= limit or age >= self.settings.batch_max_seconds

    def seal_once(self) -> Sealed | None:
        """Seal up to batch_max_events pending events now; None when nothing is pending."""
        try:
            with write_transaction(self.engine) as conn:
                return self._seal(conn)
        except IntegrityError as exc:
            raise SealConflict(f"another sealer won: {exc.orig}") from None

    def _seal(self, conn: Connection) -> Sealed | None:
        last = conn.execute(select(BATCHES.c.seq, BATCHES.c.header_hash, BATCHES.c.last_pos)
                            .order_by(BATCHES.c.seq.desc()).limit(1)).first()
        after = 0 if last is None else last.last_pos
        watermark = visible_watermark(conn)
        # Straight from the driver: a Core result row per event cost more than hashing it.
        rows = [_Pending(*r) for r in driver_rows(
            conn, "SELECT pos, id, leaf_hash FROM events WHERE pos > ? AND pos <= ? "
                  "ORDER BY pos LIMIT ?", (after, watermark, self.settings.batch_max_events))]
        if not rows:
            return None
        seq = 0 if last is None else last.seq + 1
        prev = GENESIS_PREV_HASH if last is None else last.header_hash
        levels = merkle.build_levels([bytes(r.leaf_hash) for r in rows])
        root = levels[-1][0].hex()
        now_us = time.time_ns() // 1000
        header = make_header(ledger_id=self.settings.ledger_id, seq=seq, prev_header_hash=prev,
                             merkle_root=root, size=len(rows), first_event=rows[0].id,
                             last_event=rows[-1].id,
                             sealed_at=us_text(now_us))
        hh = header_hash(header)
        conn.execute(insert(BATCHES).values(
            seq=seq, header=header_bytes(header).decode(), header_hash=hh,
            signature=self.key.sign(header_bytes(header)), key_id=self.key.key_id,
            merkle_root=root, size=len(rows), first_pos=rows[0].pos, last_pos=rows[-1].pos,
            sealed_us=now_us))
        conn.execute(insert(BATCH_NODES).values(seq=seq, nodes=pack_upper(levels)))
        BATCHES_SEALED.inc()
        EVENTS_SEALED.inc(len(rows))
        return Sealed(seq, len(rows), hh)

    def seal_all(self) -> list[Sealed]:
        """Seal until nothing is pending (used by the demo, tests and shutdown)."""
        sealed = []
        while (batch := self.seal_once()) is not None:
            sealed.append(batch)
        return sealed


class BatcherThread(threading.Thread):
    """Background loop inside `ledger serve`: seal whenever a batch is due."""

    def __init__(self, sealer: Sealer, poll_seconds: float = 0.05) -> None:
        super().__init__(name="batcher", daemon=True)
        self.sealer = sealer
        self.poll = poll_seconds
        self.lock = LeaderLock(sealer.engine)
        self.stopping = threading.Event()
        self.wakeup = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            leader = self.lock.hold()
            BATCHER_LEADER.set(1 if leader else 0)
            try:
                if leader and self.sealer.due():
                    self.sealer.seal_once()
                    continue  # more may be due right away
            except SealConflict as exc:
                log.warning("batcher: %s", exc)
            except Exception:
                log.exception("batcher: seal failed; retrying")
                time.sleep(1)
            self.wakeup.wait(self.poll if leader else 1.0)
            self.wakeup.clear()
        self.lock.release()
        BATCHER_LEADER.set(0)

    def stop(self) -> None:
        self.stopping.set()
        self.wakeup.set()
