"""Comparing a ledger with the store, and replacing receipts the ledger no longer holds.

A crash can lose a node's last seconds (the local EVM node saves its state
every second): the store then keeps receipts for headers the chain no longer
holds. Such a receipt is dropped, the event is logged (and kept in the kv
table), and the anchor worker anchors the header again in sequence order:
every sealed header ends on the chain exactly once, in order. A receipt is
never kept silently once its header is gone.

The check is cheap whatever the ledger's length: the registry and the
chaincode accept header ``n`` only after ``n - 1`` with a matching previous
hash, so when the ledger holds the store's header at the highest receipted
sequence it holds every one below it too. Only when the ledger's head is
below that sequence are the receipts above the head replaced, after checking
that the head itself is the store's header (anything else is a fork, which is
refused, never repaired).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Engine, delete, func, select

from anchoring.backend import AnchorBackend, AnchorRefused
from ledger_service.core.metrics import ANCHOR_FAILURES
from ledger_service.store import kv
from ledger_service.store.fast import write_transaction
from ledger_service.store.tables import ANCHORS, BATCHES

log = logging.getLogger(__name__)

#: kv key of the replaced receipts (most recent last, bounded).
REPLACED_KEY = "anchor.replaced."
_KEEP = 1000


@dataclass
class Reconciled:
    """What one comparison found."""

    ledger_head: int | None = None
    store_top: int | None = None
    replaced: list[dict[str, Any]] = field(default_factory=list)


def _stored_hash(engine: Engine, seq: int) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(BATCHES.c.header_hash).where(BATCHES.c.seq == seq)
                            ).scalar()


def reconcile(engine: Engine, backend: AnchorBackend, ledger_id: str) -> Reconciled:
    """Compare the ledger with the store's receipts for ``backend``; replace lost ones.

    Raises AnchorUnavailable when the ledger cannot be read, and
    AnchorRefused("fork") when it holds another header than the store.
    """
    with engine.connect() as conn:
        top = conn.execute(select(func.max(ANCHORS.c.batch_seq))
                           .where(ANCHORS.c.backend == backend.name)).scalar()
    result = Reconciled(store_top=top)
    if top is None:
        return result
    head = backend.head(ledger_id)
    result.ledger_head = None if head is None else head[0]
    if head is not None and head[0] >= top:
        held = backend.read_header(ledger_id, top)
        expected = _stored_hash(engine, top)
        if held is None or held.header_hash != expected:
            raise AnchorRefused("fork", f"{backend.name} holds header "
                                f"{None if held is None else held.header_hash} at seq {top}, "
                                f"the store's is {expected}")
        return result
    if head is not None:
        expected = _stored_hash(engine, head[0])
        if head[1] != expected:
            raise AnchorRefused("fork", f"{backend.name}'s head is seq {head[0]} with header "
                                f"{head[1]}, the store's header there is {expected}")
    first_lost = 0 if head is None else head[0] + 1
    with write_transaction(engine) as conn:
        lost = conn.execute(select(ANCHORS.c.batch_seq, ANCHORS.c.receipt)
                            .where(ANCHORS.c.backend == backend.name)
                            .where(ANCHORS.c.batch_seq >= first_lost)
                            .order_by(ANCHORS.c.batch_seq)).all()
        conn.execute(delete(ANCHORS).where(ANCHORS.c.backend == backend.name)
                     .where(ANCHORS.c.batch_seq >= first_lost))
    now_us = time.time_ns() // 1000
    for row in lost:
        receipt = orjson.loads(row.receipt)
        result.replaced.append({"seq": row.batch_seq, "receipt": receipt, "at_us": now_us})
        log.warning("anchor %s: the ledger no longer holds seq %d (receipt tx %s, block %s); "
                    "the receipt is replaced by a new anchor", backend.name, row.batch_seq,
                    receipt.get("tx_hash") or receipt.get("tx_id"), receipt.get("block_number"))
        ANCHOR_FAILURES.labels(backend.name, "receipt_lost").inc()
    if result.replaced:
        key = REPLACED_KEY + backend.name
        history = (kv.get(engine, key) or []) + result.replaced
        kv.put(engine, key, history[-_KEEP:])
    return result
