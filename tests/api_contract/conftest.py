"""The app and its OpenAPI document, built once per module on a throwaway SQLite ledger."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from ledger_service.api.app import create_app
from ledger_service.runtime.context import LedgerContext

from ..conftest import make_settings


@pytest.fixture(scope="module")
def doc_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    tmp: Path = tmp_path_factory.mktemp("openapi")
    ctx = LedgerContext.open(make_settings(tmp))
    yield create_app(ctx, background=False)
    ctx.close()


@pytest.fixture(scope="module")
def document(doc_app: FastAPI) -> dict[str, Any]:
    return doc_app.openapi()
