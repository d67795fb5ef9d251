"""Exceptions of the EVM clients.

Named classes, so callers (the anchor worker, the certificate service) decide
by type whether to retry (EvmUnavailable), stop (ContractReverted) or fix
their configuration (ContractNotDeployed, ArtifactError).
"""

from __future__ import annotations

from typing import Any


class EvmError(RuntimeError):
    """Base class of every failure raised by anchoring.evm.

    A RuntimeError so callers that already treat RuntimeError as "this ledger
    could not be read" (the verifier) need no EVM-specific clause.
    """


class EvmUnavailable(EvmError):
    """The node could not be reached or did not answer in time; retrying may succeed."""


class ReadOnlyChain(EvmError):
    """A write was attempted on a connection that has no signing account."""


class ArtifactError(EvmError):
    """A compiled contract artifact is missing or malformed."""


class ContractNotDeployed(EvmError):
    """No contract, or a different contract, lives at the configured address."""


class ContractReverted(EvmError):
    """A contract call reverted; ``name`` and ``args`` are the decoded custom error.

    ``name`` is None when the revert data matched no error in the ABIs we know
    (a panic, an out-of-gas, or a node that did not return revert data).
    """

    def __init__(self, name: str | None, args: dict[str, Any], data: bytes | None) -> None:
        shown = ", ".join(f"{k}={_show(v)}" for k, v in args.items())
        super().__init__(f"{name or 'revert'}({shown})")
        self.name = name
        self.args_by_name = args
        self.data = data


class TransactionReverted(ContractReverted):
    """A sent transaction was mined with status 0 although its simulation passed.

    Another writer changed the state between simulation and mining; callers
    re-read the state to learn what happened.
    """

    def __init__(self, tx_hash: str) -> None:
        super().__init__(None, {"tx_hash": tx_hash}, None)
        self.tx_hash = tx_hash


class TokenNotFound(EvmError):
    """The certificate token was never minted."""


class TokenConflict(EvmError):
    """The token id is already minted with a different owner or credential hash."""


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)
