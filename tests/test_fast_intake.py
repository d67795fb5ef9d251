"""POST /v1/events is answered by a lean ASGI path (api.fast_intake), not FastAPI's route.

Each request below goes to the app as served and to the same app with the lean
path taken out (FastAPI's route and dependencies answer then): status, body and
the headers a client acts on must be the same, refusals included. Plus: the
security generation is read once a request and still honoured at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from ledger_service.access.ratelimit import RateLimiter
from ledger_service.api.app import create_app
from ledger_service.api.fast_intake import FastEventIntake
from ledger_service.evidence.story import score_event
from ledger_service.runtime.context import LedgerContext
from ledger_service.store.generation import GenerationReader, SharedGenerationRead

from .conftest import make_settings
from .scoring_support import register_reference
from .worlds import E1

HEADERS = ("content-type", "content-length", "www-authenticate", "retry-after")


def _clients(ledger: LedgerContext) -> tuple[TestClient, TestClient]:
    lean = create_app(ledger, background=False)
    plain = create_app(ledger, background=False)
    plain.user_middleware = [m for m in plain.user_middleware if m.cls is not FastEventIntake]
    assert len(plain.user_middleware) == len(lean.user_middleware) - 1
    return (TestClient(lean, raise_server_exceptions=False),
            TestClient(plain, raise_server_exceptions=False))


def _masked(body: Any) -> Any:
    if isinstance(body, dict) and "leaf_hash" in body:
        return {**body, "id": "<id>" if body["id"].startswith("evt_") else body["id"],
                "leaf_hash": "<leaf>"}
    return body


def _same(lean: TestClient, plain: TestClient, send: Callable[[TestClient], Any]) -> Any:
    a, b = send(lean), send(plain)
    assert a.status_code == b.status_code, (a.text, b.text)
    assert _masked(a.json()) == _masked(b.json())
    for name in HEADERS:
        if name == "content-length" and "leaf_hash" in a.text:
            continue
        assert a.headers.get(name) == b.headers.get(name), name
    return a


@pytest.fixture
def ledger(tmp_path: Path) -> Any:
    ctx = LedgerContext.open(make_settings(tmp_path, max_body_bytes=4096))
    register_reference(ctx)  # a score cites its model's registration
    yield ctx
    ctx.close()


def test_the_lean_path_answers_as_the_route_does(ledger: LedgerContext) -> None:
    lean, plain = _clients(ledger)
    platform = ledger.keys.create("platform", "haixi-credit-platform")[1]
    auditor = ledger.keys.create("auditor", "audit-firm")[1]
    event = score_event(E1, 700, "A", (70, 70, 70))

    def post(token: str | None = None, scheme: str = "Bearer", **kw: Any
             ) -> Callable[[TestClient], Any]:
        headers = {} if token is None else {"Authorization": f"{scheme} {token}".rstrip()}
        return lambda client: client.post("/v1/events", headers=headers, **kw)

    refusals = {
        "no key": post(json=event),
        "another scheme": post(platform, "Basic", json=event),
        "no credentials": post("", json=event),
        "unknown key": post("lk_never-issued", json=event),
        "empty body": post(platform),
        "not JSON": post(platform, content=b"{not json"),
        "schema": post(platform, json={**event, "payload": {}}),
        "extra field": post(platform, json={**event, "extra": 1}),
        "role": post(auditor, json=event),
        "too large": post(platform, content=b"[" + b"1," * 3000 + b"1]"),
        "unknown ref": post(platform, json={**event, "refs": ["evt_" + "0" * 32]}),
    }
    for name, send in refusals.items():
        r = _same(lean, plain, send)
        assert r.status_code >= 400, name
    r = _same(lean, plain, post(platform, "bearer", json=event))
    assert r.status_code == 201 and r.json()["status"] == "pending"
    # a client-chosen id: recorded (201), then the same again is answered (200), a
    # different body under it refused (409): on each path with its own id
    for client, own in ((lean, "evt_" + "a" * 32), (plain, "evt_" + "b" * 32)):
        first = client.post("/v1/events", headers={"Authorization": f"Bearer {platform}"},
                            json={**event, "id": own})
        again = client.post("/v1/events", headers={"Authorization": f"Bearer {platform}"},
                            json={**event, "id": own})
        other = client.post("/v1/events", headers={"Authorization": f"Bearer {platform}"},
                            json={**event, "id": own, "occurred_at": "2026-11-21T10:00:00Z"})
        assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
        assert again.json() == {**first.json(), "status": again.json()["status"]}


def test_the_lean_path_keeps_the_rate_limit(ledger: LedgerContext) -> None:
    lean, plain = _clients(ledger)
    for client in (lean, plain):
        client.app.state.limiter = RateLimiter(0.001, 1)
    token = ledger.keys.create("platform", "haixi-credit-platform")[1]
    event = score_event(E1, 700, "A", (70, 70, 70))

    def send(client: TestClient) -> Any:
        return client.post("/v1/events", headers={"Authorization": f"Bearer {token}"},
                           json=event)

    assert send(lean).status_code == send(plain).status_code == 201
    r = _same(lean, plain, send)
    assert r.status_code == 429 and r.headers["retry-after"]


class _CountingReader:
    """The key store's generation reader, counting its reads (the real reads happen)."""

    def __init__(self, reader: Any) -> None:
        self.reader, self.reads = reader, 0

    def read(self) -> int:
        self.reads += 1
        return self.reader.read()


