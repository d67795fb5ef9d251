"""The interface the anchor worker and the verifier use for every ledger.

A batch header is the JSON object the service signs (see DESIGN.md):

    {"version": 1, "ledger_id": str, "seq": int (0-based), "prev_header_hash": hex64,
     "merkle_root": hex64, "size": int, "first_event": str, "last_event": str,
     "sealed_at": "YYYY-MM-DDTHH:MM:SS.fffZ"}

header_hash = SHA-256(JCS(header)) as lowercase hex; signature = base64 Ed25519
over JCS(header). Seq 0 has prev_header_hash of 64 zeros.

Backends are synchronous and thread-safe enough to be called from one worker
thread. They never retry by themselves: the worker owns retry and backoff, so a
backend reports *why* it failed through the exception class it raises.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from ledger_proof.ledgers.base import (
    AnchorError,
    AnchorRefused,
    AnchorUnavailable,
    StoredHeader,
)

__all__ = ["AnchorBackend", "AnchorError", "AnchorRefused", "AnchorUnavailable", "StoredHeader"]


@runtime_checkable
class AnchorBackend(Protocol):
    """One ledger that batch headers are written to."""

    #: "fabric" or "evm"; the value of "backend" in receipts.
    name: str

    def register_ledger(self, ledger_id: str, public_key_b64: str) -> None:
        """Bind ledger_id to the service's Ed25519 key; the same key again is a no-op."""

    def anchor(
        self, header: dict[str, Any], header_hash: str, signature_b64: str
    ) -> dict[str, Any]:
        """Write one header; return its receipt.

        The receipt is a JSON object with at least ``backend`` and the fields
        DESIGN.md lists for that backend (fabric: channel, chaincode, tx_id,
        block_number, validation_code; evm: chain_id, contract, tx_hash,
        block_number). Writing an identical header again returns the original
        receipt (or an equivalent one) and must not fail.
        """

    def read_header(self, ledger_id: str, seq: int) -> StoredHeader | None:
        """The header the ledger holds at seq, or None if it holds none."""

    def head(self, ledger_id: str) -> tuple[int, str] | None:
        """(latest seq, its header hash), or None if nothing was anchored yet."""

    def close(self) -> None:
        """Release connections."""
