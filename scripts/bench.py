#!/usr/bin/env python3
"""Benchmark the real service: start `ledger serve`, drive it over HTTP, print key=value lines.

    .venv/bin/python scripts/bench.py                      # SQLite (the default store)
    .venv/bin/python scripts/bench.py --database postgres  # PostgreSQL on 127.0.0.1:5432
    .venv/bin/python scripts/bench.py --floor --ceiling --wrk   # with same-run references
    .venv/bin/python scripts/bench.py --store-size 1000000 --bulk-events 0 --single 0

Figures: bulk intake (events/s through POST /v1/events/bulk, durable on commit),
single-event POST (requests/s, p50/p99 at a stated concurrency), proof fetch
latency, offline verification time per bundle.

This machine's absolute figures move a lot from run to run (shared cores,
fsync timing), so each goal is also reported against a reference measured in
the same run: ``--floor`` runs one Python thread doing the ledger's per-event
intake work and nothing else (``floor_events_per_s``, and ``bulk_floor_ratio``);
``--ceiling`` serves a FastAPI app that parses the POST and answers 201 with no
work, loaded exactly like the service (``ceiling_rps``, ``single_ceiling_ratio``).
``--store-size N`` first fills the store with N sealed events through the
store's own write path (not HTTP), so proofs are measured at that size, and
prints the bytes each event takes on disk.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ledger_proof.bundle import verify_bundle  # noqa: E402
from ledger_service.api.server import free_port  # noqa: E402
from ledger_service.evidence.story import ENTERPRISES, score_event  # noqa: E402

SCRIPTS = Path(__file__).resolve().parent

PG_ADMIN = os.environ.get("LEDGER_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Service:
    """`ledger serve` in a subprocess on a fresh data dir (and database)."""

    def __init__(self, database: str, batch_events: int, workers: int,
                 ledger_env: dict[str, str] | None = None) -> None:
        self.workers = workers
        self.tmp = tempfile.TemporaryDirectory(prefix="ledger-bench-")
        self.port = free_port()
        self.env = {**os.environ, "LEDGER_DATA_DIR": self.tmp.name,
                    "LEDGER_BATCH_MAX_EVENTS": str(batch_events),
                    "LEDGER_BATCH_MAX_SECONDS": "1", "LEDGER_RATE_LIMIT_PER_SECOND": "0",
                    # Each run has a fresh key; a shared ledger binds an id to one key.
                    "LEDGER_LEDGER_ID": f"bench-{uuid.uuid4().hex[:12]}"}
        self.env.pop("DATABASE_URL", None)
        self.env.update(ledger_env or {})
        self.pg_db = None
        if database == "postgres":
            self.pg_db = f"ledger_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.pg_db}"')
            self.env["DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + "/" + self.pg_db
        self.ledger = [sys.executable, "-m", "ledger_service.cli.main"]
        self.proc: subprocess.Popen | None = None

    def key(self, role: str, org: str) -> str:
        out = subprocess.run([*self.ledger, "keys", "create", "--role", role, "--org", org],
                             env=self.env, capture_output=True, text=True, check=True)
        return out.stdout.strip().splitlines()[-1]

    def start(self) -> str:
        self.proc = subprocess.Popen([*self.ledger, "serve", "--port", str(self.port),
                                      "--workers", str(self.workers),
                                      "--log-level", "warning"], env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    return url
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("service did not start")

    def pids(self) -> list[int]:
        """The serving process and its worker processes."""
        assert self.proc is not None
        found, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                todo.extend(int(c) for c in task.read_text().split())
        return found

    def peak_rss_mb(self) -> float:
        """Sum over the service's processes of their peak resident memory (VmHWM)."""
        total = 0
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                line = next(x for x in status.splitlines() if x.startswith("VmHWM"))
                total += int(line.split()[1])
            except (OSError, StopIteration):
                continue
        return total / 1024

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        if self.pg_db:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_db}" WITH (FORCE)')
        self.tmp.cleanup()


