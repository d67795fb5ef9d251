"""Recompute a recorded score offline from the model, the inputs and the salt.

An auditor holding a ``score.computed`` payload, the model's spec (or its
registration event) and the inputs with their salt (handed over by the
enterprise or the platform) re-runs the model and compares every recorded
number, in this order:

1. ``model_hash`` (then ``model_id``, ``model_version``): the spec is the model
   the payload names;
2. the inputs are valid for the model (else ``indicator:<id>`` names the first
   bad one, and nothing further can be recomputed);
3. each factor in model order (``factor:<id>``), then each dimension
   (``dimension:<id>``), the ``score`` and the ``grade``;
4. ``inputs_digest``: these inputs, with this salt, are the ones recorded.

Factors come before the digest on purpose: a changed indicator that moves its
factor is reported by the factor it moved (the detail lists the indicators that
feed it), which says where to look; a change too small to move any value is
still caught by the digest. Every check is run and reported; the first failure
is ``first_difference``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger_proof.scoring.card import ScoreResult
from ledger_proof.scoring.digest import SALT_BYTES, digests_equal, inputs_digest
from ledger_proof.scoring.inputs import InputError
from ledger_proof.scoring.registry import load_model

PASS, FAIL = "pass", "fail"


@dataclass(frozen=True)
class RescoreCheck:
    """One comparison: ``name`` (e.g. ``factor:solvency``), ``status`` pass|fail, ``detail``."""

    name: str
    status: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "detail": self.detail}


@dataclass(frozen=True)
class RescoreReport:
    """Every check of one rescore; ``ok`` when all passed, else the first failure's name."""

    model_id: str
    model_version: str
    model_hash: str
    checks: list[RescoreCheck] = field(default_factory=list)
    recomputed: ScoreResult | None = None

    @property
    def ok(self) -> bool:
        return all(check.status == PASS for check in self.checks)

    @property
    def first_difference(self) -> str | None:
        return next((check.name for check in self.checks if check.status == FAIL), None)

    def to_json(self) -> dict[str, Any]:
        """The report as JSON values: what ``credit-verify rescore`` prints."""
        return {
            "ok": self.ok,
            "first_difference": self.first_difference,
            "model": {"model_id": self.model_id, "model_version": self.model_version,
                      "model_hash": self.model_hash},
            "checks": [check.as_dict() for check in self.checks],
            "recomputed": None if self.recomputed is None else {
                "score": self.recomputed.score, "grade": self.recomputed.grade,
                "dimensions": self.recomputed.dimensions, "factors": self.recomputed.factors},
        }


def _compare(name: str, recorded: Any, recomputed: Any, source: str = "") -> RescoreCheck:
    same = recorded == recomputed and type(recorded) is type(recomputed)
    detail = f"{source}recorded {recorded!r}, recomputed {recomputed!r}"
    return RescoreCheck(name, PASS if same else FAIL, detail)


def rescore(spec: dict[str, Any], inputs: Any, salt: bytes, payload: dict[str, Any]
            ) -> RescoreReport:
    """Recompute ``payload`` from ``spec``, ``inputs`` and ``salt``; see the module docstring.

    Raises SpecError for a spec that is not a valid model and ValueError for a
    salt that is not 32 bytes (input nobody can rescore with); a payload or
    inputs that do not match produce failed checks, not exceptions.
    """
    card = load_model(spec)
    if not isinstance(salt, bytes | bytearray) or len(salt) != SALT_BYTES:
        raise ValueError(f"the inputs salt must be {SALT_BYTES} bytes")
    record = payload if isinstance(payload, dict) else {}
    checks = [_compare("model_hash", record.get("model_hash"), card.hash,
                       "the spec's RFC 8785 SHA-256: "),
              _compare("model_id", record.get("model_id"), card.model_id),
              _compare("model_version", record.get("model_version"), card.model_version)]
    report = RescoreReport(card.model_id, card.model_version, card.hash, checks)
    try:
        result = card.compute(inputs)
    except InputError as exc:
        name = "inputs" if exc.indicator is None else f"indicator:{exc.indicator}"
        checks.append(RescoreCheck(name, FAIL, f"{exc.code}: {exc.message}"))
        return report
    checks.append(RescoreCheck("inputs", PASS, f"{len(result.points)} indicators, each an "
                               "integer in its unit and valid range"))
    factors = record.get("factors") if isinstance(record.get("factors"), dict) else {}
    for fid in card.factor_ids:
        checks.append(_compare(f"factor:{fid}", factors.get(fid), result.factors[fid],
                               f"from {', '.join(card.indicators_of(fid))}: "))
    dimensions = record.get("dimensions") if isinstance(record.get("dimensions"), dict) else {}
    for did in card.dimension_ids:
        checks.append(_compare(f"dimension:{did}", dimensions.get(did), result.dimensions[did],
                               f"from {', '.join(card.factors_of(did))}: "))
    checks.append(_compare("score", record.get("score"), result.score))
    checks.append(_compare("grade", record.get("grade"), result.grade))
    digest = inputs_digest(inputs, bytes(salt))
    recorded = record.get("inputs_digest")
    checks.append(RescoreCheck("inputs_digest", PASS if digests_equal(digest, recorded) else FAIL,
                               f"recorded {recorded!r}, SHA-256(salt || JCS(inputs)) {digest!r}"))
    return RescoreReport(card.model_id, card.model_version, card.hash, checks, result)
