"""The committed artifacts are exactly what the pinned solc-js makes of the committed sources."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from anchoring.evm.artifact import ANCHOR_REGISTRY, CERTIFICATE_TOKEN, load_artifact
from anchoring.evm.compiler import ARTIFACTS_DIR, EVM_DIR, compile_contracts


def test_artifacts_are_committed_with_their_compiler_settings() -> None:
    for name in (ANCHOR_REGISTRY, CERTIFICATE_TOKEN):
        raw = json.loads((ARTIFACTS_DIR / f"{name}.json").read_text())
        assert raw["settings"]["evmVersion"] == "cancun"  # runs on py-evm and anvil
        assert raw["compiler"]["version"].startswith("0.8.30+")
        artifact = load_artifact(name)
        assert artifact.bytecode.startswith("0x60") and artifact.deployed_bytecode.startswith("0x")
    lock = json.loads((EVM_DIR / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/solc"]["version"] == "0.8.30"


def test_recompiling_reproduces_the_committed_artifacts(tmp_path: Path) -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node/npm not installed: cannot run solc-js to recompile the contracts")
    fresh = compile_contracts(tmp_path)
    assert sorted(p.name for p in fresh) == sorted(p.name for p in ARTIFACTS_DIR.glob("*.json"))
    for path in fresh:
        rebuilt = json.loads(path.read_text())
        committed = json.loads((ARTIFACTS_DIR / path.name).read_text())
        assert rebuilt["abi"] == committed["abi"], path.name
        assert rebuilt["bytecode"] == committed["bytecode"], path.name
        assert rebuilt["deployedBytecode"] == committed["deployedBytecode"], path.name
        assert path.read_bytes() == (ARTIFACTS_DIR / path.name).read_bytes(), path.name
