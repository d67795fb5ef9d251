"""Engine creation and migration.

SQLite gets WAL (readers never block the writer), a busy timeout, and
``BEGIN IMMEDIATE`` for every write transaction: a deferred transaction that reads
first and writes later can fail with "database is locked" when two writers
upgrade at once, and intake must never fail for that reason. Readers use a
plain BEGIN and never wait for writers (WAL).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import StaticPool

from ledger_service.core.config import Settings
from ledger_service.store.fast import write_transaction

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(settings: Settings) -> Engine:
    """An engine for the configured database, with the pragmas the ledger relies on."""
    url = settings.sqlalchemy_url
    if url.startswith("sqlite"):
        return _sqlite_engine(url, settings)
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _sqlite_engine(url: str, settings: Settings) -> Engine:
    memory = url in ("sqlite://", "sqlite:///:memory:")
    if not memory:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    kwargs: dict = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if memory:
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)
    synchronous = settings.sqlite_synchronous

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # Writers (db.fast.write_transaction) take the write lock up front; readers
        # must not, or every read would queue behind the single writer.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def alembic_config(engine: Engine) -> Config:
    # alembic (and mako, pygments) is imported only when migrating: the serving
    # workers never migrate, and it costs each of them ~11 MB.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    from alembic import command

    with write_transaction(engine) as conn:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
