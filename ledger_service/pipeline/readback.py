"""Reading headers back from ledgers for verification, independent of the service.

`ledger verify --fabric PROFILE` / `--evm URL` build a reader here; the checker
then compares what the ledger holds with the bundle, so the auditor trusts the
ledger rather than the service that produced the bundle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from anchoring.backend import AnchorError, StoredHeader
from ledger_service.proof.signing import b64d, key_id_of


class LedgerReadError(Exception):
    """A ledger to read from was named but cannot be used."""


class LedgerReader:
    """Callable(receipt, header) -> StoredHeader | None over a set of backends."""

    def __init__(self, backends: dict[str, Any]) -> None:
        self.backends = backends

    def __call__(self, receipt: dict[str, Any], header: dict[str, Any]) -> StoredHeader | None:
        backend = self.backends.get(receipt.get("backend", ""))
        if backend is None:
            return None
        return backend.read_header(header["ledger_id"], header["seq"])

    def pinned_keys(self, ledger_id: str) -> dict[str, str] | None:
        """Keys the Fabric channel vouches for (RegisterLedger and rotations), if any.

        With these the auditor needs nothing from the service: the header's
        signer is checked against what the platform registered on a channel
        the banks co-maintain.
        """
        fabric = self.backends.get("fabric")
        if fabric is None:
            return None
        keys = {key_id_of(b64d(k["public_key_b64"])): k["public_key_b64"]
                for k in fabric.ledger_keys(ledger_id)}
        return keys or None


def ledger_reader(*, fabric_profile: Path | None, evm_url: str | None,
                  bundle: dict[str, Any]) -> LedgerReader | None:
    backends: dict[str, Any] = {}
    try:
        if fabric_profile is not None:
            from anchoring.fabric.backend import FabricBackend

            backends["fabric"] = FabricBackend.from_profile(fabric_profile)
        if evm_url is not None:
            from anchoring.evm.backend import EvmBackend
            from anchoring.evm.chain import connect

            receipt = next((a for a in bundle.get("anchors") or []
                            if isinstance(a, dict) and a.get("backend") == "evm"), None)
            if receipt is None:
                raise LedgerReadError("the bundle has no EVM receipt naming a contract")
            chain = connect(evm_url)
            if receipt.get("chain_id") != chain.chain_id:
                raise LedgerReadError(f"the receipt is for chain {receipt.get('chain_id')}, "
                                      f"{evm_url} is chain {chain.chain_id}")
            backends["evm"] = EvmBackend(chain, receipt["contract"])
    except (AnchorError, OSError, ValueError, KeyError, RuntimeError) as exc:
        raise LedgerReadError(str(exc)) from exc
    return LedgerReader(backends) if backends else None


def reader_for_context(ctx: Any) -> LedgerReader | None:
    """A reader over the backends a running ledger writes to (the demo's auditor view)."""
    if not ctx.backends:
        return None
    return LedgerReader({b.name: b for b in ctx.backends})
