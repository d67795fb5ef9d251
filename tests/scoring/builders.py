"""Inputs documents for the reference model: a typical SME, and ones built from values."""

from __future__ import annotations

import copy
from typing import Any

from ledger_proof.scoring import REFERENCE_SPEC, Scorecard

CARD = Scorecard.from_spec(REFERENCE_SPEC)

#: A plausible manufacturing SME (every value in its indicator's unit).
TYPICAL: dict[str, int] = {
    "debt_to_asset_ratio": 5200, "current_ratio": 14000, "quick_ratio": 9000,
    "interest_coverage_ratio": 42000, "net_assets": 860_000_000, "gross_profit_margin": 2600,
    "net_profit_margin": 650, "return_on_assets": 480, "cash_flow_volatility": 6500,
    "operating_cash_flow_ratio": 1800, "cash_coverage_days": 64, "cash_collection_ratio": 9800,
    "receivable_turnover_days": 72, "inventory_turnover_days": 95, "total_asset_turnover": 9000,
    "supply_chain_collaboration_index": 640, "market_expansion_rate": 1200,
    "customer_concentration": 4800, "tax_payment_punctuality": 958,
    "social_insurance_months": 41, "litigation_cases": 1, "patent_stock": 12,
    "rd_intensity": 420, "rd_staff_ratio": 1500, "revenue_growth_rate": 1800,
    "total_asset_growth_rate": 900, "qualification_count": 3, "operating_months": 86,
}


def inputs_of(values: dict[str, int]) -> dict[str, Any]:
    """The inputs document for ``values``, each with its indicator's unit."""
    return {"indicators": {i: {"value": values[i], "unit": CARD.indicator(i)["unit"]}
                           for i in CARD.indicator_ids}}


def typical() -> dict[str, Any]:
    return inputs_of(TYPICAL)


def with_value(inputs: dict[str, Any], indicator: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(inputs)
    changed["indicators"][indicator]["value"] = value
    return changed
