"""`ledger audit`: recompute everything from the store and compare with the ledgers.

The service's own tables are the thing under suspicion here, so nothing is
taken from them on trust: every commitment is recomputed from payload and
salt, every leaf from its commitment, every root from its leaves, every
header hash and signature from the header, every chain link from the
previous header, and each header is compared with what each configured
ledger holds. Every discrepancy is reported with the batch and event it
concerns; the audit never stops at the first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

import orjson
from sqlalchemy import Engine, select

from anchoring.backend import AnchorBackend, AnchorError
from ledger_proof import merkle
from ledger_proof.canonical import CanonicalizationError
from ledger_proof.commitment import commitment_of, leaf_of
from ledger_proof.headers import (
    GENESIS_PREV_HASH,
    HeaderError,
    check_shape,
    header_bytes,
    header_hash,
)
from ledger_proof.signing import InvalidKey, InvalidSignature, verify
from ledger_service.store.tables import ANCHORS, BATCHES, EVENTS

_EVENT_CHUNK = 5000


@dataclass(frozen=True)
class Finding:
    """One discrepancy: what kind, where, and what was seen."""

    kind: str
    detail: str
    batch: int | None = None
    event: str | None = None
    #: "error" fails the audit; "warning" (a header not yet anchored) does not.
    severity: str = "error"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AuditReport:
    batches: int = 0
    events: int = 0
    ledgers: tuple[str, ...] = ()
    findings: list[Finding] | None = None

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings or [])


class Auditor:
    """Walks batches in sequence order; ``keys`` are the public keys headers may be signed by."""

    def __init__(self, engine: Engine, keys: dict[str, str], ledger_id: str,
                 backends: list[AnchorBackend] | None = None) -> None:
        self.engine = engine
        self.keys = keys
        self.ledger_id = ledger_id
        self.backends = backends or []
        self.findings: list[Finding] = []

    def flag(self, kind: str, detail: str, batch: int | None = None,
             event: str | None = None, severity: str = "error") -> None:
        self.findings.append(Finding(kind, detail, batch, event, severity))

    def run(self, from_seq: int = 0, progress: Callable[[int, int], None] | None = None
            ) -> AuditReport:
        with self.engine.connect() as conn:
            batches = conn.execute(select(BATCHES).where(BATCHES.c.seq >= max(0, from_seq - 1))
                                   .order_by(BATCHES.c.seq)).all()
        report = AuditReport(ledgers=tuple(b.name for b in self.backends))
        prev = None
        if batches and from_seq > 0 and batches[0].seq == from_seq - 1:
            prev, batches = batches[0], batches[1:]
        expected_seq = from_seq
        for done, batch in enumerate(batches, start=1):
            report.events += self._batch(batch, prev, expected_seq)
            expected_seq, prev = batch.seq + 1, batch
            report.batches += 1
            if progress:
                progress(done, len(batches))
        report.events += self._pending(prev)
        report.findings = self.findings
        return report

    def _batch(self, batch: Any, prev: Any, expected_seq: int) -> int:
        seq = batch.seq
        if seq != expected_seq:
            self.flag("missing_batch", f"batches jump from {expected_seq - 1} to {seq}", seq)
        try:
            header = check_shape(orjson.loads(batch.header))
        except (orjson.JSONDecodeError, HeaderError) as exc:
            self.flag("forged_header", f"header is not a valid v1 header: {exc}", seq)
            return 0
        self._header(batch, header, prev)
        events = self._events(batch.first_pos, batch.last_pos)
        leaves = []
        for row in events:
            leaves.append(row.leaf_hash)
            self._event(row, seq)
        if prev is not None and batch.first_pos != prev.last_pos + 1:
            self.flag("position_gap", f"batch covers positions {batch.first_pos}-"
                      f"{batch.last_pos}; the previous one ended at {prev.last_pos}", seq)
        if len(events) != header["size"] or len(events) != batch.size:
            self.flag("deleted_event", f"header says {header['size']} events, the store holds "
                      f"{len(events)} in the batch's range", seq)
        if events and (events[0].id != header["first_event"]
                       or events[-1].id != header["last_event"]):
            self.flag("reordered_events", f"the batch's range starts/ends with {events[0].id}/"
                      f"{events[-1].id}, the header names {header['first_event']}/"
                      f"{header['last_event']}", seq)
        root = merkle.root(leaves).hex()
        if root != header["merkle_root"]:
            self.flag("root_mismatch", f"the stored leaves hash to {root}, the signed header "
                      f"says {header['merkle_root']} (events altered, deleted or reordered)", seq)
        self._ledgers(batch, header)
        return len(events)

    def _header(self, batch: Any, header: dict[str, Any], prev: Any) -> None:
        seq = batch.seq
        try:
            computed = header_hash(header)
        except CanonicalizationError as exc:
            self.flag("forged_header", f"header cannot be canonicalized: {exc}", seq)
            return
        if computed != batch.header_hash:
            self.flag("header_hash_mismatch", f"header hashes to {computed}, stored hash is "
                      f"{batch.header_hash}", seq)
        if header["seq"] != seq:
            self.flag("forged_header", f"header says seq {header['seq']}, stored as {seq}", seq)
        expected_prev = GENESIS_PREV_HASH if prev is None and seq == 0 else (
            prev.header_hash if prev is not None else None)
        if expected_prev is not None and header["prev_header_hash"] != expected_prev:
            self.flag("broken_chain", f"prev_header_hash {header['prev_header_hash']} is not the "
                      f"hash of batch {seq - 1} ({expected_prev})", seq)
        key = self.keys.get(batch.key_id)
        if key is None:
            self.flag("bad_signature", f"signed by unknown key {batch.key_id}", seq)
            return
        try:
            verify(key, header_bytes(header), batch.signature)
        except (InvalidKey, InvalidSignature) as exc:
            self.flag("bad_signature", f"header signature: {exc}", seq)

    def _events(self, first: int, last: int) -> list[Any]:
        cols = (EVENTS.c.pos, EVENTS.c.id, EVENTS.c.body, EVENTS.c.salt, EVENTS.c.commitment,
                EVENTS.c.leaf_hash, EVENTS.c.erased_us)
        with self.engine.connect() as conn:
            return conn.execute(select(*cols).where(EVENTS.c.pos >= first)
                                .where(EVENTS.c.pos <= last).order_by(EVENTS.c.pos)).all()

    def _event(self, row: Any, seq: int | None) -> None:
        if leaf_of(row.commitment) != row.leaf_hash:
            self.flag("leaf_mismatch", "stored leaf is not SHA-256(0x00 || commitment)", seq,
                      row.id)
        if row.body is None or row.salt is None:
            if (row.body is None) != (row.salt is None) or row.erased_us is None:
                self.flag("bad_erasure", "payload or salt missing without a recorded erasure",
                          seq, row.id)
            return
        if commitment_of(row.salt, row.body) != row.commitment:
            self.flag("altered_event", "payload and salt no longer hash to the commitment",
                      seq, row.id)
            return
        try:
            if orjson.loads(row.body).get("id") != row.id:
                self.flag("altered_event", "the committed event names another id", seq, row.id)
        except orjson.JSONDecodeError:
            self.flag("altered_event", "the committed body is not JSON", seq, row.id)

    def _pending(self, last_batch: Any) -> int:
        after = 0 if last_batch is None else last_batch.last_pos
        count = 0
        for chunk in self._chunks(after):
            for row in chunk:
                self._event(row, None)
                count += 1
        return count

    def _chunks(self, after: int) -> Iterator[list[Any]]:
        while True:
            chunk = self._events(after + 1, after + _EVENT_CHUNK)
            if not chunk:
                with self.engine.connect() as conn:
                    more = conn.execute(select(EVENTS.c.pos).where(EVENTS.c.pos > after)
                                        .limit(1)).first()
                if more is None:
                    return
                after = more.pos - 1
                continue
            yield chunk
            after = chunk[-1].pos

    def _ledgers(self, batch: Any, header: dict[str, Any]) -> None:
        with self.engine.connect() as conn:
            receipts = {r.backend for r in conn.execute(
                select(ANCHORS.c.backend).where(ANCHORS.c.batch_seq == batch.seq))}
        expected = hashlib.sha256(header_bytes(header)).hexdigest()
        for backend in self.backends:
            try:
                stored = backend.read_header(self.ledger_id, batch.seq)
            except AnchorError as exc:
                self.flag("ledger_unreadable", f"{backend.name}: {exc}", batch.seq)
                continue
            if stored is None:
                if backend.name in receipts:
                    self.flag("ledger_missing", f"a {backend.name} receipt exists but the "
                              f"ledger holds no header at seq {batch.seq}", batch.seq)
                else:
                    self.flag("not_anchored", f"not yet anchored on {backend.name}", batch.seq,
                              severity="warning")
                continue
            if stored.header_hash != expected or (stored.header is not None
                                                  and stored.header != header):
                self.flag("ledger_mismatch", f"{backend.name} holds header hash "
                          f"{stored.header_hash}, the store's header hashes to {expected}",
                          batch.seq)
