"""The inputs document: every indicator of the model, as an integer in its documented unit.

    {"indicators": {"debt_to_asset_ratio": {"value": 5200, "unit": "bp"}, ...}}

The unit travels with each value so that a ratio sent in percent (52) instead
of basis points (5200) is refused as ``unit_mismatch`` instead of silently
scoring as an excellent 0.52% debt ratio. Values are integers only, for the same
reason as everywhere in the ledger: the digest of the inputs is over canonical
JSON, and a float has no single canonical spelling. Values outside the
indicator's documented valid range (``min``..``max``) are refused rather than
clamped: such a value is a data error, and clamping would hide it. (Clamping to
the normalisation bounds ``lower``..``upper`` is part of the scoring and is
documented per indicator.)

Errors name the first offending indicator in the model's order, so the same
bad document always produces the same error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: The error codes of InputError, in the order they are checked for one indicator.
CODES = ("malformed", "missing", "unknown", "unit_mismatch", "not_integer", "out_of_range")


class InputError(ValueError):
    """An inputs document the model cannot score; ``indicator`` names where (None: the whole).

    ``code`` is one of CODES: ``malformed`` (not the documented shape),
    ``missing``, ``unknown`` (an id the model does not have), ``unit_mismatch``,
    ``not_integer`` (a float, bool, string, ...), ``out_of_range`` (outside
    the indicator's documented min..max).
    """

    def __init__(self, indicator: str | None, code: str, message: str) -> None:
        if code not in CODES:
            raise ValueError(f"unknown InputError code {code!r}")
        super().__init__(message)
        self.indicator = indicator
        self.code = code
        self.message = message

    def as_dict(self) -> dict[str, Any]:
        return {"indicator": self.indicator, "code": self.code, "message": self.message}


def validate_inputs(inputs: Any, indicators: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Return ``{indicator id: value}`` in model order, or raise InputError.

    ``indicators`` are the model's indicator specs in order (each with id, unit,
    min, max).
    """
    if not isinstance(inputs, dict) or set(inputs) != {"indicators"}:
        raise InputError(None, "malformed",
                         'the inputs must be an object with exactly one key, "indicators"')
    given = inputs["indicators"]
    if not isinstance(given, dict):
        raise InputError(None, "malformed", '"indicators" must be an object keyed by indicator id')
    known = {spec["id"] for spec in indicators}
    unknown = sorted(str(key) for key in given if key not in known)
    values: dict[str, int] = {}
    for spec in indicators:
        ident, unit = spec["id"], spec["unit"]
        if ident not in given:
            hint = f" (the inputs have unknown ids {unknown[:3]})" if unknown else ""
            raise InputError(ident, "missing", f"indicator {ident!r} is missing{hint}")
        entry = given[ident]
        if not isinstance(entry, dict) or set(entry) != {"value", "unit"}:
            raise InputError(ident, "malformed",
                             f'indicator {ident!r} must be {{"value": integer, "unit": "{unit}"}}')
        if entry["unit"] != unit:
            raise InputError(ident, "unit_mismatch",
                             f"indicator {ident!r} is measured in {unit!r}, "
                             f"not {entry['unit']!r}")
        value = entry["value"]
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(ident, "not_integer",
                             f"indicator {ident!r} must be an integer number of {unit}, "
                             f"not {type(value).__name__}")
        if not spec["min"] <= value <= spec["max"]:
            raise InputError(ident, "out_of_range",
                             f"indicator {ident!r} = {value} {unit} is outside its valid range "
                             f"{spec['min']}..{spec['max']}")
        values[ident] = value
    if unknown:
        raise InputError(unknown[0], "unknown",
                         f"indicator {unknown[0]!r} is not part of the model")
    return values
