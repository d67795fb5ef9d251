"""The reference model's shape and arithmetic, payload, consistency and digest, by example."""

from __future__ import annotations

import copy
import hashlib
import json
import re

import pytest

from ledger_proof.canonical import canonicalize_reference
from ledger_proof.scoring import (
    DIMENSION_IDS,
    REFERENCE_SPEC,
    InputError,
    Scorecard,
    consistency,
    indicator_points,
    inputs_digest,
    model_hash,
    new_salt,
    reference_spec,
    score_payload,
)

from .builders import CARD, TYPICAL, inputs_of, typical

#: The reference model's identity. If this test fails, the spec changed: a changed model
#: is a different model, so give it a new model_version (scores already recorded under
#: this hash must keep recomputing to the same bytes), then pin the new hash here.
REFERENCE_HASH = "27eb7b396f94b2169c1132408ec57ab3ebc6bcb235d3d644133dd62688640b14"


def test_reference_hash_is_pinned() -> None:
    assert model_hash(REFERENCE_SPEC) == REFERENCE_HASH, (
        "the reference scoring model's spec changed; a changed model needs a new "
        "model_version (and this pinned hash updated)")
    assert CARD.hash == REFERENCE_HASH
    assert REFERENCE_SPEC["model_id"] == "tri-dim-scorecard"
    assert REFERENCE_SPEC["model_version"] == "1.0"


def test_hash_is_sha256_of_rfc8785_bytes() -> None:
    assert model_hash(REFERENCE_SPEC) == hashlib.sha256(
        canonicalize_reference(REFERENCE_SPEC)).hexdigest()
    reordered = json.loads(json.dumps(REFERENCE_SPEC, sort_keys=True, indent=3))
    assert model_hash(reordered) == REFERENCE_HASH


def test_three_dimensions_nine_factors_twenty_eight_indicators() -> None:
    assert CARD.dimension_ids == DIMENSION_IDS
    per_dimension = {d: sum(len(CARD.indicators_of(f)) for f in CARD.factors_of(d))
                     for d in CARD.dimension_ids}
    assert per_dimension == {"financial_health": 12, "operating_activity": 9,
                             "growth_potential": 7}
    assert [len(CARD.factors_of(d)) for d in CARD.dimension_ids] == [3, 3, 3]
    assert len(CARD.indicator_ids) == len(set(CARD.indicator_ids)) == 28
    for named in ("debt_to_asset_ratio", "cash_flow_volatility",
                  "supply_chain_collaboration_index", "market_expansion_rate",
                  "patent_stock", "rd_intensity"):
        assert named in CARD.indicator_ids
    assert CARD.indicator("debt_to_asset_ratio")["name_zh"] == "资产负债率"
    assert CARD.indicator("rd_intensity")["name_zh"] == "研发投入强度"
    assert CARD.factor_of("patent_stock") == "innovation"
    assert "patent_stock" in CARD.indicators_of("innovation")


def test_every_indicator_is_documented() -> None:
    for ident in CARD.indicator_ids:
        item = CARD.indicator(ident)
        assert item["min"] <= item["lower"] < item["upper"] <= item["max"]
        assert item["description"].endswith(".") and len(item["description"]) > 40
        assert re.search(r"[\u4e00-\u9fff]", item["name_zh"])


def test_reference_spec_is_a_fresh_copy() -> None:
    mine = reference_spec()
    mine["model_version"] = "changed"
    assert REFERENCE_SPEC["model_version"] == "1.0"
    assert reference_spec() == REFERENCE_SPEC


def test_card_keeps_its_own_copy_of_the_spec() -> None:
    spec = copy.deepcopy(REFERENCE_SPEC)
    card = Scorecard.from_spec(spec)
    spec["dimensions"][0]["weight"] = 999
    assert card.hash == REFERENCE_HASH and card.spec == REFERENCE_SPEC


@pytest.mark.parametrize(("value", "direction", "points"), [
    (3000, "higher_better", 0), (9000, "higher_better", 1000), (5200, "higher_better", 366),
    (5200, "lower_better", 633), (-5, "higher_better", 0), (10**9, "lower_better", 0),
    (3001, "higher_better", 0), (8999, "lower_better", 0), (3006, "higher_better", 1),
])
def test_points_clamp_and_floor(value: int, direction: str, points: int) -> None:
    assert indicator_points(value, 3000, 9000, direction) == points


