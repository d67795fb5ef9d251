"""Scores that cite a registered model, for every test that records one.

A ``score.computed`` is refused unless it cites the ``model.registered`` that
computed it and is consistent under that model, so tests register the reference
model once per ledger (``register_reference``: a fixed event, recording it again
is answered, not duplicated) and build scores with ``score_event`` (every factor
at the score: consistent under any weights) or from inputs with
``inputs_for``/``scored_event`` (what the model computes from them).
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import httpx
import orjson

from ledger_proof.scoring import REFERENCE_SPEC, Scorecard, inputs_digest, score_payload
from ledger_service.evidence.schemas import EVENT_ADAPTER
from ledger_service.evidence.scoring import REFERENCE_REGISTERED_AT
from ledger_service.evidence.story import (
    PLATFORM_ORG,
    REFERENCE_MODEL_ID,
    at,
    reference_model_event,
    score_event,
)
from ledger_service.runtime.context import LedgerContext

CARD = Scorecard.from_spec(REFERENCE_SPEC)
SALT = bytes(range(32))

__all__ = ["CARD", "REFERENCE_MODEL_ID", "SALT", "inputs_for", "register_reference",
           "register_reference_http", "score_event", "scored_event"]


def register_reference(ctx: LedgerContext) -> str:
    """Record the reference model's registration in this ledger (idempotent)."""
    event = EVENT_ADAPTER.validate_json(orjson.dumps(
        reference_model_event(ctx.settings.operator_uscc)))
    return ctx.recorder.record(PLATFORM_ORG, [event])[0].id


def register_reference_http(url: str, token: str) -> str:
    """The same registration through a running service's API (idempotent)."""
    r = httpx.post(f"{url}/v1/models", params={"occurred_at": REFERENCE_REGISTERED_AT},
                   json=REFERENCE_SPEC, headers={"Authorization": f"Bearer {token}"},
                   timeout=30)
    assert r.status_code in (200, 201), r.text
    assert r.json()["event_id"] == REFERENCE_MODEL_ID
    return REFERENCE_MODEL_ID


def inputs_for(**overrides: int) -> dict[str, Any]:
    """Valid inputs for the reference model: every indicator at the middle of its
    normalisation bounds, except those overridden (id=value)."""
    indicators = {}
    for dimension in REFERENCE_SPEC["dimensions"]:
        for factor in dimension["factors"]:
            for ind in factor["indicators"]:
                value = overrides.get(ind["id"], (ind["lower"] + ind["upper"]) // 2)
                indicators[ind["id"]] = {"value": value, "unit": ind["unit"]}
    return {"indicators": indicators}


def scored_event(uscc: str, inputs: dict[str, Any] | None = None, hours: float = 0,
                 salt: bytes = SALT) -> dict[str, Any]:
    """A score.computed the reference model computes from inputs (digest under salt)."""
    inputs = copy.deepcopy(inputs) if inputs is not None else inputs_for()
    result = CARD.compute(inputs)
    return {"type": "score.computed", "enterprise_id": uscc, "occurred_at": at(hours),
            "refs": [REFERENCE_MODEL_ID],
            "payload": score_payload(CARD, result, inputs_digest(inputs, salt))}


def digest_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