def scores(n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        ent = ENTERPRISES[i % len(ENTERPRISES)]
        out.append(score_event(ent.uscc, random.randint(0, 1000), "BBB",
                               (random.randint(0, 100), random.randint(0, 100),
                                random.randint(0, 100)), hours=i / 1000))
    return out


def bench_bulk(url: str, token: str, total: int, per_request: int, clients: int) -> float:
    requests = [raw_post("/v1/events/bulk", token, orjson.dumps({"events": scores(per_request)}))
                for _ in range(total // per_request)]

    async def run() -> None:
        async def client_loop(chunk: list[bytes]) -> None:
            client = RawClient(url)
            try:
                for raw in chunk:
                    await client.expect(raw, 201)
            finally:
                client.close()
        await asyncio.gather(*(client_loop(requests[i::clients]) for i in range(clients)))

    start = time.perf_counter()
    asyncio.run(run())
    return len(requests) * per_request / (time.perf_counter() - start)


class RawClient:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams.

    httpx spends about 1-2 ms of CPU per request, which on two cores shared
    with the server would measure the client, not the service. This one
    writes prebuilt request bytes and reads Content-Length bodies, nothing more.
    """

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        return status, await self.reader.readexactly(length)

    async def expect(self, raw: bytes, status: int) -> tuple[float, bytes]:
        """Send one request; (seconds it took, body), or RuntimeError on another status."""
        t0 = time.perf_counter()
        got, body = await self.request(raw)
        elapsed = time.perf_counter() - t0
        if got != status:
            raise RuntimeError(f"{got}: {body[:300]!r}")
        return elapsed, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def raw_post(path: str, token: str, body: bytes) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body


async def _singles(url: str, token: str, count: int, concurrency: int) -> list[float]:
    requests = [raw_post("/v1/events", token, orjson.dumps(e)) for e in scores(count)]
    latencies: list[float] = []
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for raw in requests:
        queue.put_nowait(raw)

    async def worker() -> None:
        client = RawClient(url)
        try:
            while not queue.empty():
                elapsed, _ = await client.expect(queue.get_nowait(), 201)
                latencies.append(elapsed)
        finally:
            client.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def bench_single(url: str, token: str, count: int, concurrency: int) -> dict[str, float]:
    start = time.perf_counter()
    lat = asyncio.run(_singles(url, token, count, concurrency))
    wall = time.perf_counter() - start
    return {"single_post_rps": count / wall, "single_post_p50_ms": percentile(lat, .5) * 1e3,
            "single_post_p99_ms": percentile(lat, .99) * 1e3}


def bench_proofs(url: str, token: str, count: int, ids: list[str] | None = None
                 ) -> tuple[dict[str, float], dict[str, Any]]:
    """Proof fetch latency for random sealed events (``ids``: sampled across a preloaded
    store; otherwise 2,000 events posted now)."""
    headers = {"Authorization": f"Bearer {token}"}
    if not ids:
        with httpx.Client(base_url=url, timeout=30, headers=headers) as client:
            ids = [e["id"] for e in client.post("/v1/events/bulk", json={"events": scores(2000)}
                                                ).json()["events"]]
            deadline = time.monotonic() + 120
            while client.get(f"/v1/events/{ids[-1]}").json()["status"] == "pending":
                if time.monotonic() > deadline:
                    raise RuntimeError("events were never sealed")
                time.sleep(0.2)
    async def run() -> tuple[list[float], bytes]:
        client = RawClient(url)
        lat, body = [], b""
        try:
            for event_id in random.choices(ids, k=count):
                raw = (f"GET /v1/events/{event_id}/proof HTTP/1.1\r\nHost: bench\r\n"
                       f"Authorization: Bearer {token}\r\n\r\n").encode()
                elapsed, body = await client.expect(raw, 200)
                lat.append(elapsed)
        finally:
            client.close()
        return lat, body

    lat, body = asyncio.run(run())
    return {"proof_p50_ms": percentile(lat, .5) * 1e3,
            "proof_p99_ms": percentile(lat, .99) * 1e3}, orjson.loads(body)


def bench_sustained(url: str, token: str, seconds: float, concurrency: int
                    ) -> dict[str, float]:
    """Mixed intake for a fixed time: single posts from many clients plus 1,000-event bulks."""
    singles = [raw_post("/v1/events", token, orjson.dumps(e)) for e in scores(5000)]
    bulks = [raw_post("/v1/events/bulk", token, orjson.dumps({"events": scores(1000)}))
             for _ in range(20)]
    latencies: list[float] = []
    counts = {"events": 0, "requests": 0}

    async def run() -> None:
        stop_at = time.perf_counter() + seconds

        async def single_loop(offset: int) -> None:
            client = RawClient(url)
            i = offset
            try:
                while time.perf_counter() < stop_at:
                    elapsed, _ = await client.expect(singles[i % len(singles)], 201)
                    latencies.append(elapsed)
                    counts["events"] += 1
                    counts["requests"] += 1
                    i += concurrency
            finally:
                client.close()

        async def bulk_loop() -> None:
            client = RawClient(url)
            i = 0
            try:
                while time.perf_counter() < stop_at:
                    await client.expect(bulks[i % len(bulks)], 201)
                    counts["events"] += 1000
                    counts["requests"] += 1
                    i += 1
            finally:
                client.close()

        await asyncio.gather(bulk_loop(), *(single_loop(k) for k in range(concurrency)))

    start = time.perf_counter()
    asyncio.run(run())
    wall = time.perf_counter() - start
    return {"sustained_seconds": wall, "sustained_events_per_s": counts["events"] / wall,
            "sustained_requests_per_s": counts["requests"] / wall,
            "sustained_single_p50_ms": percentile(latencies, .5) * 1e3,
            "sustained_single_p95_ms": percentile(latencies, .95) * 1e3,
            "sustained_single_p99_ms": percentile(latencies, .99) * 1e3}


class AnchorWatch:
    """Polls, from its own thread, until each tracked event is anchored; keeps latencies.

    Polling runs while events are still being posted, so an event's latency is
    when it was seen anchored, not when the posting loop got round to asking.
    """

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.client = httpx.Client(base_url=url, timeout=30, headers=headers)
        self.pending: dict[str, float] = {}
        self.latencies: list[float] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def track(self, event_id: str, acked_at: float) -> None:
        with self.lock:
            self.pending[event_id] = acked_at

    def _run(self) -> None:
        while not self.stop.is_set():
            with self.lock:
                ids = list(self.pending)
            for event_id in ids:
                status = self.client.get(f"/v1/events/{event_id}").json()["status"]
                if status == "anchored":
                    seen = time.perf_counter()
                    with self.lock:
                        self.latencies.append(seen - self.pending.pop(event_id))
            time.sleep(0.01)

    def drain(self, timeout: float) -> list[float]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if not self.pending:
                    break
            time.sleep(0.05)
        self.stop.set()
        self.thread.join(timeout=30)
        self.client.close()
        if self.pending:
            raise RuntimeError(f"{len(self.pending)} events were not anchored in {timeout} s")
        return self.latencies


def _wait_caught_up(client: httpx.Client, timeout: float = 300) -> None:
    """Until nothing is pending and every sealed batch is anchored."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        checks = client.get("/readyz").json()["checks"]
        lags = [v["batches"] for k, v in checks.items() if k.startswith("anchor.")]
        if checks["database"]["pending_events"] == 0 and not any(lags):
            return
        time.sleep(0.2)
    raise RuntimeError("the anchor backlog did not drain")


def bench_anchoring(url: str, token: str, backend: Any, seconds: float) -> dict[str, float]:
    """Event -> anchored latency at a low and a high intake rate, headers anchored per second,
    and how many times more events reach the ledger than one transaction per event would."""
    headers = {"Authorization": f"Bearer {token}"}
    out: dict[str, float] = {}
    with httpx.Client(base_url=url, timeout=30, headers=headers) as client:
        _wait_caught_up(client)  # earlier phases' backlog must not count against latency
        watch = AnchorWatch(url, headers)
        stop = time.perf_counter() + seconds
        while time.perf_counter() < stop:  # low rate: 5 events/s, each tracked
            event_id = client.post("/v1/events", json=scores(1)[0]).json()["id"]
            watch.track(event_id, time.perf_counter())
            time.sleep(0.2)
        low = watch.drain(120)
        out |= {"anchor_low_rate_events_per_s": 5, "anchor_p50_ms": percentile(low, .5) * 1e3,
                "anchor_p95_ms": percentile(low, .95) * 1e3}

        def anchored_batches() -> int:
            return sum(1 for b in client.get("/v1/batches?limit=1000").json()["batches"]
                       if b["anchors"])

        bodies = [{"events": scores(1000)} for _ in range(20)]
        watch = AnchorWatch(url, headers)
        before, start, sent = anchored_batches(), time.perf_counter(), 0
        stop = start + seconds
        while time.perf_counter() < stop:  # high rate: 1,000-event bulks back to back
            ids = client.post("/v1/events/bulk", json=bodies[sent // 1000 % 20]).json()["events"]
            watch.track(ids[-1]["id"], time.perf_counter())
            sent += 1000
        high = watch.drain(300)
        wall = time.perf_counter() - start
        out |= {"anchor_high_rate_events_per_s": sent / wall,
                "anchor_high_p50_ms": percentile(high, .5) * 1e3,
                "anchor_high_p95_ms": percentile(high, .95) * 1e3,
                "headers_anchored_per_s": (anchored_batches() - before) / wall}
    out["ledger_tx_per_s"] = _direct_tx_rate(backend, 20)
    out["events_per_ledger_tx_ratio"] = out["anchor_high_rate_events_per_s"] / \
        out["ledger_tx_per_s"]
    return out


def _direct_tx_rate(backend: Any, count: int) -> float:
    """Transactions per second when every event is its own ledger transaction (the naive
    design), measured with synthetic headers on a ledger id of its own."""
    from ledger_proof.headers import (
        GENESIS_PREV_HASH,
        header_bytes,
        header_hash,
        make_header,
    )
    from ledger_proof.signing import ServiceKey

    key = ServiceKey.generate()
    ledger_id = f"bench-direct-{uuid.uuid4().hex[:8]}"
    backend.register_ledger(ledger_id, key.public_key_b64)
    prev = GENESIS_PREV_HASH
    start = time.perf_counter()
    for seq in range(count):
        header = make_header(ledger_id=ledger_id, seq=seq, prev_header_hash=prev,
                             merkle_root=os.urandom(32).hex(), size=1, first_event="e",
                             last_event="e", sealed_at="2026-11-26T00:00:00Z")
        backend.anchor(header, header_hash(header), key.sign(header_bytes(header)))
        prev = header_hash(header)
    return count / (time.perf_counter() - start)


def ledger_backend(args: argparse.Namespace) -> tuple[dict[str, str], Any]:
    """Service environment and a direct client for the ledger given on the command line."""
    if args.fabric_profile:
        from anchoring.fabric.backend import FabricBackend

        return ({"LEDGER_FABRIC_PROFILE": str(args.fabric_profile)},
                FabricBackend.from_profile(args.fabric_profile))
    if args.evm_url:
        from anchoring.evm.backend import EvmBackend
        from anchoring.evm.chain import connect, deploy_contracts

        chain = connect(args.evm_url)
        return ({"LEDGER_EVM_RPC_URL": args.evm_url},
                EvmBackend(chain, deploy_contracts(chain).anchor_registry))
    # no ledger named: measure intake alone, as before the local node became the default
    return {"LEDGER_EVM_NODE": "off"}, None


_FLOOR_USCC = ["91350100M000100Y43", "91110000600037341L", "914403001922038216"]


def bench_floor(total: int, per_request: int = 10_000) -> float:
    """Events/s of one Python thread doing a ledger's per-event intake work and nothing else.

    The same loop as the reference floor: parse a bulk JSON body, canonical bytes
    (orjson, sorted keys), a 32-byte salt, commitment and leaf (two SHA-256), one
    SQLite row per event (WAL, synchronous=FULL, unique id, enterprise index), a
    commit per request. The service's bulk rate over this is the share of one
    core's durable Python floor it reaches.
    """
    def ev(i: int) -> dict[str, Any]:
        # The service's score payload (model hash, dimensions, nine factors, digest).
        event = score_event(_FLOOR_USCC[i % 3], 600 + i % 300)
        event["payload"]["inputs_digest"] = f"{i:064x}"
        return event

    bodies = [orjson.dumps({"events": [ev(b * per_request + i) for i in range(per_request)]})
              for b in range(max(1, total // per_request))]
    with tempfile.TemporaryDirectory(prefix="ledger-floor-") as tmp:
        db = sqlite3.connect(os.path.join(tmp, "f.db"), isolation_level=None)
        db.execute("pragma journal_mode=wal")
        db.execute("pragma synchronous=full")
        db.execute("create table events(pos integer primary key, id text unique not null, "
                   "type text, enterprise_id text, org text, loan_id text, occurred_us int, "
                   "recorded_us int, refs text, body blob, salt blob, commitment blob, "
                   "leaf_hash blob)")
        db.execute("create index ix on events(enterprise_id, pos)")
        sha = hashlib.sha256
        t0 = time.perf_counter()
        for body in bodies:
            events = orjson.loads(body)["events"]
            rows = []
            now = time.time_ns() // 1000
            for e in events:
                e["id"] = "evt_" + uuid.uuid4().hex
                e["org"] = "platform"
                canon = orjson.dumps(e, option=orjson.OPT_SORT_KEYS)
                salt = os.urandom(32)
                c = sha(salt + canon).digest()
                rows.append((e["id"], e["type"], e["enterprise_id"], "platform", None, now, now,
                             "[]", canon, salt, c, sha(b"\x00" + c).digest()))
            db.execute("begin")
            db.executemany("insert into events(id,type,enterprise_id,org,loan_id,occurred_us,"
                           "recorded_us,refs,body,salt,commitment,leaf_hash) "
                           "values (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            db.execute("commit")
        elapsed = time.perf_counter() - t0
        db.close()
    return len(bodies) * per_request / elapsed


class CeilingServer:
    """The no-work FastAPI app (scripts/bench_ceiling.py) under uvicorn, as the service runs."""

    def __init__(self, workers: int) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench_ceiling:app", "--app-dir", str(SCRIPTS),
             "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers),
             "--log-level", "warning", "--no-access-log"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.post(self.url + "/v1/events", content=b"{}", timeout=1)
                return self.url
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the ceiling app did not start")

    def __exit__(self, *_: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


_WRK_LINE = re.compile(r"(wrk_\w+|non2xx|errors)=([0-9.]+)")


def bench_wrk(url: str, token: str, connections: int, seconds: int) -> dict[str, float]:
    """Single-event POSTs driven by wrk (scripts/post_score.lua): rps, p50, p99, failures."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("--wrk needs wrk on PATH (Debian: apt-get install wrk)")
    out = subprocess.run([wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
                          "-s", str(SCRIPTS / "post_score.lua"), url + "/v1/events"],
                         env={**os.environ, "LEDGER_KEY": token, "LEDGER_SCORE_BODY":
                              orjson.dumps(score_event(ENTERPRISES[0].uscc, 742)).decode()},
                         capture_output=True,
                         text=True, check=True).stdout
    found = {k: float(v) for k, v in _WRK_LINE.findall(out)}
    if "wrk_rps" not in found:
        raise RuntimeError(f"wrk printed no summary: {out[-500:]}")
    return found


def preload(service: Service, total: int, chunk: int = 10_000, sample_every: int = 2_000
            ) -> tuple[list[str], dict[str, float]]:
    """Fill the service's store with ``total`` sealed events before it starts.

    Goes through the store's own write path (Recorder.prepare for ids, canonical
    bytes, salts, commitments and leaves; store.fast.insert_events; the Sealer),
    not HTTP: ten million events over HTTP would take longer than the benchmark.
    Returns ids sampled across the whole store (for proofs at size) and figures.
    """
    from unittest import mock

    from ledger_service.core.config import Settings
    from ledger_service.evidence.schemas import BULK_ADAPTER
    from ledger_service.pipeline.intake import Submission
    from ledger_service.runtime.context import LedgerContext
    from ledger_service.store.fast import insert_events, write_transaction

    with mock.patch.dict(os.environ, service.env, clear=True):
        ctx = LedgerContext.open(Settings())
    sampled: list[str] = []
    try:
        events = BULK_ADAPTER.validate_json(orjson.dumps({"events": scores(chunk)}))["events"]
        start, done, next_seal = time.perf_counter(), 0, 0
        while done < total:
            part = events[:min(chunk, total - done)]
            prepared = ctx.recorder.prepare(Submission("bench-platform", part))
            with write_transaction(ctx.engine) as conn:
                insert_events(conn, prepared.rows)
            sampled.extend(r.id for r in prepared.results[::sample_every])
            done += len(part)
            if done >= next_seal or done == total:
                ctx.sealer.seal_all()
                next_seal = done + 200_000
        elapsed = time.perf_counter() - start
        figures = {"store_events": float(total), "preload_seconds": elapsed}
        if ctx.settings.is_sqlite:
            with ctx.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            path = ctx.settings.data_dir / "ledger.db"
            size = sum(p.stat().st_size for p in path.parent.glob("ledger.db*"))
        else:
            with ctx.engine.connect() as conn:
                size = conn.exec_driver_sql("SELECT pg_database_size(current_database())"
                                            ).scalar_one()
        figures["store_bytes_per_event"] = size / max(total, 1)
    finally:
        ctx.close()
    return sampled, figures


def bench_verify(bundle: dict[str, Any], rounds: int = 2000) -> float:
    keys = {bundle["batch"]["key_id"]: bundle["batch"]["public_key"]}
    assert verify_bundle(bundle, pinned_keys=keys).valid
    start = time.perf_counter()
    for _ in range(rounds):
        verify_bundle(bundle, pinned_keys=keys)
    return (time.perf_counter() - start) / rounds * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--bulk-events", type=int, default=200_000)
    parser.add_argument("--bulk-size", type=int, default=10_000)
    parser.add_argument("--bulk-clients", type=int, default=2)
    parser.add_argument("--single", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--proofs", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2, help="API processes")
    parser.add_argument("--duration", type=float, default=0,
                        help="Also run sustained mixed intake for this many seconds")
    parser.add_argument("--fabric-profile", type=Path,
                        help="Anchor on this Fabric network and measure anchoring")
    parser.add_argument("--evm-url", help="Anchor on this EVM node and measure anchoring")
    parser.add_argument("--anchor-seconds", type=float, default=8,
                        help="Length of each anchoring phase")
    parser.add_argument("--floor", action="store_true",
                        help="Also measure the one-core durable intake floor (same run)")
    parser.add_argument("--floor-events", type=int, default=200_000)
    parser.add_argument("--ceiling", action="store_true",
                        help="Also measure the framework's no-work POST ceiling (same run, "
                             "same client as the single-event figure)")
    parser.add_argument("--wrk", action="store_true",
                        help="Drive single-event POSTs with wrk instead of the built-in client")
    parser.add_argument("--wrk-seconds", type=int, default=15)
    parser.add_argument("--store-size", type=int, default=0,
                        help="Preload this many sealed events (store fast path) before "
                             "serving, to measure proofs at size")
    args = parser.parse_args()

    ledger_env, backend = ledger_backend(args)
    service = Service(args.database, batch_events=1024, workers=args.workers,
                      ledger_env=ledger_env)
    platform = service.key("platform", "bench-platform")
    # Every score cites the registered model that computed it: register the reference model.
    subprocess.run([*service.ledger, "models", "register", "--org", "bench-platform"],
                   env=service.env, capture_output=True, text=True, check=True)
    print(f"started_utc={time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}")
    print(f"database={args.database}")
    print(f"cpu_count={os.cpu_count()}")
    print(f"workers={args.workers}")
    floor = 0.0
    if args.floor:
        floor = bench_floor(args.floor_events)
        print(f"floor_events_per_s={floor:.0f}")
    sampled: list[str] = []
    if args.store_size:
        sampled, figures = preload(service, args.store_size)
        for key, value in figures.items():
            print(f"{key}={value:.1f}")
    url = service.start()
    single_rps = 0.0
    try:
        if args.bulk_events:
            bulk = bench_bulk(url, platform, args.bulk_events, args.bulk_size,
                              args.bulk_clients)
            print(f"bulk_events_per_s={bulk:.0f}")
            print(f"bulk_request_events={args.bulk_size}")
            print(f"bulk_clients={args.bulk_clients}")
            if floor:
                print(f"bulk_floor_ratio={bulk / floor:.2f}")
        if args.wrk:
            single = bench_wrk(url, platform, args.concurrency, args.wrk_seconds)
            single_rps = single["wrk_rps"]
            for key, value in single.items():
                print(f"single_{key}={value:.1f}")
        elif args.single:
            single_run = bench_single(url, platform, args.single, args.concurrency)
            single_rps = single_run["single_post_rps"]
            for key, value in single_run.items():
                print(f"{key}={value:.2f}")
        print(f"single_post_concurrency={args.concurrency}")
        if args.proofs:
            proofs, bundle = bench_proofs(url, platform, args.proofs, sampled)
            for key, value in proofs.items():
                print(f"{key}={value:.2f}")
            print(f"verify_us={bench_verify(bundle):.1f}")
        if args.duration:
            for key, value in bench_sustained(url, platform, args.duration,
                                              args.concurrency).items():
                print(f"{key}={value:.2f}")
        if backend is not None:
            print(f"ledger={'fabric' if args.fabric_profile else 'evm'}")
            for key, value in bench_anchoring(url, platform, backend,
                                              args.anchor_seconds).items():
                print(f"{key}={value:.2f}")
        print(f"server_peak_rss_mb={service.peak_rss_mb():.0f}")
    finally:
        service.stop()
    if args.ceiling:
        with CeilingServer(args.workers) as ceiling_url:
            if args.wrk:
                ceiling = bench_wrk(ceiling_url, "none", args.concurrency, args.wrk_seconds)
                ceiling_rps = ceiling["wrk_rps"]
                for key, value in ceiling.items():
                    print(f"ceiling_{key}={value:.1f}")
            else:
                ceiling_run = bench_single(ceiling_url, "none", max(args.single, 3000),
                                           args.concurrency)
                ceiling_rps = ceiling_run["single_post_rps"]
                for key, value in ceiling_run.items():
                    print(f"ceiling_{key.removeprefix('single_post_')}={value:.2f}")
        if single_rps:
            print(f"single_ceiling_ratio={single_rps / ceiling_rps:.3f}")
    print(f"finished_utc={time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}")


if __name__ == "__main__":
    main()