def test_typical_sme_by_hand() -> None:
    """The numbers an auditor gets with a pencil, one step at a time."""
    result = CARD.compute(typical())
    # debt_to_asset_ratio 5200 bp, lower_better on [3000, 9000]: (9000-5200)*1000//6000
    assert result.points["debt_to_asset_ratio"] == 633
    # solvency = (633*300 + 450*200 + 500*150 + 525*200 + 430*150) // 1000
    assert result.points["current_ratio"] == 450 and result.points["quick_ratio"] == 500
    assert result.points["interest_coverage_ratio"] == 525
    assert result.points["net_assets"] == 430
    assert result.factors["solvency"] == (633 * 300 + 450 * 200 + 500 * 150 + 525 * 200
                                          + 430 * 150) // 1000
    for dim in CARD.dimension_ids:
        spec = next(d for d in CARD.spec["dimensions"] if d["id"] == dim)
        assert result.dimensions[dim] == sum(result.factors[f["id"]] * f["weight"]
                                             for f in spec["factors"]) // 1000
    assert result.score == (result.dimensions["financial_health"] * 400
                            + result.dimensions["operating_activity"] * 350
                            + result.dimensions["growth_potential"] * 250) // 1000
    assert result.grade == CARD.grade_for(result.score)
    assert 0 <= result.score <= 1000


def test_best_and_worst_inputs_reach_the_ends_of_the_scale() -> None:
    best, worst = {}, {}
    for ident in CARD.indicator_ids:
        item = CARD.indicator(ident)
        high, low = (item["upper"], item["lower"]) if item["direction"] == "higher_better" \
            else (item["lower"], item["upper"])
        best[ident], worst[ident] = high, low
    top, bottom = CARD.compute(inputs_of(best)), CARD.compute(inputs_of(worst))
    assert (top.score, top.grade) == (1000, "AAA")
    assert set(top.points.values()) == set(top.factors.values()) == {1000}
    assert (bottom.score, bottom.grade) == (0, "C")


def test_payload_and_consistency() -> None:
    inputs, salt = typical(), new_salt()
    result = CARD.compute(inputs)
    payload = score_payload(CARD, result, inputs_digest(inputs, salt))
    assert set(payload) == {"model_id", "model_version", "model_hash", "score", "grade",
                            "dimensions", "factors", "inputs_digest"}
    assert list(payload["dimensions"]) == list(DIMENSION_IDS)
    assert list(payload["factors"]) == list(CARD.factor_ids)
    assert payload["model_hash"] == REFERENCE_HASH
    assert consistency(CARD, payload) is None


def test_inputs_digest_is_salted_sha256_of_jcs() -> None:
    inputs, salt = typical(), bytes(range(32))
    digest = inputs_digest(inputs, salt)
    assert digest == hashlib.sha256(salt + canonicalize_reference(inputs)).hexdigest()
    assert inputs_digest(inputs, bytes(32)) != digest
    reordered = {"indicators": dict(reversed(list(inputs["indicators"].items())))}
    assert inputs_digest(reordered, salt) == digest
    with pytest.raises(ValueError):
        inputs_digest(inputs, b"short")


def test_compute_validates_first() -> None:
    broken = typical()
    del broken["indicators"]["patent_stock"]
    with pytest.raises(InputError) as caught:
        CARD.compute(broken)
    assert (caught.value.indicator, caught.value.code) == ("patent_stock", "missing")
    assert TYPICAL["patent_stock"] == 12


@pytest.mark.parametrize(("field", "tamper", "named"), [
    ("score", lambda p: p.update(score=p["score"] + 1), "score"),
    ("grade", lambda p: p.update(grade="AAA"), "grade"),
    ("dimension", lambda p: p["dimensions"].update(
        operating_activity=p["dimensions"]["operating_activity"] - 1),
     "dimension:operating_activity"),
    ("factor", lambda p: p["factors"].update(innovation=p["factors"]["innovation"] + 50),
     "dimension:growth_potential"),
    ("factor range", lambda p: p["factors"].update(innovation=1001), "factors"),
    ("factor missing", lambda p: p["factors"].pop("cash_flow"), "factors"),
    ("model hash", lambda p: p.update(model_hash="0" * 64), "model_hash"),
    ("model version", lambda p: p.update(model_version="9.9"), "model_version"),
    ("float score", lambda p: p.update(score=float(p["score"])), "score"),
    ("digest", lambda p: p.update(inputs_digest="not-hex"), "inputs_digest"),
])
def test_consistency_names_the_tampered_field(field: str, tamper, named: str) -> None:
    inputs = typical()
    payload = score_payload(CARD, CARD.compute(inputs), inputs_digest(inputs, new_salt()))
    tamper(payload)
    assert consistency(CARD, payload) == named, field
