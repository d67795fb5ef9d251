"""Load the committed contract artifacts (ABI and bytecode) shipped with the package.

The artifacts are compiled once by ``compile.js`` and committed, so running the
service needs neither node nor a compiler download; tests recompile and compare.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .errors import ArtifactError

ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"

ANCHOR_REGISTRY = "AnchorRegistry"
CERTIFICATE_TOKEN = "CreditCertificateToken"


@dataclass(frozen=True)
class Artifact:
    """One compiled contract."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str  # 0x hex, creation code
    deployed_bytecode: str  # 0x hex, runtime code, what eth_getCode returns
    compiler_version: str


@cache
def load_artifact(name: str) -> Artifact:
    """Read artifacts/<name>.json; cached because the files never change at run time."""
    path = ARTIFACTS_DIR / f"{name}.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Artifact(
            name=raw["contractName"],
            abi=raw["abi"],
            bytecode=raw["bytecode"],
            deployed_bytecode=raw["deployedBytecode"],
            compiler_version=raw["compiler"]["version"],
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ArtifactError(f"cannot load contract artifact {path.name}: {exc}") from exc
