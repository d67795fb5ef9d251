"""The connection profile ``scripts/network.sh up`` writes to network/run/profile.json.

Format (version 1); relative paths are relative to the profile's own folder,
so the run folder can be moved or mounted elsewhere:

    {"version": 1, "channel": "evidence", "chaincode": "evidence",
     "peers": [{"name", "mspid", "gateway": "host:port", "tls_ca": path,
                "server_name": tls host name}, ...],          # preferred first
     "identity": {"mspid", "cert": path, "key": path},         # anchors, certificates
     "admin_identity": {"mspid", "cert": path, "key": path}}   # RegisterLedger
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger_proof.ledgers.fabric.errors import ProfileError
from ledger_proof.ledgers.fabric.gateway import PeerTarget
from ledger_proof.ledgers.fabric.identity import SigningIdentity


@dataclass(frozen=True)
class IdentityFiles:
    mspid: str
    cert: Path
    key: Path

    def load(self) -> SigningIdentity:
        return SigningIdentity.from_files(self.mspid, self.cert, self.key)


@dataclass(frozen=True)
class Profile:
    path: Path
    channel: str
    chaincode: str
    peers: tuple[PeerTarget, ...]
    identity: IdentityFiles
    admin_identity: IdentityFiles | None


def _require(obj: dict[str, Any], key: str, where: str) -> Any:
    if key not in obj or obj[key] in (None, ""):
        raise ProfileError(f"profile {where}: missing {key!r}")
    return obj[key]


def _path(base: Path, value: str) -> Path:
    p = Path(value)
    return p if p.is_absolute() else base / p


def _identity(base: Path, raw: Any, where: str) -> IdentityFiles:
    if not isinstance(raw, dict):
        raise ProfileError(f"profile {where}: must be an object")
    return IdentityFiles(
        mspid=_require(raw, "mspid", where),
        cert=_path(base, _require(raw, "cert", where)),
        key=_path(base, _require(raw, "key", where)),
    )


def load_profile(path: str | Path) -> Profile:
    """Read and check a profile; ProfileError (never a KeyError) on anything missing."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except OSError as exc:
        raise ProfileError(f"cannot read Fabric profile {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise ProfileError(f"Fabric profile {path} is not JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise ProfileError(f"Fabric profile {path} must be a JSON object")
    base = path.resolve().parent
    peers = []
    for i, peer in enumerate(_require(raw, "peers", str(path))):
        where = f"{path} peers[{i}]"
        ca_path = _path(base, _require(peer, "tls_ca", where))
        try:
            ca = ca_path.read_bytes()
        except OSError as exc:
            raise ProfileError(f"profile {where}: cannot read TLS CA {ca_path}") from exc
        peers.append(
            PeerTarget(
                name=_require(peer, "name", where),
                address=_require(peer, "gateway", where),
                mspid=_require(peer, "mspid", where),
                tls_ca_pem=ca,
                server_name=peer.get("server_name") or None,
            )
        )
    if not peers:
        raise ProfileError(f"profile {path}: no peers")
    admin = raw.get("admin_identity")
    return Profile(
        path=path,
        channel=_require(raw, "channel", str(path)),
        chaincode=_require(raw, "chaincode", str(path)),
        peers=tuple(peers),
        identity=_identity(base, _require(raw, "identity", str(path)), f"{path} identity"),
        admin_identity=_identity(base, admin, f"{path} admin_identity") if admin else None,
    )
