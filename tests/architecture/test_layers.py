"""Imports point one way: each layer of ledger_service imports only the layers below it.

    cli -> api -> runtime -> provenance, certificates -> access, pipeline
        -> evidence, store -> core

and all of them may use the proof core, ``ledger_proof`` (the verifier
distribution in ``verifier/``), which imports nothing of the service, of
``anchoring`` or of any package beyond the standard library, PyNaCl and
rfc8785 (its optional Fabric reader also uses the ``fabric`` extra).

Layers on one tier do not import each other (access does not reach into the
pipeline, nor the pipeline into access), so each can be read, tested and
changed alone. The test reads every module's imports
with ``ast`` (including imports inside functions), so a lazy import cannot
hide a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICE = ROOT / "ledger_service"

TIERS: dict[str, int] = {
    "core": 0, "evidence": 2, "store": 2, "access": 3, "pipeline": 3,
    "provenance": 4, "certificates": 4, "runtime": 5, "api": 6, "cli": 7,
}


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "ledger_service" or len(parts) < 2:
        return None
    return parts[1]


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            if node.module == "ledger_service":
                found.extend((node.lineno, f"ledger_service.{a.name}") for a in node.names
                             if a.name in TIERS)
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names)
    return found


def service_modules() -> list[Path]:
    return sorted(p for p in SERVICE.rglob("*.py") if "migrations" not in p.parts)


def test_every_module_lives_in_a_layer() -> None:
    loose = [p.name for p in SERVICE.glob("*.py") if p.name != "__init__.py"]
    assert loose == [], f"modules outside any layer folder: {loose}"
    folders = {p.name for p in SERVICE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders - {"web"} == set(TIERS), "a layer folder is missing from TIERS (or gone)"


def test_no_relative_imports() -> None:
    """Absolute imports only: the layer of every import is visible in the line itself."""
    relative = []
    for path in service_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                relative.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert relative == []


@pytest.mark.parametrize("path", service_modules(), ids=lambda p: str(p.relative_to(SERVICE)))
def test_imports_point_down(path: Path) -> None:
    own = path.relative_to(SERVICE).parts[0]
    if own not in TIERS:
        return
    wrong = []
    for lineno, module in imports_of(path):
        target = layer_of(module)
        if target is None or target == own or target == "web":
            continue
        if TIERS[target] >= TIERS[own]:
            wrong.append(f"line {lineno}: {own} (tier {TIERS[own]}) imports {module} "
                         f"(tier {TIERS[target]})")
    assert wrong == [], "\n".join(wrong)


VERIFIER = ROOT / "verifier" / "ledger_proof"
#: What the verifier may import beyond the standard library.
VERIFIER_ALLOWED = {"nacl", "rfc8785", "ledger_proof"}
#: Only with the 'fabric' extra, and only from ledgers/fabric/.
FABRIC_EXTRA = {"grpc", "google", "fabric_protos", "cryptography"}
#: Optional speed-up, imported inside try/except ImportError.
OPTIONAL = {"orjson"}


@pytest.mark.parametrize("path", sorted(VERIFIER.rglob("*.py")),
                         ids=lambda p: str(p.relative_to(VERIFIER)))
def test_verifier_imports_only_its_own_dependencies(path: Path) -> None:
    import sys

    allowed = VERIFIER_ALLOWED | OPTIONAL
    if "fabric" in path.relative_to(VERIFIER).parts:
        allowed |= FABRIC_EXTRA
    wrong = [f"line {n}: {m}" for n, m in imports_of(path)
             if m.split(".")[0] not in allowed and m.split(".")[0] not in sys.stdlib_module_names
             and m != "__future__"]
    assert wrong == [], "\n".join(wrong)
