"""A realistic credit story for the demo, the benchmarks and the tests.

Three enterprises in Fujian are scored by the platform, grant a bank consent,
apply for loans; the bank approves two (on the score and the consent), rejects
one, disburses, and sees one repayment and one overdue instalment.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ledger_proof.timefmt import to_text
from ledger_service.evidence.uscc import make_uscc

PLATFORM_ORG = "haixi-credit-platform"
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


def at(hours: float) -> str:
    return to_text(T0 + timedelta(hours=hours))


def score_event(uscc: str, score: int, grade: str, dims: tuple[int, int, int],
                hours: float = 0, version: str = "3.1") -> dict[str, Any]:
    digest = hashlib.sha256(f"inputs:{uscc}:{hours}:{score}".encode()).hexdigest()
    return {"type": "score.computed", "enterprise_id": uscc, "occurred_at": at(hours),
            "refs": [], "payload": {
                "model_id": "tri-dim", "model_version": version, "score": score,
                "grade": grade, "inputs_digest": digest,
                "dimensions": {"financial_health": dims[0], "operating_activity": dims[1],
                               "growth_potential": dims[2]}}}


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
