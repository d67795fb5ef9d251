"""Run `ledger serve` as a real subprocess, load it, kill it, and look at what is left.

Used by the crash, outage and scale-out tests. Everything listens on
127.0.0.1, every loop is bounded in count and time, and every process started
here is killed in a finally block.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import Engine, func, select

from ledger_service.api.server import free_port
from ledger_service.evidence.story import ENTERPRISES, score_event
from ledger_service.store.tables import ANCHORS, BATCHES, EVENTS

from ..scoring_support import register_reference_http


def ledger_cli(env: dict[str, str], *args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "ledger_service.cli.main", *args], env=env,
                         capture_output=True, text=True, timeout=120, check=True)
    return out.stdout


@dataclass
class Service:
    """One `ledger serve` process."""

    env: dict[str, str]
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        assert self.log is not None
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "ledger_service.cli.main", "serve", "--port", str(self.port),
                 "--log-level", "warning"], env=self.env, stdout=log, stderr=log,
                stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ledger serve exited with {self.proc.returncode}; "
                                   f"see {self.log}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("ledger serve did not become healthy")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def service_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "LEDGER_DATA_DIR": str(data_dir), "LEDGER_BATCH_MAX_EVENTS": "40",
           "LEDGER_BATCH_MAX_SECONDS": "0.2", "LEDGER_ANCHOR_RETRY_MAX_SECONDS": "1",
           "LEDGER_RATE_LIMIT_PER_SECOND": "0"}
    env.pop("DATABASE_URL", None)
    env.update(extra)
    return env


class Loader:
    """Threads posting single and bulk events until stopped; remembers what was acknowledged."""

    def __init__(self, urls: list[str], token: str, threads: int = 4) -> None:
        self.urls = urls
        self.token = token
        self.threads = threads
        self.acked: list[str] = []
        self.errors = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self._registered = False

    def _body(self, rng: random.Random) -> tuple[str, bytes]:
        ent = rng.choice(ENTERPRISES).uscc
        if rng.random() < 0.3:
            events = [score_event(ent, rng.randint(0, 1000), "BB", (50, 50, 50),
                                  hours=rng.random()) for _ in range(rng.randint(2, 30))]
            return "/v1/events/bulk", orjson.dumps({"events": events})
        return "/v1/events", orjson.dumps(score_event(ent, rng.randint(0, 1000), "BB",
                                                      (50, 50, 50), hours=rng.random()))

    def _run(self, seed: int) -> None:
        rng = random.Random(seed)
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        with httpx.Client(timeout=10) as client:
            while not self._stop.is_set():
                path, body = self._body(rng)
                url = rng.choice(self.urls)
                try:
                    r = client.post(url + path, content=body, headers=headers)
                except httpx.HTTPError:
                    with self._lock:
                        self.errors += 1
                    time.sleep(0.02)
                    continue
                if r.status_code != 201:
                    raise AssertionError(f"unexpected {r.status_code}: {r.text[:300]}")
                doc = r.json()
                ids = [e["id"] for e in doc["events"]] if "events" in doc else [doc["id"]]
                with self._lock:
                    self.acked.extend(ids)

    def start(self) -> None:
        if not self._registered:  # scores cite the reference model's registration
            register_reference_http(self.urls[0], self.token)
            self._registered = True
        self._stop.clear()
        self._workers = [threading.Thread(target=self._run, args=(random.random(),), daemon=True)
                         for _ in range(self.threads)]
        for w in self._workers:
            w.start()

    def stop(self) -> None:
        self._stop.set()
        for w in self._workers:
            w.join(timeout=30)


def row_count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def settled(engine: Engine) -> bool:
    """Every event is in a batch and every batch has a receipt (one backend configured)."""
    with engine.connect() as conn:
        sealed_to = conn.execute(select(func.coalesce(func.max(BATCHES.c.last_pos), 0))
                                 ).scalar_one()
        top = conn.execute(select(func.coalesce(func.max(EVENTS.c.pos), 0))).scalar_one()
    return sealed_to == top and row_count(engine, BATCHES) == row_count(engine, ANCHORS)


def wait_until(predicate: Any, timeout: float, what: str, poll: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(poll)
    raise AssertionError(f"timed out waiting for {what}")
