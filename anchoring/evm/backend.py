"""EvmBackend: batch headers anchored in the AnchorRegistry contract.

The contract enforces the chaincode's rules (next sequence only, previous hash,
authorized submitter, identical header a no-op, fork refused); this module maps
a ledger header onto one contract call and the contract's custom errors onto
AnchorRefused reasons:

    Gap → "gap"    Fork, PrevHashMismatch → "fork"
    Unauthorized, OwnableUnauthorizedAccount → "unauthorized"
    ZeroHeaderHash, a malformed header → "bad_header"

Mapping a header to the call (``header_to_call``, the only place it happens):

    ledgerId       = sha256(utf8(header["ledger_id"]))   bytes32
    seq            = header["seq"]                       uint64
    headerHash     = header_hash (SHA-256 of JCS)        bytes32
    prevHeaderHash = header["prev_header_hash"]          bytes32 (zeros for seq 0)
    merkleRoot     = header["merkle_root"]               bytes32
    size           = header["size"]                      uint64

SHA-256 rather than keccak for the ledger id because every other hash of the
ledger is SHA-256: a verifier needs only hashlib to find a ledger on chain.

The registry keeps hashes, not the header; ``read_header`` therefore returns
``StoredHeader(header=None, ...)`` and the verifier compares the hash of the
header it holds. The Ed25519 signature is not checked on chain (no cheap
Ed25519 on EVM); authority is the submitter list, and ``register_ledger`` is
a no-op here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from web3.logs import DISCARD

from anchoring.backend import AnchorRefused, AnchorUnavailable, StoredHeader

from .artifact import ANCHOR_REGISTRY
from .chain import Chain
from .errors import (
    ContractNotDeployed,
    ContractReverted,
    EvmUnavailable,
    ReadOnlyChain,
    TransactionReverted,
)

_HEX64 = re.compile(r"[0-9a-f]{64}")
_UINT64_MAX = 2**64 - 1
ZERO32 = b"\x00" * 32

_REASONS = {
    "Gap": "gap",
    "Fork": "fork",
    "PrevHashMismatch": "fork",
    "Unauthorized": "unauthorized",
    "OwnableUnauthorizedAccount": "unauthorized",
    "ZeroHeaderHash": "bad_header",
}


class _LostRace(Exception):
    """Internal: a mined anchor transaction reverted; anchor() re-reads the state."""


def ledger_key(ledger_id: str) -> bytes:
    """The bytes32 key of a ledger in the registry: SHA-256 of its UTF-8 id."""
    return hashlib.sha256(ledger_id.encode("utf-8")).digest()


@dataclass(frozen=True)
class AnchorCall:
    """The arguments of AnchorRegistry.anchor for one header."""

    ledger_key: bytes
    seq: int
    header_hash: bytes
    prev_header_hash: bytes
    merkle_root: bytes
    size: int

    def args(self) -> tuple[bytes, int, bytes, bytes, bytes, int]:
        return (
            self.ledger_key,
            self.seq,
            self.header_hash,
            self.prev_header_hash,
            self.merkle_root,
            self.size,
        )


def _hash32(value: Any, field: str) -> bytes:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise AnchorRefused("bad_header", f"{field} must be 64 lowercase hex characters")
    return bytes.fromhex(value)


def _uint64(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _UINT64_MAX:
        raise AnchorRefused("bad_header", f"{field} must be an integer in [0, 2^64)")
    return value


def header_to_call(header: dict[str, Any], header_hash: str) -> AnchorCall:
    """Map a v1 batch header and its hash onto the registry call (see module doc)."""
    ledger_id = header.get("ledger_id")
    if not isinstance(ledger_id, str) or not ledger_id:
        raise AnchorRefused("bad_header", "ledger_id must be a non-empty string")
    return AnchorCall(
        ledger_key=ledger_key(ledger_id),
        seq=_uint64(header.get("seq"), "seq"),
        header_hash=_hash32(header_hash, "header_hash"),
        prev_header_hash=_hash32(header.get("prev_header_hash"), "prev_header_hash"),
        merkle_root=_hash32(header.get("merkle_root"), "merkle_root"),
        size=_uint64(header.get("size"), "size"),
    )


@dataclass(frozen=True)
class AnchoredBatch:
    """What the registry holds for one sequence, plus the transaction that wrote it."""

    header_hash: str
    merkle_root: str
    size: int
    block_number: int
    timestamp: int
    tx_hash: str | None  # None only if the node no longer serves the log


class EvmBackend:
    """AnchorBackend over an AnchorRegistry contract.

    ``EvmBackend(chain, registry_address)``; get ``chain`` from
    ``anchoring.evm.chain.connect()`` and the address from ``deploy_contracts``
    or the caller's stored deployment. The sending account must be a submitter.
    ``verify_code`` checks the address runs this build of the registry;
    ``close_chain`` makes ``close()`` close the chain too (when nobody shares it).
    """

    name = "evm"

    def __init__(
        self,
        chain: Chain,
        registry_address: str,
        *,
        verify_code: bool = True,
        close_chain: bool = False,
    ) -> None:
        self.chain = chain
        #: The chain is usually shared with the token client; only its owner closes it.
        self._close_chain = close_chain
        if verify_code:
            # A receipt naming a contract that is absent, or is not this build, must
            # not be trusted: a look-alike contract could report any hash.
            try:
                self._guard(lambda: chain.require_code(ANCHOR_REGISTRY, registry_address))
            except ContractNotDeployed as exc:
                raise AnchorRefused("not_deployed", str(exc)) from exc
        self.registry = chain.contract(ANCHOR_REGISTRY, registry_address)
        self.address = self.registry.address

    def register_ledger(self, ledger_id: str, public_key_b64: str) -> None:
        """No-op: the registry authorizes submitters, it does not verify Ed25519."""

    def anchor(
        self, header: dict[str, Any], header_hash: str, signature_b64: str
    ) -> dict[str, Any]:
        """Anchor one header; the identical header again returns the original receipt."""
        call = header_to_call(header, header_hash)
        existing = self._existing_receipt(call)
        if existing is not None:
            return existing
        try:
            receipt = self._guard(
                lambda: self.chain.transact(self.registry.functions.anchor(*call.args()))
            )
        except _LostRace:
            # Another writer changed the ledger between our simulation and mining:
            # the state now says whether that was our header, a fork, or a gap.
            existing = self._existing_receipt(call)
            if existing is not None:
                return existing
            self._guard(lambda: self.chain.call(self.registry.functions.anchor(*call.args())))
            raise AnchorUnavailable("anchor transaction reverted on chain; retry") from None
        events = self.registry.events.BatchAnchored().process_receipt(receipt, errors=DISCARD)
        if not events:  # identical header landed concurrently: contract returned false
            existing = self._existing_receipt(call)
            if existing is not None:
                return existing
        return self._receipt(receipt["transactionHash"], receipt["blockNumber"])

    def read_batch(self, ledger_id: str, seq: int) -> AnchoredBatch | None:
        """Everything the registry stores for seq, or None."""
        return self._read_batch(ledger_key(ledger_id), seq)

    def read_header(self, ledger_id: str, seq: int) -> StoredHeader | None:
        batch = self.read_batch(ledger_id, seq)
        if batch is None:
            return None
        return StoredHeader(
            header=None,
            header_hash=batch.header_hash,
            receipt=self._receipt(batch.tx_hash, batch.block_number),
        )

    def head(self, ledger_id: str) -> tuple[int, str] | None:
        anchored, seq, header_hash = self._guard(
            lambda: self.chain.call(self.registry.functions.head(ledger_key(ledger_id)))
        )
        if not anchored:
            return None
        return int(seq), bytes(header_hash).hex()

    def close(self) -> None:
        if self._close_chain:
            self.chain.close()

    # -- internals -------------------------------------------------------------

    def _existing_receipt(self, call: AnchorCall) -> dict[str, Any] | None:
        """The receipt of an identical stored header; AnchorRefused("fork") if it differs."""
        batch = self._read_batch(call.ledger_key, call.seq)
        if batch is None:
            return None
        if (batch.header_hash, batch.merkle_root, batch.size) != (
            call.header_hash.hex(),
            call.merkle_root.hex(),
            call.size,
        ):
            raise AnchorRefused(
                "fork",
                f"seq {call.seq} already holds header {batch.header_hash}, "
                f"not {call.header_hash.hex()}",
            )
        if call.seq > 0:
            # the identical header hash commits to the same prev hash, but a caller
            # passing a wrong prev for a known header is a bug worth refusing loudly
            prev = self._read_batch(call.ledger_key, call.seq - 1)
            if prev is not None and prev.header_hash != call.prev_header_hash.hex():
                raise AnchorRefused("fork", f"prev_header_hash does not match seq {call.seq - 1}")
        elif call.prev_header_hash != ZERO32:
            raise AnchorRefused("fork", "seq 0 must have a zero prev_header_hash")
        return self._receipt(batch.tx_hash, batch.block_number)

    def _read_batch(self, key: bytes, seq: int) -> AnchoredBatch | None:
        stored = self._guard(lambda: self.chain.call(self.registry.functions.getBatch(key, seq)))
        header_hash, merkle_root, size, block_number, timestamp = stored
        if bytes(header_hash) == ZERO32:
            return None
        logs = self._guard(lambda: self._anchored_logs(key, seq, block_number))
        return AnchoredBatch(
            header_hash=bytes(header_hash).hex(),
            merkle_root=bytes(merkle_root).hex(),
            size=int(size),
            block_number=int(block_number),
            timestamp=int(timestamp),
            tx_hash=logs[0]["transactionHash"].to_0x_hex() if logs else None,
        )

    def _anchored_logs(self, key: bytes, seq: int, block_number: int) -> Any:
        with self.chain.reading():
            return self.registry.events.BatchAnchored().get_logs(
                from_block=block_number,
                to_block=block_number,
                argument_filters={"ledgerId": key, "seq": seq},
            )

    def _receipt(self, tx_hash: Any, block_number: int) -> dict[str, Any]:
        if isinstance(tx_hash, bytes | bytearray):
            tx_hash = "0x" + bytes(tx_hash).hex()
        return {
            "backend": self.name,
            "chain_id": self.chain.chain_id,
            "contract": self.address,
            "tx_hash": tx_hash,
            "block_number": int(block_number),
        }

    def _guard(self, action: Any) -> Any:
        """Run a chain action, mapping EVM errors to the anchor worker's classes."""
        try:
            with self.chain.translate_errors():
                return action()
        except EvmUnavailable as exc:
            raise AnchorUnavailable(str(exc)) from exc
        except ReadOnlyChain as exc:
            raise AnchorRefused("unauthorized", str(exc)) from exc
        except TransactionReverted as exc:
            raise _LostRace(str(exc)) from exc
        except ContractReverted as exc:
            reason = _REASONS.get(exc.name or "", "reverted")
            raise AnchorRefused(reason, str(exc)) from exc
