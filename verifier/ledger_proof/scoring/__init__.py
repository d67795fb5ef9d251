"""Credit scoring models an auditor can recompute exactly: versioned, integer-only, pure.

The reference model is the "three dimensions, nine factors" scorecard
(``REFERENCE_SPEC``, kind ``scorecard/v1``): 28 indicators normalised onto
0..1000 between documented bounds, weighted into 9 factors, 3 dimensions and
a 0..1000 score with a grade AAA..C. A ``score.computed`` event records the
model's hash, its factor and dimension values, score, grade and a salted
digest of the inputs; ``consistency`` checks such a payload against itself,
``rescore`` against the inputs.

    card = Scorecard.from_spec(REFERENCE_SPEC)
    result = card.compute({"indicators": {...}})          # InputError names a bad one
    salt = new_salt()
    payload = score_payload(card, result, inputs_digest(inputs, salt))
    rescore(REFERENCE_SPEC, inputs, salt, payload).ok     # True

Nothing here does I/O beyond reading the shipped reference spec, and nothing
imports beyond the standard library and ``ledger_proof``.
"""

from ledger_proof.scoring.card import Scorecard, ScoreResult, indicator_points
from ledger_proof.scoring.digest import SALT_BYTES, inputs_digest, new_salt
from ledger_proof.scoring.inputs import InputError
from ledger_proof.scoring.payload import consistency, score_payload
from ledger_proof.scoring.reference import REFERENCE_SPEC, reference_spec
from ledger_proof.scoring.registry import KINDS, load_model, register_kind
from ledger_proof.scoring.rescore import RescoreCheck, RescoreReport, rescore
from ledger_proof.scoring.spec import (
    DIMENSION_IDS,
    GRADE_NAMES,
    KIND_SCORECARD_V1,
    UNITS,
    SpecError,
    model_hash,
)

__all__ = ["DIMENSION_IDS", "GRADE_NAMES", "KINDS", "KIND_SCORECARD_V1", "REFERENCE_SPEC",
           "SALT_BYTES", "UNITS", "InputError", "RescoreCheck", "RescoreReport", "ScoreResult",
           "Scorecard", "SpecError", "consistency", "indicator_points", "inputs_digest",
           "load_model", "model_hash", "new_salt", "reference_spec", "register_kind", "rescore",
           "score_payload"]
