"""Find or start the native test network from Python (``ledger demo`` uses this).

``ensure_network()`` returns the path of network/run/profile.json: the
network already up is reused, otherwise ``scripts/network.sh up`` starts it
when the Fabric binaries are on PATH or in FABRIC_BIN. Anything missing is a
``NetworkUnavailable`` whose message says what and where Fabric releases come
from, so callers can fall back (the demo uses the embedded EVM chain).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from ledger_proof.ledgers.fabric.errors import FabricError

BINARIES = ("peer", "orderer", "configtxgen", "osnadmin", "cryptogen")
RELEASES_URL = "https://github.com/hyperledger/fabric/releases"
#: anchoring/fabric/network.py → repository root (a source checkout carries scripts/).
REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "network.sh"
PROFILE = REPO / "network" / "run" / "profile.json"


class NetworkUnavailable(FabricError):
    """No Fabric network is running here and none can be started."""


def missing_binaries(env: dict[str, str] | None = None) -> list[str]:
    """Fabric binaries that are not on PATH / in FABRIC_BIN (empty: all found)."""
    env = dict(os.environ if env is None else env)
    fabric_bin = env.get("FABRIC_BIN")
    if fabric_bin:
        return [b for b in BINARIES if not os.access(Path(fabric_bin) / b, os.X_OK)]
    return [b for b in BINARIES if shutil.which(b, path=env.get("PATH")) is None]


def _quiet(_: str) -> None:
    pass


def network_status(timeout: float = 60) -> bool:
    """True when scripts/network.sh status says every node runs and the Gateways answer."""
    if not SCRIPT.exists():
        return False
    try:
        proc = subprocess.run(
            [str(SCRIPT), "status"], capture_output=True, text=True, timeout=timeout, cwd=REPO
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0 and PROFILE.exists()


def ensure_network(say: Callable[[str], None] = _quiet, timeout: float = 300) -> Path:
    """Profile path of a running network, starting one if needed and possible."""
    if network_status():
        say(f"  Fabric: using the running network ({PROFILE})")
        return PROFILE
    if not SCRIPT.exists():
        raise NetworkUnavailable(f"scripts/network.sh is not in this installation ({REPO})")
    missing = missing_binaries()
    if missing:
        raise NetworkUnavailable(
            f"Fabric binaries not found on PATH or in FABRIC_BIN: {', '.join(missing)} "
            f"(official releases: {RELEASES_URL})"
        )
    say("  Fabric: starting the native test network (scripts/network.sh up) ...")
    try:
        proc = subprocess.run(
            [str(SCRIPT), "up"], capture_output=True, text=True, timeout=timeout, cwd=REPO
        )
    except subprocess.TimeoutExpired as exc:
        raise NetworkUnavailable(f"network.sh up did not finish within {timeout:.0f} s") from exc
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        raise NetworkUnavailable(f"network.sh up failed: {lines[-1] if lines else proc.returncode}")
    first = proc.stdout.strip().splitlines()[:1]
    if first:
        say(f"  {first[0]}")
    return PROFILE
