"""Recording evidence events: ref rules, org signatures, commitments, one transaction.

Everything is checked before anything is written, and all rows of a request
go in with one INSERT in one transaction: a bulk request with one bad event
changes nothing.
"""

from __future__ import annotations

import os
import time
from collections import ChainMap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from ledger_proof.canonical import canonicalize
from ledger_proof.commitment import commitment_of, leaf_of, new_salts
from ledger_proof.signing import InvalidKey, InvalidSignature, verify
from ledger_proof.timefmt import to_text, to_us, us_text
from ledger_service.core.errors import (
    AlertCleared,
    BadSignature,
    DuplicateEvent,
    ModelConflict,
    UnknownRef,
)
from ledger_service.evidence.encoding import canonicalize_schema_document
from ledger_service.evidence.refs import LOAN_TYPES, NEEDS_REFS, RefInfo, check_ref_rules
from ledger_service.evidence.schemas import ALERT_TYPE, CLEARED_TYPE, MODEL_TYPE, payload_json
from ledger_service.evidence.scoring import (
    Registration,
    card_of,
    check_alert,
    check_clearance,
    check_registration,
    check_score,
)
from ledger_service.pipeline.batcher import sealed_upto
from ledger_service.store.fast import insert_events, write_transaction
from ledger_service.store.generation import GenerationCache, GenerationReader
from ledger_service.store.tables import EVENTS, MODEL_REGISTRATIONS, ORGS

_LOOKUP_CHUNK = 500
#: Types whose intake rules need the model evidence on record (evidence/scoring.py).
MODEL_EVIDENCE = frozenset({MODEL_TYPE, "score.computed", ALERT_TYPE, CLEARED_TYPE})


class Recorded(NamedTuple):
    """What intake answers for one event (a tuple: bulk requests make ten thousand)."""

    id: str
    leaf_hash: str
    status: str = "pending"
    duplicate: bool = False


