"""Model kinds: which code reads a spec, chosen by the spec's ``kind``.

The ledger records a model by the hash of its spec; the spec's ``kind`` says
how to run it. Today there is one kind, ``scorecard/v1``. A later model (a
``scorecard/v2`` with another normalisation, say) is added by registering a
new kind next to it, never by changing what ``scorecard/v1`` computes: scores
already on the ledger must keep recomputing to the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger_proof.scoring.card import Scorecard
from ledger_proof.scoring.spec import KIND_SCORECARD_V1, SpecError

#: kind -> factory building a model from a spec (raising SpecError on a bad one).
KINDS: dict[str, Callable[[dict[str, Any]], Scorecard]] = {KIND_SCORECARD_V1: Scorecard.from_spec}


def register_kind(kind: str, factory: Callable[[dict[str, Any]], Scorecard]) -> None:
    """Add a model kind; an existing kind is never replaced (its scores must not change)."""
    if kind in KINDS:
        raise ValueError(f"model kind {kind!r} is already registered")
    KINDS[kind] = factory


def load_model(spec: Any) -> Scorecard:
    """Build the model a spec describes, by its ``kind``; SpecError for an unknown kind."""
    kind = spec.get("kind") if isinstance(spec, dict) else None
    factory = KINDS.get(kind) if isinstance(kind, str) else None
    if factory is None:
        raise SpecError(f"unknown model kind {kind!r}; known kinds: {sorted(KINDS)}")
    return factory(spec)
