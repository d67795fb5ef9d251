"""A scoring model's specification: plain JSON, integers only, checked before anything runs.

A model is its specification. The ``score.computed`` event names the model by
``model_hash``, the SHA-256 of the spec's RFC 8785 bytes, so an auditor who
holds the spec can prove which model the platform claims to have run and can
recompute every number from it. Two rules follow:

- the spec holds JSON values only, and its numbers are integers (a float has
  no single canonical spelling across languages, a bool is not a number), so
  every machine hashes the same bytes;
- anything that would make the arithmetic ambiguous or the result leave its
  documented range (weights that do not sum to 1000, a normalisation interval
  that is empty or reaches outside the valid input range, duplicate ids) is
  refused here with a ``SpecError`` naming where, rather than discovered later.

``check_scorecard_v1`` validates the ``scorecard/v1`` kind; other kinds are
dispatched through ``ledger_proof.scoring.registry``.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from ledger_proof.canonical import CanonicalizationError, canonicalize

KIND_SCORECARD_V1 = "scorecard/v1"

#: The three dimensions a ``score.computed`` event carries, in this order.
DIMENSION_IDS = ("financial_health", "operating_activity", "growth_potential")
#: The grades a ``score.computed`` event may carry, best first.
GRADE_NAMES = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C")
#: Units an indicator may be measured in. All are integers: ratios in basis points
#: (1/10000), shares of a whole in per mille, money in fen (0.01 yuan).
UNITS = ("bp", "permille", "fen", "count", "days", "months")
DIRECTIONS = ("higher_better", "lower_better")
#: Every weight group (indicators of a factor, factors of a dimension, dimensions) sums to this.
WEIGHT_TOTAL = 1000
#: Points, factor values, dimension values and the score all run 0..SCALE (tenths of a point).
SCALE = 1000
#: Indicator ranges stay well inside the IEEE-754 safe integers JCS can carry.
MAX_ABS_VALUE = 10**15

IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")
ITEM_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_TEXT = 2000
MAX_ITEMS = 64

_TOP_KEYS = {"kind", "model_id", "model_version", "scale", "dimensions", "grades"}
_DIMENSION_KEYS = {"id", "name_en", "name_zh", "weight", "factors"}
_FACTOR_KEYS = {"id", "name_en", "name_zh", "weight", "indicators"}
_INDICATOR_KEYS = {"id", "name_en", "name_zh", "unit", "direction", "min", "max", "lower",
                   "upper", "weight", "description"}


class SpecError(ValueError):
    """The specification is not a valid model of its kind; the message says where and why."""


def model_hash(spec: dict[str, Any]) -> str:
    """Lowercase hex SHA-256 of the spec's RFC 8785 (JCS) bytes: the model's identity.

    Hashing canonical bytes (not the file as written) means indentation, key
    order and escapes in a spec file do not change the model's identity, while
    any change of a value does.
    """
    try:
        return hashlib.sha256(canonicalize(spec)).hexdigest()
    except CanonicalizationError as exc:
        raise SpecError(f"the spec is not canonical JSON: {exc}") from None


def _int(value: Any, where: str, low: int = -MAX_ABS_VALUE, high: int = MAX_ABS_VALUE) -> int:
    # bool is an int subclass in Python; in a spec it is a mistake, not a number.
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(f"{where} must be an integer, not {type(value).__name__}")
    if not low <= value <= high:
        raise SpecError(f"{where} = {value} is outside {low}..{high}")
    return value


def _text(value: Any, where: str, pattern: re.Pattern[str] | None = None) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise SpecError(f"{where} must be a non-empty string of at most {MAX_TEXT} characters")
    if pattern is not None and not pattern.fullmatch(value):
        raise SpecError(f"{where} = {value!r} does not match {pattern.pattern}")
    return value


def _object(value: Any, keys: set[str], where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SpecError(f"{where} must be an object")
    missing, extra = keys - value.keys(), value.keys() - keys
    if missing:
        raise SpecError(f"{where} lacks {sorted(missing)}")
    if extra:
        raise SpecError(f"{where} has unknown keys {sorted(extra)}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise SpecError(f"{where} must be a non-empty list")
    if len(value) > MAX_ITEMS:
        raise SpecError(f"{where} has more than {MAX_ITEMS} entries")
    return value


def _weights(items: list[dict[str, Any]], where: str) -> None:
    total = sum(item["weight"] for item in items)
    if total != WEIGHT_TOTAL:
        raise SpecError(f"the weights of {where} sum to {total}, not {WEIGHT_TOTAL}")


def _group(item: Any, keys: set[str], where: str) -> None:
    """A dimension or factor: its keys, id, names and weight (its members are checked after)."""
    _object(item, keys, where)
    _text(item["id"], f"{where}: id", ITEM_ID)
    _text(item["name_en"], f"{where}: name_en")
    _text(item["name_zh"], f"{where}: name_zh")
    _int(item["weight"], f"{where}: weight", 1, WEIGHT_TOTAL)


def _indicator(item: Any, where: str) -> None:
    _object(item, _INDICATOR_KEYS, where)
    where = f"indicator {item.get('id')!r}" if isinstance(item.get("id"), str) else where
    _text(item["id"], f"{where}: id", ITEM_ID)
    _text(item["name_en"], f"{where}: name_en")
    _text(item["name_zh"], f"{where}: name_zh")
    _text(item["description"], f"{where}: description")
    if item["unit"] not in UNITS:
        raise SpecError(f"{where}: unit {item['unit']!r} is not one of {list(UNITS)}")
    if item["direction"] not in DIRECTIONS:
        raise SpecError(f"{where}: direction {item['direction']!r} is not one of "
                        f"{list(DIRECTIONS)}")
    low, high = _int(item["min"], f"{where}: min"), _int(item["max"], f"{where}: max")
    lower, upper = _int(item["lower"], f"{where}: lower"), _int(item["upper"], f"{where}: upper")
    _int(item["weight"], f"{where}: weight", 1, WEIGHT_TOTAL)
    if lower >= upper:
        raise SpecError(f"{where}: lower ({lower}) must be below upper ({upper})")
    if not low <= lower < upper <= high:
        raise SpecError(f"{where}: the normalisation bounds [{lower}, {upper}] must lie within "
                        f"the valid range [{low}, {high}]")


def check_scorecard_v1(spec: Any) -> None:
    """Raise SpecError unless ``spec`` is a complete, valid ``scorecard/v1`` specification.

    Checked: exactly the documented keys at every level; integers (never floats
    or bools) within +-10^15; ids that are unique across the whole model;
    weights 1..1000 summing to exactly 1000 in each group; for each indicator a
    known unit and direction and ``min <= lower < upper <= max``; the three
    dimensions of a ``score.computed`` event; grades from AAA..C with strictly
    falling minimums in 0..1000, the last one 0 so every score has a grade.
    """
    if not isinstance(spec, dict):
        raise SpecError("the spec must be a JSON object")
    if spec.get("kind") != KIND_SCORECARD_V1:
        raise SpecError(f"kind {spec.get('kind')!r} is not {KIND_SCORECARD_V1!r}")
    _object(spec, _TOP_KEYS, "the spec")
    _text(spec["model_id"], "model_id", IDENT)
    _text(spec["model_version"], "model_version", IDENT)
    _text(spec["scale"], "scale")
    seen: set[str] = set()

    def unique(item_id: str, what: str) -> None:
        if item_id in seen:
            raise SpecError(f"duplicate id {item_id!r} ({what})")
        seen.add(item_id)

    dimensions = _list(spec["dimensions"], "dimensions")
    for d, dim in enumerate(dimensions):
        where = f"dimensions[{d}]"
        _group(dim, _DIMENSION_KEYS, where)
        unique(dim["id"], "dimension")
        factors = _list(dim["factors"], f"{where}: factors")
        for f, factor in enumerate(factors):
            fwhere = f"{where}.factors[{f}]"
            _group(factor, _FACTOR_KEYS, fwhere)
            unique(factor["id"], "factor")
            indicators = _list(factor["indicators"], f"{fwhere}: indicators")
            for i, indicator in enumerate(indicators):
                _indicator(indicator, f"{fwhere}.indicators[{i}]")
                unique(indicator["id"], "indicator")
            _weights(indicators, f"factor {factor['id']!r}")
        _weights(factors, f"dimension {dim['id']!r}")
    _weights(dimensions, "the dimensions")
    ids = tuple(dim["id"] for dim in dimensions)
    if sorted(ids) != sorted(DIMENSION_IDS):
        raise SpecError(f"the dimensions must be exactly {list(DIMENSION_IDS)} (the dimensions "
                        f"of a score.computed event), not {list(ids)}")

    grades = _list(spec["grades"], "grades")
    names: set[str] = set()
    previous = SCALE + 1
    for g, entry in enumerate(grades):
        _object(entry, {"grade", "min"}, f"grades[{g}]")
        if entry["grade"] not in GRADE_NAMES or entry["grade"] in names:
            raise SpecError(f"grades[{g}]: grade {entry['grade']!r} is not a new one of "
                            f"{list(GRADE_NAMES)}")
        names.add(entry["grade"])
        minimum = _int(entry["min"], f"grades[{g}]: min", 0, SCALE)
        if minimum >= previous:
            raise SpecError(f"grades[{g}]: min {minimum} must be below the previous grade's "
                            f"{previous}")
        previous = minimum
    if previous != 0:
        raise SpecError("the last grade's min must be 0, so that every score has a grade")
    model_hash(spec)  # anything left that is not canonical JSON fails here, not later
