"""Turn a reverted call into a ContractReverted carrying the decoded custom error.

Providers report reverts differently: a JSON-RPC node (anvil, geth) makes web3
raise ContractCustomError/ContractLogicError with the revert data as hex,
while the in-process eth-tester provider raises TransactionFailed whose message
holds the data as a Python bytes literal. Both end up here, so the clients map
reverts to reasons by error *name* and never by message text.
"""

from __future__ import annotations

import ast
from typing import Any

from eth_abi import decode
from eth_abi.exceptions import DecodingError
from eth_utils import function_signature_to_4byte_selector
from web3.exceptions import ContractLogicError

from .errors import ContractReverted

try:  # eth-tester is the default chain, but a node-only install may lack it
    from eth_tester.exceptions import TransactionFailed
except ImportError:  # pragma: no cover
    TransactionFailed = None  # type: ignore[assignment,misc]

_TESTER_PREFIX = "execution reverted: "


def _abi_type(param: dict[str, Any]) -> str:
    """Canonical ABI type of a parameter (tuples spelled out for the selector)."""
    kind = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in param["components"])
        return f"({inner}){kind[len('tuple'):]}"
    return kind


class ErrorDecoder:
    """Selector → custom error table built from contract ABIs."""

    def __init__(self, *abis: list[dict[str, Any]]) -> None:
        self._errors: dict[bytes, tuple[str, list[str], list[str]]] = {}
        for abi in abis:
            for item in abi:
                if item.get("type") != "error":
                    continue
                types = [_abi_type(p) for p in item["inputs"]]
                names = [p["name"] for p in item["inputs"]]
                selector = function_signature_to_4byte_selector(
                    f"{item['name']}({','.join(types)})"
                )
                self._errors[selector] = (item["name"], types, names)

    def decode(self, data: bytes | None) -> ContractReverted:
        """Decode raw revert data; unknown data keeps name None."""
        if data and len(data) >= 4 and data[:4] in self._errors:
            name, types, names = self._errors[data[:4]]
            try:
                values = decode(types, data[4:])
            except DecodingError:
                return ContractReverted(name, {}, data)
            return ContractReverted(name, dict(zip(names, values, strict=True)), data)
        return ContractReverted(None, {}, data)

    def from_exception(self, exc: BaseException) -> ContractReverted | None:
        """The ContractReverted for a revert exception, or None if exc is no revert."""
        if isinstance(exc, ContractLogicError):
            return self.decode(_hex_to_bytes(exc.data))
        if TransactionFailed is not None and isinstance(exc, TransactionFailed):
            return self.decode(_tester_revert_data(exc))
        return None


def _hex_to_bytes(data: Any) -> bytes | None:
    if isinstance(data, bytes):
        return data
    if isinstance(data, str) and data.startswith("0x"):
        try:
            return bytes.fromhex(data[2:])
        except ValueError:
            return None
    return None


def _tester_revert_data(exc: BaseException) -> bytes | None:
    """Recover revert bytes from eth-tester's "execution reverted: b'...'" message."""
    message = str(exc.args[0]) if exc.args else ""
    if message.startswith(_TESTER_PREFIX):
        message = message[len(_TESTER_PREFIX):]
    if message.startswith(("b'", 'b"')):
        try:
            value = ast.literal_eval(message)
        except (ValueError, SyntaxError):
            return None
        return value if isinstance(value, bytes) else None
    return None
