"""Certificate records, status-list slots and revocation bits, in the service's kv table.

The kv table already exists on SQLite and PostgreSQL; certificates are few
(one per enterprise per rating) and always read by id, so rows there avoid a
schema migration while the certificate shape settles. Slot allocation uses
the primary key as the lock: a slot is claimed by inserting ``cert.slot.<n>``,
and a concurrent issuer that loses the race gets an IntegrityError and tries
the next slot, on either database and across processes.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from ledger_service.core.errors import Conflict, NotFound
from ledger_service.store.fast import write_transaction
from ledger_service.store.tables import KV

RECORD = "cert.record."
SLOT = "cert.slot."
REVOKED = "cert.revoked."
NEXT = "cert.next_slot"


class SlotsExhausted(RuntimeError):
    """No free status-list slot was found after many attempts."""


class CertificateStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _get(self, key: str) -> Any:
        with self.engine.connect() as conn:
            value = conn.execute(select(KV.c.value).where(KV.c.key == key)).scalar()
        return None if value is None else orjson.loads(value)

    def _put(self, key: str, value: Any) -> None:
        text = orjson.dumps(value).decode()
        with write_transaction(self.engine) as conn:
            done = conn.execute(update(KV).where(KV.c.key == key).values(value=text))
            if done.rowcount == 0:
                conn.execute(insert(KV).values(key=key, value=text))

    def _claim(self, key: str, value: Any) -> bool:
        try:
            with write_transaction(self.engine) as conn:
                conn.execute(insert(KV).values(key=key, value=orjson.dumps(value).decode()))
            return True
        except IntegrityError:
            return False

    def claim_slot(self, certificate_id: str, attempts: int = 1000) -> int:
        """A status-list index no other certificate holds (also the certificate's serial)."""
        start = int(self._get(NEXT) or 0)
        for index in range(start, start + attempts):
            if self._claim(f"{SLOT}{index}", certificate_id):
                self._put(NEXT, index + 1)
                return index
        raise SlotsExhausted(f"no free status-list slot in {start}..{start + attempts}")

    def save(self, record: dict[str, Any]) -> None:
        self._put(RECORD + record["id"], record)

    def get(self, certificate_id: str) -> dict[str, Any]:
        record = self._get(RECORD + certificate_id)
        if record is None:
            raise NotFound(f"no certificate {certificate_id}", id=certificate_id)
        return record

    def update(self, certificate_id: str,
               change: Callable[[dict[str, Any]], dict[str, Any] | None],
               attempts: int = 50) -> dict[str, Any]:
        """Apply change to the stored record atomically: compare-and-set on the stored text,
        retried when another writer (process) got there first. ``change`` gets a copy of
        the current record and returns the new one, or None to leave it as it is; the
        record as stored afterwards is returned. Every change after the first save goes
        through here, so no writer overwrites another's (issuance finishing, revocation,
        recovery, erasure)."""
        key = RECORD + certificate_id
        for _ in range(attempts):
            with self.engine.connect() as conn:
                text = conn.execute(select(KV.c.value).where(KV.c.key == key)).scalar()
            if text is None:
                raise NotFound(f"no certificate {certificate_id}", id=certificate_id)
            current = orjson.loads(text)
            changed = change(copy.deepcopy(current))
            if changed is None:
                return current
            with write_transaction(self.engine) as conn:
                done = conn.execute(update(KV).where(KV.c.key == key).where(KV.c.value == text)
                                    .values(value=orjson.dumps(changed).decode()))
            if done.rowcount == 1:
                return changed
        raise Conflict(f"certificate {certificate_id} kept changing; retry",
                       id=certificate_id)

    def records(self) -> list[dict[str, Any]]:
        """Every certificate record (certificates are few: one per rating)."""
        with self.engine.connect() as conn:
            values = conn.execute(select(KV.c.value)
                                  .where(KV.c.key.like(f"{RECORD}%"))).scalars().all()
        return [orjson.loads(v) for v in values]

    def resting_on(self, event_id: str) -> list[dict[str, Any]]:
        """The records of certificates that state this score event."""
        with self.engine.connect() as conn:
            values = conn.execute(
                select(KV.c.value).where(KV.c.key.like(f"{RECORD}%"))
                .where(KV.c.value.contains(f'"score_event":"{event_id}"', autoescape=True))
            ).scalars().all()
        return [r for r in map(orjson.loads, values) if r["score_event"] == event_id]

    def records_of(self, enterprise_id: str) -> list[dict[str, Any]]:
        """Every certificate record of one enterprise, newest first.

        Certificates are few per enterprise (one per rating), so a scan of the
        record keys is cheap; the order is issuance time, then id, so pages are stable.
        """
        with self.engine.connect() as conn:
            values = conn.execute(select(KV.c.value)
                                  .where(KV.c.key.like(f"{RECORD}%"))).scalars().all()
        records = [r for r in map(orjson.loads, values) if r.get("enterprise_id") == enterprise_id]
        records.sort(key=lambda r: (r["issued_at"], r["id"]), reverse=True)
        return records

    def mark_revoked(self, index: int, certificate_id: str) -> None:
        self._claim(f"{REVOKED}{index}", certificate_id)

    def revoked_indexes(self) -> list[int]:
        with self.engine.connect() as conn:
            keys = conn.execute(select(KV.c.key).where(KV.c.key.like(f"{REVOKED}%"))).scalars()
            return sorted(int(k[len(REVOKED):]) for k in keys)
