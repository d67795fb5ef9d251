"""The reference model: the "three dimensions, nine factors" scorecard, shipped as JSON.

``reference.json`` (package data) is the specification itself: 3 dimensions,
9 factors and 28 indicators (12 financial health, 9 operating activity, 7
growth potential), each with its unit, direction, valid range, normalisation
bounds, weight and a one-sentence description saying why the bounds. It is
read as JSON, exactly as an auditor would read a spec file, so the shipped
file and ``REFERENCE_SPEC`` cannot differ. A changed model gets a new
``model_version`` (and so a new hash); the tests pin the hash.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def reference_spec() -> dict[str, Any]:
    """A fresh copy of the reference model's specification."""
    text = resources.files("ledger_proof.scoring").joinpath("reference.json").read_text("utf-8")
    spec: dict[str, Any] = json.loads(text)
    return spec


#: The reference model's specification (treat as read-only; ``reference_spec()`` gives a copy).
REFERENCE_SPEC: dict[str, Any] = reference_spec()
