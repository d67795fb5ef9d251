"""The ``scorecard/v1`` model: a transparent, integer-only weighted scorecard.

Why a scorecard: the platform's production model may be a neural network, but a
score recorded as evidence must be recomputable by an auditor, byte for byte,
years later and without the platform. A scorecard is: every indicator maps
linearly onto 0..1000 points between documented bounds; points, factors and
dimensions are weighted sums. Anyone can follow it with a pencil.

Why fixed point: every value is an integer (inputs in their unit, points in
tenths of a point, weights per mille) and every division is Python's floor
division ``//`` at the documented step. Floating point would make the last digit
depend on the order of operations, the language and the CPU; integers and
floors give the same result on every machine, so a recomputed score either
equals the recorded one exactly or something changed.

Why floor at each step (not once at the end): each intermediate value (an
indicator's points, a factor, a dimension) is itself recorded or displayed, and
the next step is computed from the value as displayed, so a reader who checks
one step at a time gets the same numbers. With non-negative weights each step is
monotone, so raising a higher-is-better indicator can never lower its factor,
its dimension or the score.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass
from typing import Any

from ledger_proof.scoring.inputs import validate_inputs
from ledger_proof.scoring.spec import (
    KIND_SCORECARD_V1,
    SCALE,
    WEIGHT_TOTAL,
    SpecError,
    check_scorecard_v1,
    model_hash,
)


@dataclass(frozen=True)
class ScoreResult:
    """One computation: points per indicator, factor and dimension values, score and grade.

    All values are integers 0..1000 (tenths of a point; the score 0..1000).
    Dicts keep the model's order.
    """

    points: dict[str, int]
    factors: dict[str, int]
    dimensions: dict[str, int]
    score: int
    grade: str

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON values (for canonical JSON, reports and tests)."""
        return asdict(self)


def indicator_points(value: int, lower: int, upper: int, direction: str) -> int:
    """Normalise ``value`` onto 0..1000 between ``lower`` and ``upper`` (floor division).

    The value is first clamped to [lower, upper]: beyond a bound the indicator
    says nothing more (a debt ratio of 95% is no better than one of 99% for the
    model). ``lower_better`` mirrors the scale, so 1000 is always best.
    """
    clamped = min(max(value, lower), upper)
    if direction == "higher_better":
        return (clamped - lower) * SCALE // (upper - lower)
    return (upper - clamped) * SCALE // (upper - lower)


def weighted(values: list[tuple[int, int]]) -> int:
    """``sum(value * weight) // 1000`` for (value, weight) pairs whose weights sum to 1000."""
    return sum(value * weight for value, weight in values) // WEIGHT_TOTAL


class Scorecard:
    """A validated ``scorecard/v1`` model. Build it with ``Scorecard.from_spec(spec)``."""

    kind = KIND_SCORECARD_V1

    def __init__(self, spec: dict[str, Any]) -> None:
        check_scorecard_v1(spec)
        # A private copy: a caller mutating its dict afterwards cannot change the model
        # out from under its hash.
        self.spec: dict[str, Any] = copy.deepcopy(spec)
        self.model_id: str = self.spec["model_id"]
        self.model_version: str = self.spec["model_version"]
        self.hash: str = model_hash(self.spec)
        self._indicators = [i for d in self.spec["dimensions"] for f in d["factors"]
                            for i in f["indicators"]]
        self._factor_of = {i["id"]: f["id"] for d in self.spec["dimensions"]
                           for f in d["factors"] for i in f["indicators"]}
        self._by_factor = {f["id"]: tuple(i["id"] for i in f["indicators"])
                           for d in self.spec["dimensions"] for f in d["factors"]}
        self._by_dimension = {d["id"]: tuple(f["id"] for f in d["factors"])
                              for d in self.spec["dimensions"]}
        self.indicator_ids: tuple[str, ...] = tuple(i["id"] for i in self._indicators)
        self.factor_ids: tuple[str, ...] = tuple(self._by_factor)
        self.dimension_ids: tuple[str, ...] = tuple(self._by_dimension)
        self.grades: tuple[tuple[str, int], ...] = tuple(
            (g["grade"], g["min"]) for g in self.spec["grades"])

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> Scorecard:
        """Validate ``spec`` as ``scorecard/v1`` and build the model; SpecError otherwise."""
        if not isinstance(spec, dict):
            raise SpecError("the spec must be a JSON object")
        return cls(spec)

    def __repr__(self) -> str:
        return f"Scorecard({self.model_id!r}, {self.model_version!r}, hash={self.hash[:12]}…)"

    def factor_of(self, indicator_id: str) -> str:
        """The factor an indicator feeds (KeyError for an id the model lacks)."""
        return self._factor_of[indicator_id]

    def indicators_of(self, factor_id: str) -> tuple[str, ...]:
        """The indicators that feed a factor, in model order."""
        return self._by_factor[factor_id]

    def factors_of(self, dimension_id: str) -> tuple[str, ...]:
        """The factors that make up a dimension, in model order."""
        return self._by_dimension[dimension_id]

    def indicator(self, indicator_id: str) -> dict[str, Any]:
        """The indicator's spec entry (a copy)."""
        for item in self._indicators:
            if item["id"] == indicator_id:
                return dict(item)
        raise KeyError(indicator_id)

    def validate_inputs(self, inputs: Any) -> dict[str, int]:
        """The inputs' values by indicator id, or InputError naming the first bad indicator."""
        return validate_inputs(inputs, self._indicators)

    def grade_for(self, score: int) -> str:
        """The first grade, best first, whose ``min`` is at most ``score``."""
        for grade, minimum in self.grades:
            if minimum <= score:
                return grade
        raise ValueError(f"score {score} is below every grade")  # min 0 is checked in the spec

    def dimensions_from(self, factors: dict[str, int]) -> dict[str, int]:
        """Dimension values from factor values: the step ``consistency`` re-checks."""
        return {d["id"]: weighted([(factors[f["id"]], f["weight"]) for f in d["factors"]])
                for d in self.spec["dimensions"]}

    def score_from(self, dimensions: dict[str, int]) -> int:
        """The total score from dimension values."""
        return weighted([(dimensions[d["id"]], d["weight"]) for d in self.spec["dimensions"]])

    def compute(self, inputs: Any) -> ScoreResult:
        """Validate the inputs (InputError) and score them, in the documented order."""
        values = self.validate_inputs(inputs)
        points = {i["id"]: indicator_points(values[i["id"]], i["lower"], i["upper"],
                                            i["direction"]) for i in self._indicators}
        factors = {f["id"]: weighted([(points[i["id"]], i["weight"]) for i in f["indicators"]])
                   for d in self.spec["dimensions"] for f in d["factors"]}
        dimensions = self.dimensions_from(factors)
        score = self.score_from(dimensions)
        return ScoreResult(points=points, factors=factors, dimensions=dimensions, score=score,
                           grade=self.grade_for(score))
