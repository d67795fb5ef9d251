"""Shared fixtures: a ledger on SQLite and on the real PostgreSQL server, API clients.

PostgreSQL tests use one database per test session (created and dropped here)
and empty the tables between tests. If the server is not reachable they fail,
not skip: CI starts it, and a silent skip would hide a broken production path.
Set LEDGER_TEST_NO_POSTGRES=1 to deselect them on a machine without it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from ledger_service.api.app import create_app
from ledger_service.core.config import Settings
from ledger_service.evidence.story import BANK_ORG, ENTERPRISES, PLATFORM_ORG
from ledger_service.runtime.context import LedgerContext

from .scoring_support import register_reference

PG_ADMIN = os.environ.get("LEDGER_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
TABLES = ("events", "batches", "batch_nodes", "anchors", "api_keys", "orgs", "kv")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    if os.environ.get("LEDGER_TEST_NO_POSTGRES"):
        pytest.skip("LEDGER_TEST_NO_POSTGRES is set")
    name = f"ledger_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN}: {exc}")
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def make_settings(tmp_path: Path, database_url: str | None = None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"data_dir": tmp_path, "database_url": database_url,
                              "batch_max_events": 1024, "batch_max_seconds": 2.0,
                              "signing_key": None}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend_name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def ctx(request: pytest.FixtureRequest, backend_name: str, tmp_path: Path
        ) -> Iterator[LedgerContext]:
    url = None
    if backend_name == "postgres":
        url = request.getfixturevalue("pg_url")
    ledger = LedgerContext.open(make_settings(tmp_path, url))
    if backend_name == "postgres":
        with ledger.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY"))
        ledger.recorder._registrations.clear()
    # Every score cites a registered model: the reference model is registered up front.
    register_reference(ledger)
    yield ledger
    ledger.close()


@pytest.fixture
def sqlite_ctx(tmp_path: Path) -> Iterator[LedgerContext]:
    ledger = LedgerContext.open(make_settings(tmp_path))
    register_reference(ledger)
    yield ledger
    ledger.close()


class Api:
    """A TestClient with one bearer token per actor of the story."""

    def __init__(self, ledger: LedgerContext) -> None:
        self.ctx = ledger
        register_reference(ledger)  # idempotent: the fixtures may have done it already
        self.client = TestClient(create_app(ledger, background=False),
                                 raise_server_exceptions=False)
        self.tokens = {"platform": ledger.keys.create("platform", PLATFORM_ORG)[1],
                       "bank": ledger.keys.create("bank", BANK_ORG)[1],
                       "auditor": ledger.keys.create("auditor", "audit-firm")[1]}
        for ent in ENTERPRISES:
            self.tokens[ent.uscc] = ledger.keys.create("enterprise", ent.uscc)[1]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def post(self, path: str, who: str, body: Any = None, **kw: Any) -> Any:
        if body is not None:
            kw["json"] = body
        return self.client.post(path, headers={**self.headers(who), **kw.pop("headers", {})},
                                **kw)

    def get(self, path: str, who: str = "auditor", **kw: Any) -> Any:
        return self.client.get(path, headers={**self.headers(who), **kw.pop("headers", {})},
                               **kw)

    def record(self, who: str, event: dict[str, Any]) -> str:
        r = self.post("/v1/events", who, event)
        assert r.status_code == 201, r.text
        return r.json()["id"]


@pytest.fixture
def api(ctx: LedgerContext) -> Api:
    return Api(ctx)


@pytest.fixture
def sqlite_api(sqlite_ctx: LedgerContext) -> Api:
    return Api(sqlite_ctx)
