"""A change counter for facts every process must see at once: API keys revoked, org keys.

Authentication and signature checks run on every request; a database query
each time for facts that almost never change cost more than the rest of a
single-event request's checks together. Processes cache those facts in
memory instead and ask one question per use: has anything changed? Every
write that revokes a key or changes an org's signing rules bumps this counter
in the same transaction (``bump``); a cache compares the counter (``read``,
about 4 µs on a connection the thread keeps) and drops everything when it
moved. A revocation therefore takes effect on the very next request, in every
process, as it did when each request queried the keys table.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import Connection, Engine

KEY = "security_generation"
_READ = "SELECT value FROM kv WHERE key = ?"


def bump(conn: Connection) -> None:
    """Advance the counter inside the caller's write transaction."""
    sql = "UPDATE kv SET value = ? WHERE key = ?"
    read = _READ
    if conn.dialect.name != "sqlite":
        sql, read = sql.replace("?", "%s"), read.replace("?", "%s")
    row = conn.exec_driver_sql(read, (KEY,)).first()
    value = orjson.dumps((orjson.loads(row[0]) if row else 0) + 1).decode()
    if row:
        conn.exec_driver_sql(sql, (value, KEY))
    else:
        insert = "INSERT INTO kv (key, value) VALUES (?, ?)"
        if conn.dialect.name != "sqlite":
            insert = insert.replace("?", "%s")
        conn.exec_driver_sql(insert, (KEY, value))


class GenerationReader:
    """Reads the counter on a driver connection of the calling thread's own, in autocommit
    mode, so each read sees the latest commit and costs one indexed lookup."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._local = threading.local()
        self._sql = _READ if engine.dialect.name == "sqlite" else _READ.replace("?", "%s")

    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self.engine.raw_connection()
            if self.engine.dialect.name != "sqlite":
                conn.driver_connection.autocommit = True
            # Out of the pool for good: when its thread ends, this autocommit connection
            # is closed, never handed to a writer (whose savepoints would then fail).
            conn.detach()
            self._local.conn = conn
        return conn

    def read(self) -> int:
        cur = self._connection().cursor()
        try:
            cur.execute(self._sql, (KEY,))
            row = cur.fetchone()
        finally:
            cur.close()
        return orjson.loads(row[0]) if row else 0


K = TypeVar("K")
V = TypeVar("V")


class GenerationCache(Generic[K, V]):
    """key -> value loaded from the database, dropped whole when the generation moves.

    ``load`` may raise (an unknown key): nothing is cached then, so a miss costs
    the query it always cost. A value loaded while the generation moved is not
    kept: the counter is read before the load, so a change that commits in
    between is always seen by the next use.
    """

    def __init__(self, reader: GenerationReader, max_items: int = 10_000) -> None:
        self.reader = reader
        self.max_items = max_items
        self._items: dict[K, V] = {}
        self._generation = -1
        self._lock = threading.Lock()

    def get(self, key: K, load: Callable[[], V], current: int | None = None) -> V:
        """The value for key; ``current`` is a generation the caller read for this request
        (one read then serves every cache a request consults), else it is read here.

        Passing ``current`` keeps the guarantee only if it was read after the request
        arrived: a change committed before that is then seen, as with a read here.
        """
        if current is None:
            current = self.reader.read()
        with self._lock:
            if current != self._generation:
                self._items.clear()
                self._generation = current
            if key in self._items:
                return self._items[key]
        value = load()
        with self._lock:
            if current == self._generation:
                if len(self._items) >= self.max_items:
                    self._items.clear()
                self._items[key] = value
        return value


class SharedGenerationRead:
    """One generation read, off the event loop, shared by every request that arrived before
    it started (PostgreSQL, where a read is a round trip to the server).

    A read that *starts* after a request arrived sees every change committed
    before that request arrived, which is all "at once" asks. So a request
    waits for the next read to start rather than starting its own: requests
    arriving while a read is in flight share the one that starts when it
    returns. The event loop never blocks on the round trip, and under load one
    read serves many requests instead of one each.
    """

    def __init__(self, reader: GenerationReader) -> None:
        self.reader = reader
        self._next: asyncio.Future[int] | None = None
        self._running = False
        self._loop: asyncio.AbstractEventLoop | None = None

    async def read(self) -> int:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (tests): nothing of the old one counts
            self._loop, self._next, self._running = loop, None, False
        future = self._next
        if future is None:
            future = self._next = loop.create_future()
            if not self._running:
                self._start()
        return await asyncio.shield(future)

    def _start(self) -> None:
        future, self._next = self._next, None
        assert future is not None
        self._running = True
        task = asyncio.get_running_loop().run_in_executor(None, self.reader.read)

        def done(result: asyncio.Future[int]) -> None:
            self._running = False
            if result.cancelled():
                future.cancel()
            elif result.exception() is not None:
                future.set_exception(result.exception())  # type: ignore[arg-type]
            else:
                future.set_result(result.result())
            if self._next is not None:  # requests that arrived meanwhile: their own read
                self._start()

        task.add_done_callback(done)
