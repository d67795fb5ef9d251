"""A scorecard as Markdown: the indicator table and the grade thresholds.

Generated from the spec, never written by hand, so the documentation of a model
cannot drift from the model (the README's copy is checked against this output).
"""

from __future__ import annotations

from typing import Any

from ledger_proof.scoring.spec import model_hash


def _n(value: int) -> str:
    return f"{value:,}"


def indicator_table(spec: dict[str, Any]) -> str:
    """One row per indicator, in model order; dimension and factor named on their first row."""
    rows = ["| dimension (weight) | factor (weight) | indicator | 中文名 | unit | better | "
            "valid range | bounds → 0–1000 points | weight |",
            "|---|---|---|---|---|---|---|---|---|"]
    for dim in spec["dimensions"]:
        first_in_dimension = True
        for factor in dim["factors"]:
            first_in_factor = True
            for item in factor["indicators"]:
                higher = item["direction"] == "higher_better"
                bounds = (f"{_n(item['lower'])} → 0, {_n(item['upper'])} → 1000" if higher
                          else f"{_n(item['lower'])} → 1000, {_n(item['upper'])} → 0")
                rows.append(" | ".join([
                    "",
                    f"{dim['name_en']} {dim['name_zh']} ({dim['weight']})"
                    if first_in_dimension else "",
                    f"{factor['name_en']} {factor['name_zh']} ({factor['weight']})"
                    if first_in_factor else "",
                    f"`{item['id']}`", item["name_zh"], item["unit"],
                    "higher" if higher else "lower",
                    f"{_n(item['min'])} … {_n(item['max'])}", bounds, str(item["weight"]),
                    "",
                ]).strip())
                first_in_dimension = first_in_factor = False
    return "\n".join(rows)


def grade_table(spec: dict[str, Any]) -> str:
    """The grades, best first, with the lowest score each needs."""
    grades = spec["grades"]
    return "\n".join([
        "| grade | " + " | ".join(g["grade"] for g in grades) + " |",
        "|---|" + "---|" * len(grades),
        "| score ≥ | " + " | ".join(str(g["min"]) for g in grades) + " |",
    ])


def model_markdown(spec: dict[str, Any]) -> str:
    """The model's header line, indicator table and grade table."""
    return "\n".join([
        f"Model `{spec['model_id']}` version `{spec['model_version']}`, "
        f"model_hash `{model_hash(spec)}`.",
        "",
        indicator_table(spec),
        "",
        grade_table(spec),
    ])
