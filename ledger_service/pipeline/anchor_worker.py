"""Writing sealed batch headers to each configured ledger, in order, with retries.

One thread per backend, so a slow Fabric never holds back the EVM anchor and
vice versa. Headers go strictly in sequence order and the worker stops at the
first failure: the chaincode and the contract both refuse gaps, and retrying
the same header after an unknown outcome is a no-op on both. A receipt is
stored under a unique (batch, backend) constraint, so two workers racing (two
processes without a leader lock, or a restart mid-write) cannot record a batch
twice.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any

import orjson
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from anchoring.backend import AnchorBackend, AnchorRefused, AnchorUnavailable
from ledger_proof.signing import ServiceKey
from ledger_service.core.metrics import ANCHOR_FAILURES, ANCHORED
from ledger_service.pipeline.leader import LeaderLock
from ledger_service.store.fast import write_transaction
from ledger_service.store.tables import ANCHORS, BATCHES

log = logging.getLogger(__name__)
ANCHOR_LOCK_BASE = 0x4C45444745520100
_KEY_OF = {"fabric": 1, "evm": 2}


def unanchored(engine: Engine, backend: str, limit: int = 100) -> list[Any]:
    """Sealed batches with no receipt from this backend, oldest first."""
    done = select(ANCHORS.c.batch_seq).where(ANCHORS.c.backend == backend)
    with engine.connect() as conn:
        return conn.execute(select(BATCHES).where(BATCHES.c.seq.not_in(done))
                            .order_by(BATCHES.c.seq).limit(limit)).all()


def store_receipt(engine: Engine, seq: int, backend: str, receipt: dict[str, Any]) -> bool:
    """Record a receipt; False when one was already there (a retry or a racing worker)."""
    try:
        with write_transaction(engine) as conn:
            conn.execute(insert(ANCHORS).values(batch_seq=seq, backend=backend,
                                                receipt=orjson.dumps(receipt).decode(),
                                                anchored_us=time.time_ns() // 1000))
        return True
    except IntegrityError:
        return False


def anchor_pending(engine: Engine, backend: AnchorBackend, limit: int = 100) -> int:
    """Anchor up to ``limit`` pending headers in order; return how many were anchored.

    Raises AnchorUnavailable / AnchorRefused from the first header that fails;
    everything before it is recorded.
    """
    count = 0
    for row in unanchored(engine, backend.name, limit):
        header = orjson.loads(row.header)
        receipt = backend.anchor(header, row.header_hash, row.signature)
        receipt.setdefault("backend", backend.name)
        if store_receipt(engine, row.seq, backend.name, receipt):
            ANCHORED.labels(backend.name).inc()
        count += 1
    return count


class AnchorWorker(threading.Thread):
    """Background anchoring for one backend, with exponential backoff and jitter."""

    def __init__(self, engine: Engine, backend: AnchorBackend, key: ServiceKey, ledger_id: str,
                 max_backoff: float = 30.0, poll_seconds: float = 0.2) -> None:
        super().__init__(name=f"anchor-{backend.name}", daemon=True)
        self.engine = engine
        self.backend = backend
        self.key = key
        self.ledger_id = ledger_id
        self.max_backoff = max_backoff
        self.poll = poll_seconds
        self.lock = LeaderLock(engine, ANCHOR_LOCK_BASE + _KEY_OF.get(backend.name, 9),
                               f"{backend.name} anchoring")
        self.stopping = threading.Event()
        self.registered = False
        self.failures = 0
        self.state: dict[str, Any] = {"ok": True, "last_error": None, "failures": 0}

    def step(self) -> float:
        """One round; returns how long to wait before the next."""
        if not self.lock.hold():
            return 1.0
        try:
            if not self.registered:
                self.backend.register_ledger(self.ledger_id, self.key.public_key_b64)
                self.registered = True
            anchored = anchor_pending(self.engine, self.backend)
        except AnchorUnavailable as exc:
            return self._failed("unavailable", exc)
        except AnchorRefused as exc:
            return self._failed(f"refused:{exc.reason}", exc)
        except Exception as exc:
            log.exception("anchor %s: unexpected error", self.backend.name)
            return self._failed("error", exc)
        self.failures = 0
        self.state = {"ok": True, "last_error": None, "failures": 0}
        return 0.0 if anchored else self.poll

    def _failed(self, kind: str, exc: Exception) -> float:
        self.failures += 1
        ANCHOR_FAILURES.labels(self.backend.name, kind.split(":")[0]).inc()
        delay = min(self.max_backoff, 0.5 * 2 ** min(self.failures - 1, 10))
        delay *= random.uniform(0.8, 1.2)
        self.state = {"ok": False, "last_error": f"{kind}: {exc}"[:500],
                      "failures": self.failures, "retry_in_seconds": round(delay, 2)}
        log.warning("anchor %s: %s; retrying in %.1fs", self.backend.name, exc, delay)
        return delay

    def run(self) -> None:
        while not self.stopping.is_set():
            delay = self.step()
            if delay:
                self.stopping.wait(delay)
        self.lock.release()

    def stop(self) -> None:
        self.stopping.set()
