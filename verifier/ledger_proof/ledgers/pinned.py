"""The ledgers a verifier pinned, read back by backend name.

A receipt in a bundle is a claim ("anchored in Fabric block 7", "in tx 0x..
on contract 0x.."). It is checked only against a ledger the verifier chose:
a Fabric channel through a peer and identity from its own connection
profile, an EVM registry at an address it pinned. A receipt for a backend
with no pinned ledger is ``not_checked``, never passed on its own word.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ledger_proof.ledgers.base import AnchorError, StoredHeader
from ledger_proof.signing import b64d, key_id_of


class LedgerReadError(Exception):
    """A ledger was named on the command line but cannot be used."""


class PinnedLedgers:
    """Callable(receipt, header) -> StoredHeader | None over pinned ledgers, by backend."""

    def __init__(self, readers: dict[str, Any]) -> None:
        self.readers = dict(readers)

    def reads(self, backend: Any) -> bool:
        return isinstance(backend, str) and backend in self.readers

    def describe(self, backend: str) -> str:
        reader = self.readers.get(backend)
        pin = getattr(reader, "pin", None)
        if pin is not None:
            return f"the pinned registry {pin.describe()}"
        channel = getattr(reader, "channel", None)
        return f"channel {channel} through your own peer" if channel else f"the {backend} ledger"

    def __call__(self, receipt: dict[str, Any], header: dict[str, Any]) -> StoredHeader | None:
        reader = self.readers[receipt["backend"]]
        return reader.read_header(header["ledger_id"], header["seq"])

    def pinned_keys(self, ledger_id: str) -> dict[str, str] | None:
        """Keys the Fabric channel vouches for (RegisterLedger and rotations), if any.

        With these the auditor needs nothing from the service: the header's
        signer is checked against what the platform registered on a channel
        the banks co-maintain.
        """
        fabric = self.readers.get("fabric")
        if fabric is None:
            return None
        keys = {key_id_of(b64d(k["public_key_b64"])): k["public_key_b64"]
                for k in fabric.ledger_keys(ledger_id)}
        return keys or None

    def close(self) -> None:
        for reader in self.readers.values():
            close = getattr(reader, "close", None)
            if close is not None:
                close()

    @classmethod
    def open(cls, *, fabric_profile: Path | None = None, evm_url: str | None = None,
             evm_registry: str | None = None, evm_chain_id: int | None = None
             ) -> PinnedLedgers:
        """Connect to what the verifier pinned; raises LedgerReadError when it cannot."""
        readers: dict[str, Any] = {}
        try:
            if fabric_profile is not None:
                try:
                    from ledger_proof.ledgers.fabric.reader import FabricReader
                except ImportError as exc:
                    raise LedgerReadError("reading Fabric needs the 'fabric' extra: pip install "
                                          "'credit-evidence-verify[fabric]'") from exc
                readers["fabric"] = FabricReader.from_profile(fabric_profile)
            if evm_registry is not None:
                if evm_url is None:
                    raise LedgerReadError("--evm-registry needs --evm URL (the node to read)")
                from ledger_proof.ledgers.evm import EvmRegistry

                readers["evm"] = EvmRegistry(evm_url, evm_registry, evm_chain_id)
        except (AnchorError, OSError, ValueError, KeyError) as exc:
            raise LedgerReadError(str(exc)) from exc
        return cls(readers)
