"""The ``score.computed`` payload a model produces, and the check that it follows from itself.

The payload records the model (id, version, hash), the factor and dimension
values, the score, the grade and the salted digest of the inputs; never the
inputs. Because it carries the nine factor values, anyone holding the model can
check that the dimensions, the score and the grade follow from them
(``consistency``) without seeing the inputs; only the inputs' owner (or an
auditor given inputs and salt) can check the factors themselves (``rescore``).
"""

from __future__ import annotations

import re
from typing import Any

from ledger_proof.scoring.card import Scorecard, ScoreResult
from ledger_proof.scoring.spec import SCALE

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def score_payload(card: Scorecard, result: ScoreResult, digest: str) -> dict[str, Any]:
    """The ``score.computed`` payload for ``result`` under ``card``, with the inputs' digest."""
    return {
        "model_id": card.model_id,
        "model_version": card.model_version,
        "model_hash": card.hash,
        "score": result.score,
        "grade": result.grade,
        "dimensions": {d: result.dimensions[d] for d in card.dimension_ids},
        "factors": {f: result.factors[f] for f in card.factor_ids},
        "inputs_digest": digest,
    }


def _value_ok(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= SCALE


def consistency(card: Scorecard, payload: dict[str, Any]) -> str | None:
    """The first field of ``payload`` that does not follow from its own factors, or None.

    In order: ``model_hash`` (not this model), ``model_id`` / ``model_version``
    (the payload names another model than the one it hashes), ``factors`` (not
    exactly the model's factor ids with integers 0..1000), ``dimension:<id>``
    (missing, or not the weighted floor of its factors), ``dimensions`` (ids
    the model does not have), ``score``, ``grade``, ``inputs_digest``
    (not 64 lowercase hex). The service uses this to refuse a score event whose
    numbers contradict each other; it cannot see the inputs, so it cannot tell
    whether the factors themselves are right.
    """
    if not isinstance(payload, dict) or payload.get("model_hash") != card.hash:
        return "model_hash"
    if payload.get("model_id") != card.model_id:
        return "model_id"
    if payload.get("model_version") != card.model_version:
        return "model_version"
    factors = payload.get("factors")
    if (not isinstance(factors, dict) or set(factors) != set(card.factor_ids)
            or not all(_value_ok(v) for v in factors.values())):
        return "factors"
    dimensions = payload.get("dimensions")
    if not isinstance(dimensions, dict):
        dimensions = {}
    expected = card.dimensions_from(factors)
    for dim in card.dimension_ids:
        value = dimensions.get(dim)
        if not _value_ok(value) or value != expected[dim]:
            return f"dimension:{dim}"
    if set(dimensions) != set(card.dimension_ids):
        return "dimensions"
    score = payload.get("score")
    if not _value_ok(score) or score != card.score_from(expected):
        return "score"
    if payload.get("grade") != card.grade_for(score):
        return "grade"
    digest = payload.get("inputs_digest")
    if not isinstance(digest, str) or not HEX64.fullmatch(digest):
        return "inputs_digest"
    return None
