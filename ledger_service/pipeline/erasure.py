"""Erasure: delete an event's payload and salt, keep its commitment and leaf.

DESIGN.md guarantee 5. The leaf hash stays in place, so every batch root,
every other event's inclusion path and every anchored header are untouched;
the erased event's own bundle (``event`` and ``salt`` null) still proves
that *something* was committed at that position, in that batch, at that
time. Without the salt the commitment cannot be opened or brute-forced
back into the payload.

The erasure itself is evidence: one ``event.erased`` event (enterprise of
the erased event, payload ``{event_id, reason_code}``, refs the erased
event) is recorded in the same transaction that deletes the payload, so the
ledger can later prove who erased what and when, and no erasure can happen
off the record. It holds no personal data: the reason is a code, and free
text stays out of the ledger. The event's org signature goes with the payload:
it signs the plaintext, unsalted, so it would let anyone test guesses at a
small payload.

What rests on the event outside the ledger (a credit certificate stating an
erased score) is withdrawn by the caller first: certificates sit above this
layer, so ``certificates.erasure.erase`` orchestrates both.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from ledger_proof.timefmt import us_text
from ledger_service.core.errors import Conflict, NotFound
from ledger_service.evidence.schemas import ERASURE_TYPE, EVENT_ADAPTER, MODEL_TYPE
from ledger_service.pipeline.intake import Recorder, Submission
from ledger_service.store.fast import write_transaction
from ledger_service.store.tables import EVENTS


class AlreadyErased(Conflict):
    """The event's payload was already erased."""

    code = "already_erased"


class NotErasable(Conflict):
    """Erasure records carry no personal data and are never erased themselves."""

    code = "not_erasable"


def erasure_event(enterprise_id: str, event_id: str, reason_code: str, occurred: datetime
                  ) -> dict[str, Any]:
    """The validated event.erased record for one erasure (validated like any intake)."""
    return EVENT_ADAPTER.validate_python({
        "type": ERASURE_TYPE, "enterprise_id": enterprise_id, "occurred_at": occurred,
        "refs": [event_id], "payload": {"event_id": event_id, "reason_code": reason_code}},
        context={"uscc_allowlist": (enterprise_id,)})


class Eraser:
    def __init__(self, engine: Engine, recorder: Recorder) -> None:
        self.engine = engine
        self.recorder = recorder

    @staticmethod
    def _row(conn: Connection, event_id: str) -> Any:
        """The event to erase; NotFound or NotErasable (not AlreadyErased: see check)."""
        row = conn.execute(select(EVENTS.c.id, EVENTS.c.type, EVENTS.c.enterprise_id,
                                  EVENTS.c.body, EVENTS.c.erased_us)
                           .where(EVENTS.c.id == event_id)).first()
        if row is None:
            raise NotFound(f"no event with id {event_id}", id=event_id)
        if row.type == ERASURE_TYPE:
            raise NotErasable("erasure records hold no personal data and stay", id=event_id)
        if row.type == MODEL_TYPE:
            # Every score citing it is recomputed against it; it holds no one's data.
            raise NotErasable("model registrations hold no personal data and stay: scores "
                              "are recomputed against them", id=event_id)
        return row

    def check(self, event_id: str) -> None:
        """Raise NotFound or NotErasable before anything is done about an erasure (what
        rests on the event is withdrawn first; an event already erased may still have
        something resting on it from before that was done, so that is not refused here)."""
        with self.engine.connect() as conn:
            self._row(conn, event_id)

    def erase(self, event_id: str, reason_code: str, org: str) -> dict[str, Any]:
        """Erase one event's payload, salt and org signature (a signature over the
        plaintext would let anyone test guesses at a small payload) and record the
        erasure, atomically."""
        now = datetime.now(UTC)
        with write_transaction(self.engine) as conn:
            row = self._row(conn, event_id)
            if row.body is None or row.erased_us is not None:
                raise AlreadyErased(f"event {event_id} is already erased", id=event_id)
            event = erasure_event(row.enterprise_id, event_id, reason_code, now)
            recorded = self.recorder.apply(conn, Submission(org, [event]))[0]
            erased_us = time.time_ns() // 1000
            conn.execute(update(EVENTS).where(EVENTS.c.id == event_id)
                         .values(body=None, salt=None, org_signature=None,
                                 erased_us=erased_us, erasure_reason=reason_code))
        return {"id": event_id, "erased": True,
                "erased_at": us_text(erased_us),
                "reason_code": reason_code,
                "erasure_event": {"id": recorded.id, "leaf_hash": recorded.leaf_hash,
                                  "status": recorded.status}}

    def erasure_record_of(self, event_id: str, enterprise_id: str) -> str | None:
        """The id of the event.erased that records this event's erasure, if any."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(EVENTS.c.id, EVENTS.c.refs)
                                .where(EVENTS.c.enterprise_id == enterprise_id)
                                .where(EVENTS.c.type == ERASURE_TYPE)
                                .where(EVENTS.c.refs.contains(event_id))).all()
        return rows[0].id if rows else None
