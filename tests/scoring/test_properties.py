"""Properties of the reference scorecard that must hold for every valid input.

- direction: raising one indicator within its valid range never moves its points,
  its factor, its dimension or the score the wrong way;
- bounds: points, factors, dimensions and the score stay within 0..1000;
- determinism: the same inputs give byte-identical canonical JSON, here and in a
  fresh interpreter with another hash seed;
- rescore: any change of one indicator's value is detected, named by the factor it
  moved or, if it moved nothing, by the inputs digest;
- consistency: a payload whose dimension, score, grade or factor was changed
  contradicts itself.
"""

from __future__ import annotations

import copy
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ledger_proof.canonical import canonicalize_reference
from ledger_proof.scoring import (
    REFERENCE_SPEC,
    consistency,
    inputs_digest,
    rescore,
    score_payload,
)

from .builders import CARD, inputs_of, with_value

SPEC_OF = {i: CARD.indicator(i) for i in CARD.indicator_ids}
DIMENSION_OF = {f: d for d in CARD.dimension_ids for f in CARD.factors_of(d)}
FACTOR_WEIGHT = {f["id"]: f["weight"] for d in CARD.spec["dimensions"] for f in d["factors"]}


def value_of(ident: str) -> st.SearchStrategy[int]:
    """Mostly inside the normalisation bounds (where the score moves), sometimes anywhere."""
    item = SPEC_OF[ident]
    return st.one_of(st.integers(item["lower"], item["upper"]),
                     st.integers(item["min"], item["max"]),
                     st.sampled_from([item["min"], item["max"], item["lower"], item["upper"]]))


values = st.fixed_dictionaries({i: value_of(i) for i in CARD.indicator_ids})
salts = st.binary(min_size=32, max_size=32)


def everything(values: dict[str, int]) -> dict[str, Any]:
    result = CARD.compute(inputs_of(values))
    return {"points": result.points, "factors": result.factors,
            "dimensions": result.dimensions, "score": result.score}


@settings(max_examples=300, deadline=None)
@given(values=values, ident=st.sampled_from(CARD.indicator_ids), data=st.data())
def test_each_indicator_moves_only_in_its_direction(values: dict[str, int], ident: str,
                                                    data: st.DataObject) -> None:
    item = SPEC_OF[ident]
    low = data.draw(st.integers(item["min"], item["max"] - 1), label="low")
    high = data.draw(st.one_of(st.integers(low + 1, item["max"]),
                               st.integers(low + 1, min(item["max"], max(low + 1, item["upper"])))),
                     label="high")
    before = everything({**values, ident: low})
    after = everything({**values, ident: high})
    factor = CARD.factor_of(ident)
    dimension = DIMENSION_OF[factor]
    pairs = [(before["points"][ident], after["points"][ident]),
             (before["factors"][factor], after["factors"][factor]),
             (before["dimensions"][dimension], after["dimensions"][dimension]),
             (before["score"], after["score"])]
    for old, new in pairs:
        if item["direction"] == "higher_better":
            assert new >= old, (ident, low, high, pairs)
        else:
            assert new <= old, (ident, low, high, pairs)
    # every other indicator's points are untouched
    assert {k: v for k, v in before["points"].items() if k != ident} == \
        {k: v for k, v in after["points"].items() if k != ident}


@settings(max_examples=300, deadline=None)
@given(values=values)
def test_everything_stays_within_zero_to_a_thousand(values: dict[str, int]) -> None:
    result = CARD.compute(inputs_of(values))
    for group in (result.points, result.factors, result.dimensions):
        assert all(isinstance(v, int) and 0 <= v <= 1000 for v in group.values())
    assert 0 <= result.score <= 1000
    assert result.grade == CARD.grade_for(result.score)


@settings(max_examples=100, deadline=None)
@given(values=values)
def test_same_inputs_same_bytes(values: dict[str, int]) -> None:
    first = canonicalize_reference(CARD.compute(inputs_of(values)).as_dict())
    again = canonicalize_reference(CARD.compute(copy.deepcopy(inputs_of(values))).as_dict())
    assert first == again


