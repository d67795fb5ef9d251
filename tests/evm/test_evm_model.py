"""Model-based check: random anchor attempts agree with a plain-Python model of the rules.

The model is the chaincode's rule set written the obvious way; the contract and
client must refuse and accept exactly what it does, with the same reason.
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anchoring.backend import AnchorRefused
from anchoring.evm.backend import EvmBackend
from anchoring.evm.chain import connect, deploy_contracts
from ledger_proof.headers import GENESIS_PREV_HASH, header_hash, make_header

LEDGER_NUMBERS = itertools.count()


@pytest.fixture(scope="module")
def backend() -> EvmBackend:
    """One embedded chain and registry for all examples; each example uses its own ledger."""
    chain = connect()
    return EvmBackend(chain, deploy_contracts(chain).anchor_registry)


def _header(ledger: str, seq: int, prev: str, variant: int) -> tuple[dict[str, Any], str]:
    header = make_header(
        ledger_id=ledger, seq=seq, prev_header_hash=prev,
        merkle_root=hashlib.sha256(f"{seq}-{variant}".encode()).hexdigest(), size=1,
        first_event="a", last_event="a", sealed_at="2026-11-26T10:00:00.000Z",
    )
    return header, header_hash(header)


def _model(stored: list[str], seq: int, prev: str, digest: str) -> str | None:
    """None: accepted (or identical no-op); else the refusal reason."""
    if seq < len(stored):
        expected_prev = stored[seq - 1] if seq else GENESIS_PREV_HASH
        return None if stored[seq] == digest and prev == expected_prev else "fork"
    if seq > len(stored):
        return "gap"
    expected_prev = stored[seq - 1] if seq else GENESIS_PREV_HASH
    return None if prev == expected_prev else "fork"


ops = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 1), st.booleans()), min_size=1, max_size=8
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=ops)
def test_random_anchor_attempts_follow_the_rules(
    backend: EvmBackend, ops: list[tuple[int, int, bool]]
) -> None:
    ledger = f"model-{next(LEDGER_NUMBERS)}"  # fresh per example, also while shrinking
    stored: list[str] = []
    for seq, variant, good_prev in ops:
        if good_prev:
            prev = (stored[seq - 1] if 0 < seq <= len(stored) else GENESIS_PREV_HASH)
        else:
            prev = hashlib.sha256(b"bogus").hexdigest()
        header, digest = _header(ledger, seq, prev, variant)
        expected = _model(stored, seq, prev, digest)
        try:
            backend.anchor(header, digest, "sig")
            outcome = None
        except AnchorRefused as exc:
            outcome = exc.reason
        assert outcome == expected, (seq, variant, good_prev, stored)
        if outcome is None and seq == len(stored):
            stored.append(digest)
        head = backend.head(ledger)
        assert head == ((len(stored) - 1, stored[-1]) if stored else None)
