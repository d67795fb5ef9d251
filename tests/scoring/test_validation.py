"""Refusals: a spec that is not a valid scorecard/v1, inputs the model cannot score."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger_proof.scoring import (
    KINDS,
    REFERENCE_SPEC,
    InputError,
    Scorecard,
    SpecError,
    load_model,
    register_kind,
)

from .builders import CARD, TYPICAL, typical, with_value

Mutation = Callable[[dict[str, Any]], None]


def first_indicator(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["dimensions"][0]["factors"][0]["indicators"][0]


def first_factor(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["dimensions"][0]["factors"][0]


def set_in(getter: Callable[[dict[str, Any]], dict[str, Any]], key: str, value: Any) -> Mutation:
    return lambda spec: getter(spec).__setitem__(key, value)


BAD_SPECS: dict[str, tuple[Mutation, str]] = {
    "indicator weights sum to 999": (
        lambda s: first_indicator(s).__setitem__("weight", first_indicator(s)["weight"] - 1),
        "sum to 999"),
    "factor weights sum to 1001": (
        lambda s: first_factor(s).__setitem__("weight", first_factor(s)["weight"] + 1),
        "sum to 1001"),
    "dimension weights sum to 1100": (
        lambda s: s["dimensions"][0].__setitem__("weight", s["dimensions"][0]["weight"] + 100),
        "sum to 1100"),
    "zero weight": (set_in(first_indicator, "weight", 0), "weight"),
    "negative weight": (set_in(first_indicator, "weight", -300), "weight"),
    "lower equals upper": (set_in(first_indicator, "lower", 9000), "must be below upper"),
    "lower above upper": (set_in(first_indicator, "lower", 9500), "must be below upper"),
    "upper beyond max": (set_in(first_indicator, "upper", 100001), "within the valid range"),
    "lower below min": (set_in(first_indicator, "lower", -1), "within the valid range"),
    "float weight": (set_in(first_indicator, "weight", 300.0), "must be an integer"),
    "float bound": (set_in(first_indicator, "upper", 9000.5), "must be an integer"),
    "bool bound": (set_in(first_indicator, "lower", True), "must be an integer"),
    "bool weight": (set_in(first_factor, "weight", True), "must be an integer"),
    "string bound": (set_in(first_indicator, "min", "0"), "must be an integer"),
    "huge bound": (set_in(first_indicator, "max", 10**16), "outside"),
    "duplicate indicator id": (
        set_in(first_indicator, "id", "current_ratio"), "duplicate id 'current_ratio'"),
    "factor named like a dimension": (
        set_in(first_factor, "id", "financial_health"), "duplicate id"),
    "unknown kind": (lambda s: s.__setitem__("kind", "scorecard/v2"), "kind"),
    "missing kind": (lambda s: s.pop("kind"), "kind"),
    "unknown unit": (set_in(first_indicator, "unit", "percent"), "unit"),
    "unknown direction": (set_in(first_indicator, "direction", "up"), "direction"),
    "missing description": (lambda s: first_indicator(s).pop("description"), "description"),
    "extra key": (set_in(first_indicator, "note", "x"), "unknown keys"),
    "extra top-level key": (lambda s: s.__setitem__("comment", "x"), "unknown keys"),
    "bad id": (set_in(first_indicator, "id", "Debt Ratio"), "does not match"),
    "bad model_version": (lambda s: s.__setitem__("model_version", "1 0"), "model_version"),
    "empty factors": (lambda s: s["dimensions"][0].__setitem__("factors", []), "non-empty"),
    "a dimension renamed": (set_in(lambda s: s["dimensions"][2], "id", "growth"),
                            "dimensions must be exactly"),
    "grades not falling": (lambda s: s["grades"][1].__setitem__("min", 950), "below"),
    "no grade at zero": (lambda s: s["grades"][-1].__setitem__("min", 1), "must be 0"),
    "grade twice": (lambda s: s["grades"][1].__setitem__("grade", "AAA"), "grade"),
    "unknown grade": (lambda s: s["grades"][0].__setitem__("grade", "A+"), "grade"),
    "grade min above scale": (lambda s: s["grades"][0].__setitem__("min", 1001), "outside"),
    "float grade min": (lambda s: s["grades"][0].__setitem__("min", 900.0), "integer"),
}


@pytest.mark.parametrize("case", list(BAD_SPECS))
def test_bad_specs_are_refused(case: str) -> None:
    mutate, says = BAD_SPECS[case]
    spec = copy.deepcopy(REFERENCE_SPEC)
    mutate(spec)
    with pytest.raises(SpecError) as caught:
        Scorecard.from_spec(spec)
    assert says in str(caught.value), str(caught.value)


@pytest.mark.parametrize("spec", [None, [], "scorecard/v1", 7])
def test_a_spec_must_be_an_object(spec: Any) -> None:
    with pytest.raises(SpecError):
        Scorecard.from_spec(spec)
    with pytest.raises(SpecError):
        load_model(spec)


def test_the_registry_knows_scorecard_v1_only() -> None:
    assert set(KINDS) == {"scorecard/v1"}
    assert load_model(REFERENCE_SPEC).hash == CARD.hash
    other = {**copy.deepcopy(REFERENCE_SPEC), "kind": "lstm/v1"}
    with pytest.raises(SpecError, match="unknown model kind 'lstm/v1'"):
        load_model(other)
    with pytest.raises(ValueError, match="already registered"):
        register_kind("scorecard/v1", Scorecard.from_spec)


def numbers_in(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in numbers_in(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in numbers_in(v, (*path, i))]
    return [path] if isinstance(value, int) else []


NUMBER_PATHS = numbers_in(REFERENCE_SPEC)


@settings(max_examples=200, deadline=None)
@given(path=st.sampled_from(NUMBER_PATHS), kind=st.sampled_from(["float", "bool", "str"]))
def test_any_number_that_is_not_an_integer_is_refused(path: tuple[Any, ...], kind: str) -> None:
    spec = copy.deepcopy(REFERENCE_SPEC)
    holder = spec
    for key in path[:-1]:
        holder = holder[key]
    old = holder[path[-1]]
    holder[path[-1]] = {"float": float(old), "bool": bool(old), "str": str(old)}[kind]
    with pytest.raises(SpecError, match="must be an integer"):
        Scorecard.from_spec(spec)


def test_other_thresholds_are_honoured_at_the_boundaries() -> None:
    spec = copy.deepcopy(REFERENCE_SPEC)
    spec["grades"] = [{"grade": "AAA", "min": 951}, {"grade": "A", "min": 950},
                      {"grade": "B", "min": 1}, {"grade": "C", "min": 0}]
    card = Scorecard.from_spec(spec)
    assert [card.grade_for(s) for s in (1000, 952, 951, 950, 949, 2, 1, 0)] == \
        ["AAA", "AAA", "AAA", "A", "B", "B", "B", "C"]


@pytest.mark.parametrize(("grade", "minimum"), [(g["grade"], g["min"])
                                                for g in REFERENCE_SPEC["grades"]])
def test_reference_grades_at_their_boundaries(grade: str, minimum: int) -> None:
    names = [g["grade"] for g in REFERENCE_SPEC["grades"]]
    assert CARD.grade_for(minimum) == grade
    if minimum < 1000:
        assert CARD.grade_for(minimum + 1) == grade
    if minimum > 0:
        assert CARD.grade_for(minimum - 1) == names[names.index(grade) + 1]


def test_reference_thresholds() -> None:
    assert [(g["grade"], g["min"]) for g in REFERENCE_SPEC["grades"]] == [
        ("AAA", 900), ("AA", 800), ("A", 700), ("BBB", 600), ("BB", 500), ("B", 400),
        ("CCC", 300), ("CC", 200), ("C", 0)]


# -- inputs ---------------------------------------------------------------------------

def expect(inputs: Any, indicator: str | None, code: str) -> InputError:
    with pytest.raises(InputError) as caught:
        CARD.compute(inputs)
    assert (caught.value.indicator, caught.value.code) == (indicator, code), caught.value
    if indicator is not None:
        assert indicator in str(caught.value)
    return caught.value


def test_missing_indicator() -> None:
    inputs = typical()
    del inputs["indicators"]["market_expansion_rate"]
    expect(inputs, "market_expansion_rate", "missing")


def test_unknown_indicator() -> None:
    inputs = typical()
    inputs["indicators"]["esg_rating"] = {"value": 1, "unit": "count"}
    expect(inputs, "esg_rating", "unknown")


def test_a_misspelt_indicator_is_missing_and_the_message_shows_the_stray_id() -> None:
    inputs = typical()
    inputs["indicators"]["patent_stocks"] = inputs["indicators"].pop("patent_stock")
    error = expect(inputs, "patent_stock", "missing")
    assert "patent_stocks" in error.message


@pytest.mark.parametrize("unit", ["percent", "BP", "", None, 1])
def test_unit_mismatch(unit: Any) -> None:
    inputs = typical()
    inputs["indicators"]["debt_to_asset_ratio"]["unit"] = unit
    expect(inputs, "debt_to_asset_ratio", "unit_mismatch")


@pytest.mark.parametrize("value", [5200.0, 52.5, True, False, "5200", None, [5200],
                                   float("nan")])
def test_not_an_integer(value: Any) -> None:
    expect(with_value(typical(), "cash_flow_volatility", value), "cash_flow_volatility",
           "not_integer")


@pytest.mark.parametrize("ident", ["debt_to_asset_ratio", "supply_chain_collaboration_index",
                                   "operating_months"])
def test_out_of_range_on_both_sides(ident: str) -> None:
    item = CARD.indicator(ident)
    expect(with_value(typical(), ident, item["max"] + 1), ident, "out_of_range")
    expect(with_value(typical(), ident, item["min"] - 1), ident, "out_of_range")
    for edge in (item["min"], item["max"]):
        CARD.compute(with_value(typical(), ident, edge))


@pytest.mark.parametrize("inputs", [None, [], "x", {}, {"indicators": []},
                                    {"indicators": {}, "extra": 1},
                                    {"values": TYPICAL}])
def test_malformed_document(inputs: Any) -> None:
    expect(inputs, None, "malformed")


@pytest.mark.parametrize("entry", [5200, "5200", [5200, "bp"], {"value": 5200},
                                   {"value": 5200, "unit": "bp", "source": "x"}])
def test_malformed_entry_names_the_indicator(entry: Any) -> None:
    inputs = typical()
    inputs["indicators"]["debt_to_asset_ratio"] = entry
    expect(inputs, "debt_to_asset_ratio", "malformed")


def test_the_first_bad_indicator_in_model_order_is_named() -> None:
    inputs = with_value(typical(), "patent_stock", -1)                # growth potential
    inputs = with_value(inputs, "quick_ratio", 1.5)                   # financial health
    inputs["indicators"]["litigation_cases"]["unit"] = "cases"        # operating activity
    expect(inputs, "quick_ratio", "not_integer")
    assert CARD.indicator_ids.index("quick_ratio") < CARD.indicator_ids.index("patent_stock")


def test_an_input_error_carries_its_fields() -> None:
    error = expect(with_value(typical(), "rd_intensity", 10**7), "rd_intensity",
                   "out_of_range")
    assert error.as_dict() == {"indicator": "rd_intensity", "code": "out_of_range",
                               "message": error.message}
    assert "0..1000000" in error.message


@st.composite
def thresholds(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Any valid grade table: an ordered subset of AAA..C (always ending at min 0)."""
    names = draw(st.lists(st.sampled_from(["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC"]),
                          unique=True, max_size=8))
    order = ["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC"]
    names = sorted(names, key=order.index)
    mins = sorted(draw(st.lists(st.integers(1, 1000), unique=True, min_size=len(names),
                                max_size=len(names))), reverse=True)
    return [*({"grade": n, "min": m} for n, m in zip(names, mins, strict=True)),
            {"grade": "C", "min": 0}]


@settings(max_examples=100, deadline=None)
@given(grades=thresholds())
def test_grades_follow_any_thresholds_exactly_at_the_boundaries(
        grades: list[dict[str, Any]]) -> None:
    spec = copy.deepcopy(REFERENCE_SPEC)
    spec["grades"] = grades
    card = Scorecard.from_spec(spec)
    for position, entry in enumerate(grades):
        assert card.grade_for(entry["min"]) == entry["grade"]
        if entry["min"] > 0:
            assert card.grade_for(entry["min"] - 1) == grades[position + 1]["grade"]
        above = entry["min"] + 1
        if above <= 1000:
            reaches_better = position > 0 and grades[position - 1]["min"] == above
            assert card.grade_for(above) == \
                (grades[position - 1]["grade"] if reaches_better else entry["grade"])
