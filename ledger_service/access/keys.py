"""API keys and registered organizations.

Keys are random 32-byte tokens shown once; only their SHA-256 is stored, so a
leaked database does not leak usable credentials. A key names a role and the
org it acts for; the org is what goes into every event it records.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert, select, update

from ledger_service.access.rotation import RotationWatch, schedule
from ledger_service.core.errors import InvalidInput, NotFound, Unauthorized
from ledger_service.store import generation
from ledger_service.store.fast import write_transaction
from ledger_service.store.generation import GenerationCache, GenerationReader
from ledger_service.store.tables import API_KEYS

ROLES = ("platform", "bank", "enterprise", "auditor")
KEY_PREFIX = "lk_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the role and org of a valid API key."""

    key_id: int
    role: str
    org: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now_us() -> int:
    return time.time_ns() // 1000


def _listed(row: Any) -> dict[str, Any]:
    return {"id": row.id, "prefix": row.prefix, "role": row.role, "org": row.org,
            "label": row.label, "created_us": row.created_us,
            "revoked": row.revoked_us is not None, "revoked_us": row.revoked_us}


class KeyStore:
    """API keys. ``authenticate`` answers from memory: live keys are cached per process
    and the whole cache is dropped whenever the security generation moves (every
    revocation bumps it in the revoking transaction), so a revoked key is refused
    on the next request in every process."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.rotations = RotationWatch(engine)
        #: The security generation; a request reads it once (``generation.read()``) and
        #: hands the value to every cache it consults (keys here, org rules in intake).
        self.generation = GenerationReader(engine)
        self._live = GenerationCache[str, Principal](self.generation)

    def create(self, role: str, org: str, label: str | None = None) -> tuple[int, str]:
        """A new key; returns (id, token). The token is never stored."""
        if role not in ROLES:
            raise InvalidInput(f"role must be one of {', '.join(ROLES)}", role=role)
        if not org or len(org) > 128:
            raise InvalidInput("org must be 1 to 128 characters")
        token = KEY_PREFIX + secrets.token_urlsafe(32)
        with write_transaction(self.engine) as conn:
            result = conn.execute(insert(API_KEYS).values(
                key_hash=_hash(token), prefix=token[:10], role=role, org=org, label=label,
                created_us=_now_us()))
            key_id = result.inserted_primary_key[0]
        return int(key_id), token

    def authenticate(self, token: str | None, generation: int | None = None) -> Principal:
        """The live key's principal; ``generation``: the security generation this request
        read (``self.generation.read()``), else it is read here."""
        if not token:
            raise Unauthorized("missing bearer API key")
        key_hash = _hash(token)
        principal = self._live.get(key_hash, lambda: self._load(key_hash), generation)
        self.rotations.seen(principal.key_id)
        return principal

    def _load(self, key_hash: str) -> Principal:
        """The live key with this hash from the database (unknown and revoked keys raise)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(API_KEYS.c.id, API_KEYS.c.role, API_KEYS.c.org,
                                      API_KEYS.c.revoked_us)
                               .where(API_KEYS.c.key_hash == key_hash)).first()
        if row is None:
            raise Unauthorized("unknown API key")
        if row.revoked_us is not None:
            raise Unauthorized("this API key was revoked")
        return Principal(row.id, row.role, row.org)

    def rotate(self, key_id: int, *, revoke_old: bool = False,
               revoke_old_on_first_use: bool = False) -> tuple[int, str]:
        """A new key for the same role and org as live key key_id; returns (id, token).

        See key_rotation for how the old key is retired without downtime.
        """
        with self.engine.connect() as conn:
            old = conn.execute(select(API_KEYS).where(API_KEYS.c.id == key_id)
                               .where(API_KEYS.c.revoked_us.is_(None))).first()
        if old is None:
            raise NotFound(f"no live API key with id {key_id}")
        label = f"rotated from key {key_id}" + (f": {old.label}" if old.label else "")
        new_id, token = self.create(old.role, old.org, label[:200])
        if revoke_old:
            self.revoke(key_id)
        elif revoke_old_on_first_use:
            schedule(self.engine, new_id, key_id)
            self.rotations.invalidate()
        return new_id, token

    def list(self) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(API_KEYS).order_by(API_KEYS.c.id)).all()
        return [_listed(r) for r in rows]

    def get(self, key_id: int) -> dict:
        """One key's listing row (never its token, which is not stored)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(API_KEYS).where(API_KEYS.c.id == key_id)).first()
        if row is None:
            raise NotFound(f"no API key with id {key_id}")
        return _listed(row)

    def revoke(self, key_id: int) -> None:
        with write_transaction(self.engine) as conn:
            done = conn.execute(update(API_KEYS).where(API_KEYS.c.id == key_id)
                                .where(API_KEYS.c.revoked_us.is_(None))
                                .values(revoked_us=_now_us()))
            if done.rowcount:
                generation.bump(conn)  # every process's key cache drops it at once
        if done.rowcount == 0:
            raise NotFound(f"no live API key with id {key_id}")