def test_one_generation_read_a_request_and_a_revocation_still_counts_at_once(
        ctx: LedgerContext) -> None:
    """On SQLite and PostgreSQL (where the read is shared: SharedGenerationRead)."""
    ledger = ctx
    lean, _ = _clients(ledger)
    key_id, token = ledger.keys.create("platform", "haixi-credit-platform")
    counting = _CountingReader(ledger.keys.generation)
    ledger.keys.generation = counting  # type: ignore[assignment]
    # both caches read through it when they are not handed the request's generation
    ledger.keys._live.reader = counting
    ledger.recorder._org_rules.reader = counting
    headers = {"Authorization": f"Bearer {token}"}
    for n in range(1, 4):
        assert lean.post("/v1/events", headers=headers,
                         json=score_event(E1, 700 + n, "A", (70, 70, 70))).status_code == 201
        assert counting.reads == n
    other = LedgerContext.open(ledger.settings, run_migrations=False)
    try:
        other.keys.revoke(key_id)
    finally:
        other.close()
    r = lean.post("/v1/events", headers=headers, json=score_event(E1, 720, "A", (70, 70, 70)))
    assert r.status_code == 401
    assert "revoked" in r.json()["error"]["message"]


class _SlowReader:
    """A real generation read that then takes 0.2 s to come back (a slow round trip)."""

    def __init__(self, reader: Any) -> None:
        self.reader, self.reads = reader, 0

    def read(self) -> int:
        self.reads += 1
        value = self.reader.read()
        time.sleep(0.2)
        return value


def test_a_shared_read_serves_only_requests_that_arrived_before_it_started(
        sqlite_ctx: LedgerContext) -> None:
    slow = _SlowReader(GenerationReader(sqlite_ctx.engine))
    shared = SharedGenerationRead(slow)  # type: ignore[arg-type]
    before = slow.reader.read()

    async def scenario() -> tuple[int, list[int]]:
        first = asyncio.ensure_future(shared.read())
        await asyncio.sleep(0.05)  # the first read is under way (value already taken)
        key_id, _ = sqlite_ctx.keys.create("auditor", "audit-shared")
        sqlite_ctx.keys.revoke(key_id)  # bumps the generation, acknowledged now
        later = await asyncio.gather(*(shared.read() for _ in range(8)))
        return await first, later

    first, later = asyncio.run(scenario())
    assert first == before
    # every request that arrived after the revocation sees it, and they shared one read
    assert later == [before + 1] * 8
    assert slow.reads == 2


def test_a_score_citing_a_known_registration_reads_nothing(ledger: LedgerContext) -> None:
    """The registration a score cites is immutable: once this process has seen it, preparing
    a score checks no connection out of the pool (the single-event POST's cost), and a score
    citing an id that is no registration is still looked up and refused."""
    from sqlalchemy import event as sa_event

    from ledger_service.core.errors import LedgerError
    from ledger_service.evidence.schemas import EVENT_ADAPTER
    from ledger_service.pipeline.intake import Submission

    def validated(doc: dict[str, Any]) -> Any:
        return EVENT_ADAPTER.validate_json(orjson.dumps(doc))

    recorder = ledger.recorder
    recorder.record("haixi-credit-platform", [validated(score_event(E1, 700))])  # warm
    generation = GenerationReader(ledger.engine).read()
    checkouts: list[int] = []
    sa_event.listen(ledger.engine.pool, "checkout", lambda *a: checkouts.append(1))
    prepared = recorder.prepare(Submission("haixi-credit-platform",
                                           [validated(score_event(E1, 710))],
                                           security_generation=generation))
    assert len(prepared.rows) == 1 and checkouts == []
    forged = {**score_event(E1, 710), "refs": ["evt_" + "0" * 32]}
    with pytest.raises(LedgerError):
        recorder.prepare(Submission("haixi-credit-platform", [validated(forged)],
                                    security_generation=generation))
    assert checkouts, "an unknown ref must be read from the store"
