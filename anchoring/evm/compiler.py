"""Recompile the contracts with the pinned solc-js and compare with the committed artifacts.

The service never compiles at run time; this module is for developers
(``scripts/compile_contracts.py``) and for the test that proves the committed
bytecode is what the committed sources produce. Node and npm are needed only
here; ``npm ci`` installs exactly the versions package-lock.json pins.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

EVM_DIR = Path(__file__).resolve().parent
ARTIFACTS_DIR = EVM_DIR / "artifacts"


class CompilerUnavailable(RuntimeError):
    """node or npm is not installed, so the contracts cannot be compiled here."""


class CompileFailed(RuntimeError):
    """solc-js (or npm ci) exited with an error."""


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise CompilerUnavailable(f"`{name}` is not on PATH; install Node.js 20+ and npm")
    return path


def ensure_node_modules(timeout: float = 600.0) -> None:
    """Run ``npm ci`` in anchoring/evm unless solc and OpenZeppelin are installed.

    ``--ignore-scripts``: nothing here needs an install script, and anvil's would
    fetch its binary again when npm already installed the platform package.
    """
    modules = EVM_DIR / "node_modules"
    if (modules / "solc" / "package.json").exists() and (
        modules / "@openzeppelin" / "contracts" / "package.json"
    ).exists():
        return
    result = subprocess.run(
        [_tool("npm"), "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=EVM_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise CompileFailed(f"npm ci failed:\n{result.stdout}\n{result.stderr}")


def compile_contracts(out_dir: Path = ARTIFACTS_DIR, timeout: float = 300.0) -> list[Path]:
    """Compile contracts/*.sol into out_dir; returns the artifact files written."""
    ensure_node_modules()
    result = subprocess.run(
        [_tool("node"), str(EVM_DIR / "compile.js"), "--out", str(out_dir)],
        cwd=EVM_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise CompileFailed(f"solc-js failed:\n{result.stdout}\n{result.stderr}")
    return sorted(Path(out_dir).glob("*.json"))


def stale_artifacts() -> list[str]:
    """Recompile into a temporary dir; names of artifacts that differ from the committed ones."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = {p.name: p.read_bytes() for p in compile_contracts(Path(tmp))}
    committed = {p.name: p.read_bytes() for p in ARTIFACTS_DIR.glob("*.json")}
    names = sorted(set(fresh) | set(committed))
    return [n for n in names if fresh.get(n) != committed.get(n)]
