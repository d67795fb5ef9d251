#!/usr/bin/env python3
"""CPU per request (single-event POST) or per event (bulk POST) in one process, no network.

Builds the service's app with the factory (a fresh SQLite data directory, or
the database in DATABASE_URL), then calls it as an ASGI app from the event loop
with --concurrency requests in flight, exactly as uvicorn would after parsing
HTTP. Prints the process CPU time per request and per event (all threads: the
event loop and the intake writer) and wall time, which move far less with the
machine's load than a throughput figure does; ``--cprofile`` also prints the
top of a cProfile of the event loop thread.

    .venv/bin/python scripts/profile_intake.py --requests 5000
    .venv/bin/python scripts/profile_intake.py --bulk 10000 --requests 20
    .venv/bin/python scripts/profile_intake.py --requests 3000 --cprofile
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCORE = (b'{"type":"score.computed","enterprise_id":"91350100M000100Y43",'
         b'"occurred_at":"2026-11-20T10:00:00Z","refs":[],"payload":{"model_id":"tri-dim",'
         b'"model_version":"3.1","score":742,"grade":"A","inputs_digest":'
         b'"00000000000000000000000000000000000000000000000000000000000000ab",'
         b'"dimensions":{"financial_health":78,"operating_activity":71,'
         b'"growth_potential":66}}}')


async def call(app: Any, path: str, token: str, body: bytes) -> int:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
             "root_path": "", "query_string": b"", "client": ("127.0.0.1", 1),
             "server": ("127.0.0.1", 8000),
             "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
                         (b"authorization", b"Bearer " + token.encode()),
                         (b"content-length", str(len(body)).encode())]}
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def drive(app: Any, path: str, token: str, body: bytes, requests: int,
                concurrency: int) -> list[int]:
    statuses: list[int] = []
    left = requests

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            statuses.append(await call(app, path, token, body))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--bulk", type=int, default=0, help="events per bulk request (0: single)")
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="ledger-profile-")
    os.environ.setdefault("LEDGER_DATA_DIR", tmp.name)
    os.environ.setdefault("LEDGER_EVM_NODE", "off")
    os.environ["LEDGER_RATE_LIMIT_PER_SECOND"] = "0"
    from ledger_service.api.factory import create
    from ledger_service.runtime.context import LedgerContext

    setup = LedgerContext.open()
    _, token = setup.keys.create("platform", "bench-platform", None)
    setup.close()
    import logging
    logging.disable(logging.WARNING)
    app = create()
    if args.bulk:
        event = orjson.loads(SCORE)
        body = orjson.dumps({"events": [event] * args.bulk})
        path, per = "/v1/events/bulk", args.bulk
    else:
        body, path, per = SCORE, "/v1/events", 1

    async def run() -> None:
        async with app.router.lifespan_context(app):
            await drive(app, path, token, body, min(200, args.requests), args.concurrency)
            profiler = cProfile.Profile() if args.cprofile else None
            cpu0, wall0 = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            statuses = await drive(app, path, token, body, args.requests, args.concurrency)
            if profiler:
                profiler.disable()
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            bad = [s for s in statuses if s not in (200, 201)]
            print(f"requests={len(statuses)} refused={len(bad)} events={len(statuses) * per}")
            print(f"cpu_us_per_request={cpu / len(statuses) * 1e6:.1f}")
            print(f"cpu_us_per_event={cpu / (len(statuses) * per) * 1e6:.2f}")
            print(f"wall_us_per_request={wall / len(statuses) * 1e6:.1f}")
            print(f"requests_per_s={len(statuses) / wall:.0f}")
            if profiler:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(35)
                print(out.getvalue())

    asyncio.run(run())
    tmp.cleanup()


if __name__ == "__main__":
    main()
