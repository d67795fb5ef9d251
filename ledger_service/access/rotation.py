"""API key rotation without downtime.

``ledger keys rotate ID`` creates a second live key for the same role and org;
both work while clients switch over, so no request is refused mid-rollout.
The old key then goes away in one of three ways:

- ``--revoke-old``: at once (a leaked key: downtime is the lesser evil);
- ``--revoke-old-on-first-use``: the first time the *new* key authenticates,
  the service revokes the old one: the rollout itself ends the overlap;
- neither: the operator runs ``ledger keys revoke OLD_ID`` when done.

Pending "revoke on first use" rotations live in the kv table
(``key_rotation:<new id>`` -> old id). The API checks them without a query
per request: it keeps the set of pending new-key ids in memory and refreshes
it every few seconds, so a rotation made by the CLI in another process takes
effect within that interval.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine, delete, select, update

from ledger_service.store import generation
from ledger_service.store.fast import write_transaction
from ledger_service.store.tables import API_KEYS, KV

PREFIX = "key_rotation:"
REFRESH_SECONDS = 5.0


def schedule(engine: Engine, new_id: int, old_id: int) -> None:
    """Revoke old_id when new_id is first used (kv entry, picked up by RotationWatch)."""
    from ledger_service.store import kv

    kv.put(engine, f"{PREFIX}{new_id}", old_id)


class RotationWatch:
    """In-memory view of pending rotations; finishes one when its new key shows up."""

    def __init__(self, engine: Engine, refresh_seconds: float = REFRESH_SECONDS) -> None:
        self.engine = engine
        self.refresh_seconds = refresh_seconds
        self._pending: frozenset[int] = frozenset()
        self._loaded_at = float("-inf")
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        with self.engine.connect() as conn:
            keys = conn.execute(select(KV.c.key).where(KV.c.key.like(f"{PREFIX}%"))).scalars()
            self._pending = frozenset(int(k[len(PREFIX):]) for k in keys)
        self._loaded_at = time.monotonic()

    def invalidate(self) -> None:
        """Reload on next use (this process scheduled a rotation itself)."""
        self._loaded_at = float("-inf")

    def seen(self, key_id: int) -> None:
        """Called on every successful authentication; cheap unless a rotation is pending."""
        if time.monotonic() - self._loaded_at > self.refresh_seconds:
            with self._lock:
                if time.monotonic() - self._loaded_at > self.refresh_seconds:
                    self._refresh()
        if key_id in self._pending:
            self.finish(key_id)

    def finish(self, new_id: int) -> int | None:
        """Revoke the old key of new_id's rotation; returns its id (None if none pending)."""
        name = f"{PREFIX}{new_id}"
        with write_transaction(self.engine) as conn:
            old_id = conn.execute(select(KV.c.value).where(KV.c.key == name)).scalar()
            if old_id is not None:
                conn.execute(update(API_KEYS).where(API_KEYS.c.id == int(old_id))
                             .where(API_KEYS.c.revoked_us.is_(None))
                             .values(revoked_us=time.time_ns() // 1000))
                generation.bump(conn)  # key caches in every process drop the old key
                conn.execute(delete(KV).where(KV.c.key == name))
        with self._lock:
            self._pending = self._pending - {new_id}
        return None if old_id is None else int(old_id)
