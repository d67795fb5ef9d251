"""Hostile input: schemathesis throws generated valid and invalid requests at every operation.

No request may produce a 5xx, and no response may leak a stack trace or an
internal detail; every error must have the one JSON error shape. The run is
bounded (LEDGER_HOSTILE_EXAMPLES per operation) and must reach 10,000 cases.

Schema-driven generation rarely reaches the values that pass the schema and
break a conversion behind it (issue 9: an instant whose UTC form falls outside
years 1..9999, a cursor past any 64-bit position, instants before 1970), so a
second, hypothesis-driven search aims at exactly those: every instant the API
takes, over the whole RFC 3339 range with any offset and fraction, and cursors
over integers far beyond the database's (LEDGER_HOSTILE_TIME_EXAMPLES each).
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
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode

from ledger_service.api.app import create_app
from ledger_service.evidence.schemas import EVENT_ADAPTER
from ledger_service.evidence.story import ENTERPRISES, consent_event, score_event
from ledger_service.provenance.trail import encode_cursor
from ledger_service.runtime.context import LedgerContext

from .conftest import make_settings
from .scoring_support import register_reference

EXAMPLES = int(os.environ.get("LEDGER_HOSTILE_EXAMPLES", "700"))
TIME_EXAMPLES = int(os.environ.get("LEDGER_HOSTILE_TIME_EXAMPLES", "300"))
USCC = ENTERPRISES[0].uscc
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
    _, enterprise_token = ctx.keys.create("enterprise", USCC)
    # Something to find: a sealed event and a batch, so reads are not all 404s, and the
    # registered model its score cites (so /v1/scores scores).
    register_reference(ctx)
    ctx.recorder.record("hostile-platform", [EVENT_ADAPTER.validate_json(orjson.dumps(
        score_event(ENTERPRISES[0].uscc, 700, "A", (70, 70, 70))))])
    ctx.sealer.seal_all()
    return create_app(ctx, background=False), token, enterprise_token


APP, TOKEN, ENTERPRISE_TOKEN = _build()
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


def _check(response: object) -> None:
    """No 5xx, no leak, and every error in the one shape (the same bar as above)."""
    status, text = response.status_code, response.text  # type: ignore[attr-defined]
    assert status < 500, f"{status} {text[:300]}"
    for leak in LEAKS:
        assert leak not in text, f"response leaks {leak!r}: {text[:300]}"
    if status >= 400:
        assert set(orjson.loads(text)["error"]) == {"code", "message", "details"}


@st.composite
def rfc3339(draw: st.DrawFn) -> str:
    """Any RFC 3339 date-time pydantic parses: years 1..9999 (the ends and 1969/1970 often),
    any offset up to +-23:59, fractions of 1 to 6 digits."""
    year = draw(st.one_of(st.sampled_from([1, 2, 1969, 1970, 9998, 9999]),
                          st.integers(1, 9999)))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, 28 if month == 2 else 30))
    hour, minute, second = draw(st.integers(0, 23)), draw(st.integers(0, 59)), \
        draw(st.integers(0, 59))
    fraction = draw(st.one_of(st.just(""), st.integers(0, 999_999).map(lambda f: f".{f:06d}"),
                              st.integers(0, 9).map(lambda f: f".{f}")))
    offset = draw(st.one_of(st.just("Z"), st.builds(
        lambda sign, h, m: f"{sign}{h:02d}:{m:02d}", st.sampled_from("+-"),
        st.integers(0, 23), st.integers(0, 59))))
    return (f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
            f"{fraction}{offset}")


@st.composite
def edge_instant(draw: st.DrawFn) -> str:
    """The first and last day of the range with an offset that may push the UTC instant
    past either end (0001-01-01 east of UTC, 9999-12-31 west of it)."""
    first = draw(st.booleans())
    hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    offset = f"{'+' if first else '-'}{draw(st.integers(0, 23)):02d}:" \
             f"{draw(st.integers(0, 59)):02d}"
    day = "0001-01-01" if first else "9999-12-31"
    return f"{day}T{hour:02d}:{minute:02d}:00{offset}"


def instants() -> st.SearchStrategy[str]:
    return st.one_of(rfc3339(), edge_instant())


@pytest.fixture(scope="module")
def hostile_client() -> TestClient:
    return TestClient(APP, raise_server_exceptions=False)


@settings(max_examples=TIME_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(occurred=instants(), expires=instants(), later=instants())
def test_every_instant_the_api_takes(hostile_client: TestClient, occurred: str, expires: str,
                                     later: str) -> None:
    platform = {"Authorization": f"Bearer {TOKEN}"}
    enterprise = {"Authorization": f"Bearer {ENTERPRISE_TOKEN}"}
    score = {**score_event(USCC, 1, "C", (1, 1, 1)), "occurred_at": occurred}
    consent = consent_event(USCC)
    consent["occurred_at"] = occurred
    consent["payload"]["expires_at"] = expires
    for path, headers, body in (("/v1/events", platform, score),
                                ("/v1/events/bulk", platform, {"events": [score]}),
                                ("/v1/events", enterprise, consent),
                                ("/v1/events/bulk", enterprise, {"events": [consent]})):
        _check(hostile_client.post(path, json=body, headers=headers))
    _check(hostile_client.get(f"/v1/enterprises/{USCC}/events", headers=platform,
                              params={"occurred_from": occurred, "occurred_to": later}))


@settings(max_examples=TIME_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(position=st.one_of(st.integers(-(2**70), 2**70),
                          st.sampled_from([2**63 - 1, 2**63, 2**64, -(2**63) - 1])))
def test_every_cursor_position(hostile_client: TestClient, position: int) -> None:
    r = hostile_client.get(f"/v1/enterprises/{USCC}/events",
                           headers={"Authorization": f"Bearer {TOKEN}"},
                           params={"cursor": encode_cursor(position)})
    _check(r)