def test_same_bytes_in_a_fresh_interpreter(tmp_path: Path) -> None:
    rng = random.Random(20261206)
    documents = [inputs_of({i: rng.randint(SPEC_OF[i]["min"], SPEC_OF[i]["max"])
                            if rng.random() < 0.2 else
                            rng.randint(SPEC_OF[i]["lower"], SPEC_OF[i]["upper"])
                            for i in CARD.indicator_ids}) for _ in range(200)]
    (tmp_path / "inputs.json").write_text(json.dumps(documents))
    here = b"\n".join(canonicalize_reference(CARD.compute(d).as_dict()) for d in documents)
    program = (
        "import json, sys\n"
        "from ledger_proof.canonical import canonicalize_reference\n"
        "from ledger_proof.scoring import REFERENCE_SPEC, Scorecard\n"
        "card = Scorecard.from_spec(REFERENCE_SPEC)\n"
        "docs = json.load(open(sys.argv[1]))\n"
        "sys.stdout.buffer.write(b'\\n'.join(canonicalize_reference(card.compute(d).as_dict())"
        " for d in docs))\n")
    for seed in ("0", "12345"):
        done = subprocess.run([sys.executable, "-c", program, str(tmp_path / "inputs.json")],
                              capture_output=True, check=True, timeout=120,
                              env={**os.environ, "PYTHONHASHSEED": seed})
        assert done.stdout == here


@settings(max_examples=300, deadline=None)
@given(values=values, salt=salts, ident=st.sampled_from(CARD.indicator_ids), data=st.data())
def test_rescore_detects_any_single_changed_indicator(values: dict[str, int], salt: bytes,
                                                      ident: str, data: st.DataObject) -> None:
    inputs = inputs_of(values)
    payload = score_payload(CARD, CARD.compute(inputs), inputs_digest(inputs, salt))
    assert rescore(REFERENCE_SPEC, inputs, salt, payload).ok
    changed = data.draw(value_of(ident).filter(lambda v: v != values[ident]), label="changed")
    report = rescore(REFERENCE_SPEC, with_value(inputs, ident, changed), salt, payload)
    assert not report.ok
    moved = CARD.compute(inputs_of({**values, ident: changed})).factors[CARD.factor_of(ident)]
    if moved != payload["factors"][CARD.factor_of(ident)]:
        assert report.first_difference == f"factor:{CARD.factor_of(ident)}"
        failed = next(c for c in report.checks if c.status == "fail")
        assert ident in failed.detail
    else:
        assert report.first_difference == "inputs_digest"
    assert report.checks[-1].name == "inputs_digest" and report.checks[-1].status == "fail"


@settings(max_examples=50, deadline=None)
@given(values=values, salt=salts, other=salts)
def test_rescore_with_another_salt_fails_on_the_digest_only(values: dict[str, int],
                                                            salt: bytes, other: bytes) -> None:
    assume(salt != other)
    inputs = inputs_of(values)
    payload = score_payload(CARD, CARD.compute(inputs), inputs_digest(inputs, salt))
    report = rescore(REFERENCE_SPEC, inputs, other, payload)
    assert [c.name for c in report.checks if c.status == "fail"] == ["inputs_digest"]


def genuine(values: dict[str, int]) -> dict[str, Any]:
    inputs = inputs_of(values)
    return score_payload(CARD, CARD.compute(inputs), inputs_digest(inputs, bytes(32)))


@settings(max_examples=200, deadline=None)
@given(values=values, dimension=st.sampled_from(CARD.dimension_ids),
       delta=st.integers(-1000, 1000).filter(bool))
def test_consistency_catches_a_changed_dimension(values: dict[str, int], dimension: str,
                                                 delta: int) -> None:
    payload = genuine(values)
    assert consistency(CARD, payload) is None
    payload["dimensions"][dimension] += delta
    assert consistency(CARD, payload) == f"dimension:{dimension}"


@settings(max_examples=200, deadline=None)
@given(values=values, delta=st.integers(-1000, 1000).filter(bool))
def test_consistency_catches_a_changed_score(values: dict[str, int], delta: int) -> None:
    payload = genuine(values)
    payload["score"] += delta
    assert consistency(CARD, payload) == "score"


@settings(max_examples=100, deadline=None)
@given(values=values, data=st.data())
def test_consistency_catches_a_changed_grade(values: dict[str, int], data: st.DataObject) -> None:
    payload = genuine(values)
    payload["grade"] = data.draw(st.sampled_from([g for g, _ in CARD.grades
                                                  if g != payload["grade"]]))
    assert consistency(CARD, payload) == "grade"


@settings(max_examples=200, deadline=None)
@given(values=values, factor=st.sampled_from(CARD.factor_ids), data=st.data())
def test_consistency_catches_a_changed_factor(values: dict[str, int], factor: str,
                                              data: st.DataObject) -> None:
    """A factor changed enough to move its dimension (with floor division a change
    smaller than 1000 // weight may not: only rescore, with the inputs, sees that)."""
    payload = genuine(values)
    old = payload["factors"][factor]
    smallest = -(-1000 // FACTOR_WEIGHT[factor])
    new = data.draw(st.integers(0, 1000).filter(lambda v: abs(v - old) >= smallest))
    payload["factors"][factor] = new
    assert consistency(CARD, payload) == f"dimension:{DIMENSION_OF[factor]}"
