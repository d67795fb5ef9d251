"""An enterprise's trail: its events in recording order, paged, filtered, with status.

Pages are keyed by event position (the order the ledger recorded them, which
is also leaf order), so a page is one indexed range scan on
(enterprise_id, pos) and the cursor stays valid while new events arrive. The
cursor is opaque to clients; today it encodes the last position served.

Each event carries the verdict of its provenance (the rules over it and what it
rests on, as the provenance endpoint judges them, without rebuilding proofs), so
a step recorded in breach of the rules (a bank without consent, another bank's
loan, a stale score) is marked wherever the trail shows it.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ledger_proof.timefmt import to_us
from ledger_service.core.errors import InvalidInput
from ledger_service.pipeline.reader import Reader
from ledger_service.provenance.graph import Provenance, ScoreAges
from ledger_service.store.tables import EVENTS

MAX_PAGE = 1000
_CURSOR_PREFIX = "pos:"
#: Positions are signed 64-bit integers on every database.
MAX_POSITION = 2**63 - 1


def encode_cursor(pos: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{pos}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith(_CURSOR_PREFIX):
            raise ValueError(text)
        pos = int(text[len(_CURSOR_PREFIX):])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor is not one this service issued", cursor=cursor) from None
    if not 0 <= pos <= MAX_POSITION:
        raise InvalidInput("cursor is not one this service issued", cursor=cursor)
    return pos


@dataclass(frozen=True)
class TrailQuery:
    """Filters of one trail request; ``types`` None means every type."""

    enterprise_id: str
    types: frozenset[str] | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
    cursor: str | None = None
    limit: int = 100


def trail_page(reader: Reader, query: TrailQuery, ages: ScoreAges | None = None
               ) -> dict[str, Any]:
    """One page of the trail: events (as GET /v1/events/{id} shows them, plus the verdict
    of each one's provenance: ``provenance.verdict`` and the failing rules' codes) and the
    next cursor.

    ``occurred_from`` is inclusive and ``occurred_to`` exclusive, so adjacent
    windows neither overlap nor leave gaps.
    """
    if not 1 <= query.limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", limit=query.limit)
    stmt = (select(EVENTS).where(EVENTS.c.enterprise_id == query.enterprise_id)
            .order_by(EVENTS.c.pos).limit(query.limit + 1))
    if query.cursor:
        stmt = stmt.where(EVENTS.c.pos > decode_cursor(query.cursor))
    if query.types is not None:
        if not query.types:
            return {"enterprise_id": query.enterprise_id, "events": [], "next_cursor": None}
        stmt = stmt.where(EVENTS.c.type.in_(sorted(query.types)))
    if query.occurred_from is not None:
        stmt = stmt.where(EVENTS.c.occurred_us >= to_us(query.occurred_from))
    if query.occurred_to is not None:
        stmt = stmt.where(EVENTS.c.occurred_us < to_us(query.occurred_to))
    with reader.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    batches = reader.batches_covering(r.pos for r in rows)
    seqs = sorted({b.seq for b in batches.values() if b is not None})
    anchors = reader.anchors_of(seqs)
    marks = Provenance(reader, ages).marks(query.enterprise_id, rows) if rows else {}
    events = []
    for row in rows:
        batch = batches[row.pos]
        event = reader.describe(row, batch, [] if batch is None else anchors.get(batch.seq, []))
        event["provenance"] = marks[row.id]
        events.append(event)
    return {"enterprise_id": query.enterprise_id, "events": events,
            "next_cursor": encode_cursor(rows[-1].pos) if more else None}