def new_event_ids(count: int) -> list[str]:
    """'evt_' + 32 hex each: 48-bit millisecond time then 80 random bits (UUIDv7-like).

    Time-ordered ids keep the unique index append-mostly; one CSPRNG read
    serves a whole request (a syscall per event showed up in profiles).
    """
    prefix = "evt_" + (time.time_ns() // 1_000_000).to_bytes(6, "big").hex()
    pool = os.urandom(10 * count).hex()
    return [prefix + pool[i:i + 20] for i in range(0, 20 * count, 20)]


@dataclass
class Submission:
    """One request's worth of events, as intake receives it."""

    org: str
    events: Sequence[Any]
    #: The events as submitted (JSON objects), needed only to check org signatures.
    raw_events: Sequence[dict[str, Any]] | None = None
    bulk_signature: str | None = None
    raw_bulk: dict[str, Any] | None = None
    #: The security generation the request read when it authenticated, so the org-rules
    #: cache needs no second read (None: read it here).
    security_generation: int | None = None


@dataclass(frozen=True)
class Prepared:
    """A checked submission, ready to insert: rows in EVENT_COLUMNS order and the answers."""

    rows: list[tuple[Any, ...]]
    results: list[Recorded]
    #: Rules judged again under the write lock, just before the insert: facts that a
    #: concurrent submission could change between prepare and insert (a model id and
    #: version registered twice, an alert cleared twice).
    guards: tuple[Any, ...] = ()


class _LazyConnection:
    """A pooled connection checked out on first ``get()`` (if ever), returned by ``close()``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None

    def get(self) -> Connection:
        if self._conn is None:
            self._conn = self.engine.connect()
        return self._conn

    def execute(self, *args: Any, **kw: Any) -> Any:
        """Connection.execute, checking the connection out on the first statement."""
        return self.get().execute(*args, **kw)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class Recorder:
    """Validated events in, committed rows out.

    ``apply`` does all of one submission's work on a connection inside the
    caller's write transaction (intake_queue groups many submissions into one
    commit); ``record`` is the same in a transaction of its own.
    """

    def __init__(self, engine: Engine, operator_uscc: str = "91350100MA8HX0001M") -> None:
        self.engine = engine
        self.operator_uscc = operator_uscc
        self._org_rules = GenerationCache[str, tuple[str | None, bool]](
            GenerationReader(engine))
        #: Registrations by event id: immutable once recorded (never erasable), so cached.
        self._registrations: dict[str, Registration] = {}
        #: RefInfo of model registrations, the ref every score carries: an event's id,
        #: type, enterprise and loan never change and registrations are never erased, so a
        #: score citing a known registration needs no read of the store for it.
        self._registration_refs: dict[str, RefInfo] = {}

    # -- model evidence ------------------------------------------------------------------

    def registrations(self, conn: Connection, ids: Iterable[str] | None = None
                      ) -> dict[str, Registration]:
        """Recorded model registrations (all, or those among ids), cards built once."""
        stmt = select(EVENTS.c.id).where(MODEL_REGISTRATIONS)  # the partial index
        wanted = None if ids is None else list(dict.fromkeys(ids))
        if wanted is not None:
            if not wanted:
                return {}
            if all(i in self._registrations for i in wanted):
                return {i: self._registrations[i] for i in wanted}
            stmt = stmt.where(EVENTS.c.id.in_(wanted))
        found = [r.id for r in conn.execute(stmt)]
        missing = [i for i in found if i not in self._registrations]
        if missing:
            for row in conn.execute(select(EVENTS.c.id, EVENTS.c.body)
                                    .where(EVENTS.c.id.in_(missing))):
                if row.body is None:
                    continue
                doc = orjson.loads(row.body)
                self._registrations[row.id] = Registration(
                    row.id, card_of(doc["payload"]["spec"]), doc["occurred_at"])
        return {i: self._registrations[i] for i in found if i in self._registrations}

    @staticmethod
    def cleared_alerts(conn: Connection, enterprises: Iterable[str]) -> set[str]:
        """Ids of the alerts a recorded risk.cleared clears, for these enterprises."""
        cleared: set[str] = set()
        for row in conn.execute(select(EVENTS.c.body).where(EVENTS.c.type == CLEARED_TYPE)
                                .where(EVENTS.c.enterprise_id.in_(sorted(set(enterprises))))):
            if row.body is not None:
                cleared.add(orjson.loads(row.body)["payload"]["alert_id"])
        return cleared

    def check_model_evidence(self, conn: Connection, indexed: list[tuple[int, str, Any]],
                             refs: Any, stored: dict[str, Registration]) -> None:
        """The rules of evidence/scoring.py for the new events of one submission, in
        request order (an event may cite a registration or alert earlier in the request).
        ``stored`` is every recorded registration; raises before anything is written."""
        local_regs: dict[str, Registration] = {}
        taken = {(r.card.model_id, r.card.model_version): r for r in stored.values()}
        enterprises = [e["enterprise_id"] for _, _, e in indexed if e["type"] == CLEARED_TYPE]
        cleared = self.cleared_alerts(conn, enterprises) if enterprises else set()
        for index, event_id, event in indexed:
            etype, payload = event["type"], event["payload"]
            if etype == MODEL_TYPE:
                card = check_registration(index, event, self.operator_uscc)
                other = taken.get((card.model_id, card.model_version))
                if other is not None:
                    same = other.model_hash == card.hash
                    raise ModelConflict(
                        f"model {card.model_id} {card.model_version} is registered already"
                        + (" (the same specification, as " + other.id + ")" if same else
                           " with another specification"),
                        index=index, registration=other.id, same_specification=same)
                reg = Registration(event_id, card, None)
                local_regs[event_id] = taken[(card.model_id, card.model_version)] = reg
            elif etype == "score.computed":
                cited = [local_regs.get(r) or stored.get(r) for r in event.get("refs") or ()
                         if refs[r].type == MODEL_TYPE]
                check_score(index, event, [r for r in cited if r is not None])
            elif etype == ALERT_TYPE:
                known = frozenset(i for r in (*stored.values(), *local_regs.values())
                                  for i in r.card.indicator_ids)
                check_alert(index, event, known)
            elif etype == CLEARED_TYPE:
                target = refs.get(payload["alert_id"])
                check_clearance(index, event, None if target is None else target.type,
                                None if target is None else target.enterprise_id,
                                payload["alert_id"] in cleared)
                cleared.add(payload["alert_id"])

    def _model_guard(self, indexed: list[tuple[int, str, Any]]) -> Any:
        """Judged again under the write lock: a registration of the same model id and
        version, or a clearance of the same alert, recorded by a concurrent submission
        since prepare."""
        def guard(conn: Connection) -> None:
            taken = {(r.card.model_id, r.card.model_version): r.id
                     for r in self.registrations(conn).values()}
            enterprises = [e["enterprise_id"] for _, _, e in indexed if e["type"] == CLEARED_TYPE]
            cleared = self.cleared_alerts(conn, enterprises) if enterprises else set()
            for index, _event_id, event in indexed:
                payload = event["payload"]
                if event["type"] == MODEL_TYPE:
                    other = taken.get((payload["model_id"], payload["model_version"]))
                    if other is not None:
                        raise ModelConflict(f"model {payload['model_id']} "
                                            f"{payload['model_version']} was registered "
                                            "meanwhile", index=index, registration=other)
                elif event["type"] == CLEARED_TYPE and payload["alert_id"] in cleared:
                    raise AlertCleared(f"alert {payload['alert_id']} was cleared meanwhile",
                                       index=index, alert_id=payload["alert_id"])
        return guard

    def lookup(self, ids: Iterable[str], conn: Any = None) -> dict[str, RefInfo]:
        """RefInfo for the stored events among ids (conn: a Connection, a lazy one, or
        None for a connection of its own); known model registrations are not read."""
        wanted = list(dict.fromkeys(ids))
        known = self._registration_refs
        found: dict[str, RefInfo] = {i: known[i] for i in wanted if i in known}
        if len(found) < len(wanted):
            if found:
                wanted = [i for i in wanted if i not in found]
            if conn is None:
                with self.engine.connect() as own:
                    return {**found, **self.lookup(wanted, own)}
            cols = (EVENTS.c.id, EVENTS.c.type, EVENTS.c.enterprise_id, EVENTS.c.loan_id)
            for i in range(0, len(wanted), _LOOKUP_CHUNK):
                chunk = wanted[i:i + _LOOKUP_CHUNK]
                for row in conn.execute(select(*cols).where(EVENTS.c.id.in_(chunk))):
                    info = RefInfo(row.id, row.type, row.enterprise_id, row.loan_id)
                    found[row.id] = info
                    if row.type == MODEL_TYPE:
                        known[row.id] = info
        return found

    def _org_key(self, conn: Connection | _LazyConnection, org: str,
                 generation: int | None = None) -> tuple[str | None, bool]:
        """The org's signing key and rules, cached until the security generation moves."""
        def load() -> tuple[str | None, bool]:
            db = conn.get() if isinstance(conn, _LazyConnection) else conn
            row = db.execute(select(ORGS.c.public_key, ORGS.c.require_signatures)
                             .where(ORGS.c.name == org)).first()
            return (row.public_key, bool(row.require_signatures)) if row else (None, False)
        return self._org_rules.get(org, load, generation)

    def verify_signatures(self, conn: Connection | _LazyConnection, sub: Submission) -> None:
        """Org signatures: over JCS of each event as submitted (minus "signature"),
        and/or one over JCS({"events": [...]}) for a whole bulk request.

        Every signature present is checked, including per-event signatures inside a bulk
        signed as a whole: whatever is stored as an event's org signature was verified.
        """
        signed = sub.bulk_signature is not None or any(e.get("signature") for e in sub.events)
        public_key, required = self._org_key(conn, sub.org, sub.security_generation)
        if not signed:
            if required:
                raise BadSignature(f"org {sub.org!r} must sign its submissions")
            return
        if public_key is None:
            raise BadSignature(f"org {sub.org!r} has no registered public key to verify against")
        if sub.bulk_signature is not None:
            assert sub.raw_bulk is not None
            message = canonicalize({k: v for k, v in sub.raw_bulk.items() if k != "signature"})
            try:
                verify(public_key, message, sub.bulk_signature)
            except (InvalidKey, InvalidSignature) as exc:
                raise BadSignature(str(exc)) from None
        raw_events = sub.raw_events or [{}] * len(sub.events)
        for index, (event, doc) in enumerate(zip(sub.events, raw_events, strict=True)):
            if not event.get("signature"):
                if required and sub.bulk_signature is None:
                    raise BadSignature("unsigned event in a signed submission", index=index)
                continue
            message = canonicalize({k: v for k, v in doc.items() if k != "signature"})
            try:
                verify(public_key, message, event["signature"])
            except (InvalidKey, InvalidSignature) as exc:
                raise BadSignature(f"event {index}: {exc}", index=index) from None

    def record(self, org: str, events: Sequence[Any], **signed: Any) -> list[Recorded]:
        """Commit and store events atomically in a transaction of their own."""
        sub = Submission(org, events, **signed)
        try:
            with write_transaction(self.engine) as conn:
                return self.apply(conn, sub)
        except IntegrityError:
            # Only the unique event id can collide: a concurrent submission of the same
            # client-chosen id won the race. Answer as a retry would be answered.
            with write_transaction(self.engine) as conn:
                return self.apply(conn, sub)

    def apply(self, conn: Connection, sub: Submission) -> list[Recorded]:
        """Check and insert one submission on conn; raises before writing anything if bad."""
        return self.insert(conn, self.prepare(sub, conn))

    def insert(self, conn: Connection, prepared: Prepared) -> list[Recorded]:
        """The only part that needs the write lock: one multi-row insert (after the
        guards, rules a concurrent submission could have changed since prepare)."""
        for guard in prepared.guards:
            guard(conn)
        insert_events(conn, prepared.rows)
        return prepared.results

    def prepare(self, sub: Submission, conn: Connection | None = None) -> Prepared:
        """Everything but the write: signatures, ids, refs and rules, commitments, rows.

        Reads only, so it runs outside the write lock (in parallel across API
        processes); events are never deleted, so a ref found here still exists
        at insert. A client-chosen id inserted concurrently surfaces as a unique
        violation at insert, and the submission is then prepared again.
        """
        if conn is None:
            # A connection only when something must be read (refs, client ids, model
            # evidence, a cache miss): checking one out of the pool and returning it
            # cost more than the rest of a single event's preparation.
            lazy = _LazyConnection(self.engine)
            try:
                self.verify_signatures(lazy, sub)
                if not any(e.get("id") or e.get("refs") or e["type"] in MODEL_EVIDENCE
                           for e in sub.events):
                    return self._prepare_checked(sub, None)
                # Checked out on the first statement: a score citing a registration this
                # process knows reads nothing.
                return self._prepare_checked(sub, lazy)  # type: ignore[arg-type]
            finally:
                lazy.close()
        self.verify_signatures(conn, sub)
        return self._prepare_checked(sub, conn)

    def _prepare_checked(self, sub: Submission, conn: Connection | None) -> Prepared:
        """prepare() past the signatures; conn may be None when no event names an id or
        refs (nothing to look up)."""
        org, events = sub.org, sub.events
        recorded_us = time.time_ns() // 1000
        recorded_at = us_text(recorded_us)
        fresh = iter(new_event_ids(len(events)))
        ids = [e.get("id") or next(fresh) for e in events]
        given = [e["id"] for e in events if e.get("id")]
        if len(set(ids)) != len(ids):
            raise DuplicateEvent("the request names one event id twice")
        existing_ids = set(self.lookup(given, conn)) if given else set()
        local: dict[str, RefInfo] = {}
        ref_ids = {r for e in events for r in e.get("refs") or ()}
        # Events new in this request are cited through `local`, in request order; stored
        # ones (a retry may repeat them) are looked up like any earlier event.
        refs = self.lookup(ref_ids - (set(ids) - existing_ids), conn) if ref_ids else {}
        rows: list[tuple[Any, ...]] = []
        results: list[Recorded] = []
        modelled: list[tuple[int, str, Any]] = []
        salts = new_salts(len(events))
        # Per-event work is the bulk path's cost (tens of thousands a second): names are
        # bound once, and `local` (events of this request, for refs) is kept only when
        # some event cites anything, since nothing else consults it.
        track_local = bool(ref_ids)
        append_row, append_result = rows.append, results.append
        for index, (event, event_id) in enumerate(zip(events, ids, strict=True)):
            if event_id in existing_ids:
                assert conn is not None  # existing ids come from a lookup on conn
                append_result(self._existing(conn, org, event, event_id, index))
                continue
            etype, enterprise = event["type"], event["enterprise_id"]
            event_refs = event.get("refs") or []
            for r in event_refs:
                if r not in refs and r not in local:
                    raise UnknownRef(f"event {index} refs {r}, which is not recorded "
                                     "(or comes later in this request)", index=index, ref=r)
            if event_refs or etype in NEEDS_REFS:
                check_ref_rules(index, event, ChainMap(local, refs))
            if etype in MODEL_EVIDENCE:
                modelled.append((index, event_id, event))
            loan_id = event["payload"]["loan_id"] if etype in LOAN_TYPES else None
            if track_local:
                local[event_id] = RefInfo(event_id, etype, enterprise, loan_id)
            occurred = event["occurred_at"]
            body = canonicalize_schema_document(
                {"id": event_id, "type": etype, "enterprise_id": enterprise,
                 "org": org, "occurred_at": to_text(occurred),
                 "recorded_at": recorded_at, "refs": event_refs,
                 "payload": payload_json(event)})
            salt = salts[index]
            commitment = commitment_of(salt, body)
            leaf = leaf_of(commitment)
            append_row((event_id, etype, enterprise, org, loan_id, to_us(occurred), recorded_us,
                        orjson.dumps(event_refs).decode() if event_refs else "[]", body,
                        salt, commitment, leaf, event.get("signature")))
            append_result(Recorded(event_id, leaf.hex()))
        guards: tuple[Any, ...] = ()
        if modelled:
            assert conn is not None  # prepare() reads whenever model evidence is submitted
            # Every registration when one is submitted (a model id and version registered
            # once) or an alert names indicators (known to some model); for scores and
            # clearances only the registrations they cite.
            everything = any(e["type"] in (MODEL_TYPE, ALERT_TYPE) for _, _, e in modelled)
            cited = None if everything else [r for _, _, e in modelled for r in
                                             e.get("refs") or () if r in refs
                                             and refs[r].type == MODEL_TYPE]
            self.check_model_evidence(conn, modelled, ChainMap(local, refs),
                                      self.registrations(conn, cited))
            if any(e["type"] in (MODEL_TYPE, CLEARED_TYPE) for _, _, e in modelled):
                guards = (self._model_guard(modelled),)
        return Prepared(rows, results, guards)

    @staticmethod
    def _existing(conn: Connection, org: str, event: Any, event_id: str, index: int
                  ) -> Recorded:
        """A retried submission of a stored event is answered; a different one is refused."""
        row = conn.execute(select(EVENTS.c.body, EVENTS.c.org, EVENTS.c.leaf_hash,
                                  EVENTS.c.pos).where(EVENTS.c.id == event_id)).one()
        upto = sealed_upto(conn)
        same = False
        if row.body is not None and row.org == org:
            stored = orjson.loads(row.body)
            same = (stored["type"] == event["type"]
                    and stored["enterprise_id"] == event["enterprise_id"]
                    and stored["occurred_at"] == to_text(event["occurred_at"])
                    and stored["refs"] == list(event.get("refs") or [])
                    and stored["payload"] == payload_json(event))
        if not same:
            raise DuplicateEvent(f"event id {event_id} is already recorded with other content",
                                 index=index, id=event_id)
        status = "pending" if row.pos > upto else "sealed"
        return Recorded(event_id, row.leaf_hash.hex(), status, duplicate=True)

