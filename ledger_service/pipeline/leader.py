"""Leadership among processes sharing one database (one sealer, one anchorer per ledger)."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)

#: Arbitrary constant naming the sealing lock among PostgreSQL advisory locks.
ADVISORY_LOCK_KEY = 0x4C45444745520001


class LeaderLock:
    """Leadership among processes sharing one database.

    PostgreSQL: a session advisory lock, released by the server when the
    holder's connection dies. SQLite: an exclusive flock on a file beside the
    database, released by the kernel when the holder dies. Either way a
    crashed leader is replaced without anyone having to notice the crash.
    """

    def __init__(self, engine: Engine, key: int = ADVISORY_LOCK_KEY, what: str = "sealing"
                 ) -> None:
        self.engine = engine
        self.key = key
        self.what = what
        self._conn: Connection | None = None
        self._fd: int | None = None

    def hold(self) -> bool:
        """True while this process leads; tries to (re)acquire when it does not."""
        if self.engine.dialect.name == "sqlite":
            return self._hold_file()
        try:
            if self._conn is not None:
                self._conn.execute(text("SELECT 1"))
                return True
            conn = self.engine.connect()
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                               {"k": self.key}).scalar()
            conn.commit()
            if got:
                self._conn = conn
                log.info("acquired the %s lock; this process leads", self.what)
                return True
            conn.close()
            return False
        except OperationalError:
            self.release()
            return False

    def _hold_file(self) -> bool:
        if self._fd is not None:
            return True
        database = self.engine.url.database
        if not database or database == ":memory:":
            return True
        fd = os.open(f"{database}-{self.what.replace(' ', '-')}.lock", os.O_RDWR | os.O_CREAT,
                     0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        log.info("acquired the %s lock; this process leads", self.what)
        return True

    def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # the connection may already be gone
                self._conn.invalidate()
            self._conn = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
