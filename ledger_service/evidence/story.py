"""A realistic credit story for the demo, the benchmarks and the tests.

Three enterprises in Fujian are scored by the platform, grant a bank consent,
apply for loans; the bank approves two (on the score and the consent), rejects
one, disburses, and sees one repayment and one overdue instalment.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from ledger_proof.scoring import REFERENCE_SPEC, Scorecard, model_hash
from ledger_proof.timefmt import to_text
from ledger_service.evidence.scoring import reference_registration, registration_id
from ledger_service.evidence.uscc import make_uscc

PLATFORM_ORG = "haixi-credit-platform"
#: The platform operator's own USCC (the default of LEDGER_OPERATOR_USCC): model
#: registrations are recorded under it.
OPERATOR_USCC = "91350100MA8HX0001M"
BANK_ORG = "bank-of-fuzhou"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Enterprise:
    uscc: str
    name_zh: str
    name_en: str


ENTERPRISES = (
    Enterprise("91350100M000100Y43", "福州闽江精密机械有限公司",
               "Fuzhou Minjiang Precision Machinery Co., Ltd."),
    Enterprise(make_uscc("91350200MA2XY8K23"), "厦门海沧新能源科技有限公司",
               "Xiamen Haicang New Energy Technology Co., Ltd."),
    Enterprise(make_uscc("91350500MA3ABC456"), "泉州晋江纺织服饰有限公司",
               "Quanzhou Jinjiang Textile & Apparel Co., Ltd."),
)


#: Each demo enterprise's scoring inputs (package data, never on the ledger): a solid
#: manufacturer, a fast-growing technology firm leaning on few customers, and a
#: stretched textile trader.
INPUT_FILES = dict(zip((e.uscc for e in ENTERPRISES),
                       ("minjiang-precision-machinery", "haicang-new-energy-technology",
                        "jinjiang-textile-apparel"), strict=True))
#: The yellow alert of the story: the technology firm's customer concentration and
#: volatile cash flow.
YELLOW_ALERT = {"level": "yellow", "indicators": ["customer_concentration",
                                                  "cash_flow_volatility"],
                "reason_code": "customer_concentration_high"}


def demo_inputs(uscc: str) -> dict[str, Any]:
    """The scoring inputs shipped for a demo enterprise."""
    text = (resources.files("ledger_service.evidence") / "demo_inputs"
            / f"{INPUT_FILES[uscc]}.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def at(hours: float) -> str:
    return to_text(T0 + timedelta(hours=hours))


def reference_model_event(operator_uscc: str = OPERATOR_USCC) -> dict[str, Any]:
    """The reference model's registration (a fixed id and date: the same event wherever
    it is recorded, so recording it again is answered, not duplicated)."""
    return reference_registration(operator_uscc)


#: The id of the reference model's registration, which story scores cite.
REFERENCE_MODEL_ID = registration_id(model_hash(REFERENCE_SPEC))


def score_event(uscc: str, score: int, *_shape: Any, hours: float = 0) -> dict[str, Any]:
    """A score of ``score`` under the reference model, citing its registration: every
    factor (so every dimension) at ``score``, which is consistent under any weights, and
    the grade the model gives it. (Callers may still pass the grade and the dimensions
    the story had in mind after the score; the payload is the model's, not theirs.) The
    inputs digest stands for inputs the story does not have: the demo scores from real
    inputs instead (``ledger score``)."""
    card = _reference_card()
    digest = hashlib.sha256(f"inputs:{uscc}:{hours}:{score}".encode()).hexdigest()
    return {"type": "score.computed", "enterprise_id": uscc, "occurred_at": at(hours),
            "refs": [REFERENCE_MODEL_ID], "payload": {
                "model_id": card.model_id, "model_version": card.model_version,
                "model_hash": card.hash, "score": score,
                "grade": card.grade_for(score) if 0 <= score <= 1000 else "C",
                "dimensions": {d: score for d in card.dimension_ids},
                "factors": {f: score for f in card.factor_ids},
                "inputs_digest": digest}}


@cache
def _reference_card() -> Scorecard:
    return Scorecard.from_spec(REFERENCE_SPEC)


def consent_event(uscc: str, grantee: str = BANK_ORG, hours: float = 1,
                  days: int = 180, scope: list[str] | None = None) -> dict[str, Any]:
    return {"type": "consent.granted", "enterprise_id": uscc, "occurred_at": at(hours),
            "refs": [], "payload": {
                "grantee_org": grantee, "scope": scope or ["*"],
                "purpose": "working-capital loan assessment / 流动资金贷款审查",
                "expires_at": at(hours + 24 * days)}}


def loan_event(kind: str, uscc: str, loan_id: str, refs: list[str], hours: float,
               **payload: Any) -> dict[str, Any]:
    return {"type": kind, "enterprise_id": uscc, "occurred_at": at(hours), "refs": refs,
            "payload": {"loan_id": loan_id, **payload}}
