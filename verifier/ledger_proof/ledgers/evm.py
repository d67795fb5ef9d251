"""Reading the AnchorRegistry and the certificate token from an EVM node, standard library only.

Trust comes from the registry address the verifier pins, never from the
address a receipt names: anyone can deploy a second registry with the same
bytecode and anchor a forked header there. ``EvmRegistry`` therefore reads
the batch at (ledger, seq) from the pinned contract whatever the receipt
says, and checks that the node serves the chain id that was pinned.

Only static view calls are made (``eth_call`` over JSON-RPC), so the ABI
encoding is a few fixed 32-byte words; the 4-byte selectors are constants,
checked against the compiled contracts' ABI by the project's tests.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from ledger_proof.ledgers.base import AnchorUnavailable, StoredHeader

#: keccak-256 selectors of the view functions read here.
SELECTORS = {
    "getBatch(bytes32,uint64)": "8d30776c",
    "certificate(uint256)": "16115cf8",
    "ownerOf(uint256)": "6352211e",
    "locked(uint256)": "b45a3c0e",
    "tokenURI(uint256)": "c87b56dd",
}
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
ZERO32 = "0" * 64


class EvmReadError(AnchorUnavailable):
    """The node could not be asked (unreachable, not JSON-RPC, wrong chain)."""


def ledger_key(ledger_id: str) -> bytes:
    """The registry's ledger id: SHA-256 of the UTF-8 ledger id (as the anchor writer uses)."""
    return hashlib.sha256(ledger_id.encode("utf-8")).digest()


def _word(value: int | bytes) -> str:
    if isinstance(value, bytes):
        return value.rjust(32, b"\0").hex()
    return value.to_bytes(32, "big").hex()


def _words(data: str) -> list[str]:
    body = data[2:] if data.startswith("0x") else data
    return [body[i:i + 64] for i in range(0, len(body), 64)]


class JsonRpc:
    """A minimal JSON-RPC 2.0 client over HTTP (urllib)."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise EvmReadError(f"{url!r} is not an http(s) JSON-RPC URL")
        self.url = url
        self.timeout = timeout
        self._id = 0

    def call(self, method: str, params: list[Any]) -> Any:
        self._id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self._id, "method": method,
                           "params": params}).encode()
        request = urllib.request.Request(self.url, data=body,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise EvmReadError(f"{self.url}: {exc}") from exc
        if not isinstance(answer, dict):
            raise EvmReadError(f"{self.url}: not a JSON-RPC answer")
        if answer.get("error") is not None:
            raise _Reverted(str(answer["error"]))
        return answer.get("result")


class _Reverted(Exception):
    """The call reverted (e.g. a token that was never minted)."""


@dataclass(frozen=True)
class Pin:
    """A contract the verifier trusts: the chain it lives on and its address."""

    chain_id: int
    address: str

    def describe(self) -> str:
        return f"eip155:{self.chain_id}/{self.address}"


class _Contract:
    def __init__(self, url: str, address: str, chain_id: int | None = None,
                 rpc: JsonRpc | None = None) -> None:
        if not _ADDRESS.match(address or ""):
            raise EvmReadError(f"{address!r} is not a contract address (0x + 40 hex)")
        self.rpc = rpc or JsonRpc(url)
        served = int(self.rpc.call("eth_chainId", []), 16)
        if chain_id is not None and served != chain_id:
            raise EvmReadError(f"{url} serves chain {served}, not the pinned chain {chain_id}")
        self.pin = Pin(served, address.lower())
        self.url = url

    def _call(self, signature: str, *args: int | bytes) -> str:
        data = "0x" + SELECTORS[signature] + "".join(_word(a) for a in args)
        result = self.rpc.call("eth_call", [{"to": self.pin.address, "data": data}, "latest"])
        if not isinstance(result, str) or not result.startswith("0x"):
            raise EvmReadError(f"{self.url}: eth_call answered {result!r}")
        return result


class EvmRegistry(_Contract):
    """The pinned AnchorRegistry: what it holds for (ledger, seq)."""

    name = "evm"

    def read_header(self, ledger_id: str, seq: int) -> StoredHeader | None:
        words = _words(self._call("getBatch(bytes32,uint64)", ledger_key(ledger_id), seq))
        if len(words) < 5:
            raise EvmReadError(f"getBatch answered {len(words)} words, expected 5")
        header_hash, _root, _size, block, _time = words[:5]
        if header_hash == ZERO32:
            return None
        receipt = {"backend": "evm", "chain_id": self.pin.chain_id,
                   "contract": self.pin.address, "block_number": int(block, 16)}
        return StoredHeader(header=None, header_hash=header_hash, receipt=receipt)

    def close(self) -> None:
        """Nothing to release: every call is one HTTP request."""


class EvmToken(_Contract):
    """The pinned certificate token contract (ERC-721 + ERC-5192)."""

    def status(self, token_id: int) -> dict[str, Any]:
        """Exists, locked, revoked, owner, token URI and credential hash of one token."""
        base = {"token_id": str(token_id), "contract": self.pin.address,
                "chain_id": self.pin.chain_id}
        try:
            cert = _words(self._call("certificate(uint256)", token_id))
            owner = _words(self._call("ownerOf(uint256)", token_id))[0]
        except _Reverted:
            return {**base, "exists": False, "locked": False, "revoked": False, "owner": None,
                    "token_uri": None, "credential_hash": None}
        if cert[0] == ZERO32:
            return {**base, "exists": False, "locked": False, "revoked": False, "owner": None,
                    "token_uri": None, "credential_hash": None}
        locked = int(_words(self._call("locked(uint256)", token_id))[0], 16) == 1
        return {**base, "exists": True, "locked": locked, "revoked": int(cert[2], 16) != 0,
                "owner": "0x" + owner[-40:], "token_uri": _string(self._call(
                    "tokenURI(uint256)", token_id)), "credential_hash": cert[0]}


def _string(data: str) -> str:
    """ABI-decode a single dynamic ``string`` return value."""
    raw = bytes.fromhex(data[2:])
    offset = int.from_bytes(raw[:32], "big")
    length = int.from_bytes(raw[offset:offset + 32], "big")
    return raw[offset + 32:offset + 32 + length].decode("utf-8")
