"""Hostile input: schemathesis throws generated valid and invalid requests at every operation.

No request may produce a 5xx, and no response may leak a stack trace or an
internal detail; every error must have the one JSON error shape. The run is
bounded (LEDGER_HOSTILE_EXAMPLES per operation) and must reach 10,000 cases.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.generation import GenerationMode

from ledger_service.api.app import create_app
from ledger_service.evidence.schemas import EVENT_ADAPTER
from ledger_service.evidence.story import ENTERPRISES, score_event
from ledger_service.runtime.context import LedgerContext

from .conftest import make_settings

EXAMPLES = int(os.environ.get("LEDGER_HOSTILE_EXAMPLES", "700"))
MINIMUM_CASES = 10_000
LEAKS = ("Traceback", 'File "', "sqlalchemy", "psycopg", "sqlite3", "/site-packages/")
CASES = {"count": 0}

pytestmark = pytest.mark.slow


def _build() -> tuple:
    """The app under attack, built at import: schemathesis needs the schema at collection."""
    tmp = Path(tempfile.mkdtemp(prefix="ledger-hostile-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    ctx = LedgerContext.open(make_settings(tmp, rate_limit_per_second=0))
    atexit.register(ctx.close)
    _, token = ctx.keys.create("platform", "hostile-platform")
    # Something to find: a sealed event and a batch, so reads are not all 404s.
    ctx.recorder.record("hostile-platform", [EVENT_ADAPTER.validate_json(orjson.dumps(
        score_event(ENTERPRISES[0].uscc, 700, "A", (70, 70, 70))))])
    ctx.sealer.seal_all()
    return create_app(ctx, background=False), token


APP, TOKEN = _build()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                                max_examples=EXAMPLES)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_5xx_and_no_leaks(case: schemathesis.Case) -> None:
    headers = {**(case.headers or {})}
    headers.setdefault("Authorization", f"Bearer {TOKEN}")
    response = case.call(headers=headers)
    CASES["count"] += 1
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: " \
                                       f"{response.status_code} {response.text[:300]}"
    text = response.text
    for leak in LEAKS:
        assert leak not in text, f"response leaks {leak!r}: {text[:300]}"
    if response.status_code >= 400:
        error = response.json()["error"]
        assert set(error) == {"code", "message", "details"}


def test_enough_cases_ran() -> None:
    assert CASES["count"] >= MINIMUM_CASES, f"only {CASES['count']} cases ran"
