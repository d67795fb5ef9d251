"""Reading headers back from ledgers for verification, independent of the service.

`ledger verify --fabric PROFILE` / `--evm URL` build a reader here; the checker
then compares what the ledger holds with the bundle, so the auditor trusts the
ledger rather than the service that produced the bundle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from anchoring.backend import AnchorError, StoredHeader


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

    def pinned_keys(self) -> dict[str, str] | None:
        """Keys a ledger vouches for (Fabric's RegisterLedger), when a backend can say."""
        return None


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
            backends["evm"] = EvmBackend(connect(evm_url), receipt["contract"])
    except (AnchorError, OSError, ValueError, KeyError, RuntimeError) as exc:
        raise LedgerReadError(str(exc)) from exc
    return LedgerReader(backends) if backends else None


def reader_for_context(ctx: Any) -> LedgerReader | None:
    """A reader over the backends a running ledger writes to (the demo's auditor view)."""
    if not ctx.backends:
        return None
    return LedgerReader({b.name: b for b in ctx.backends})
