"""Connection to an EVM chain, transaction sending, and contract deployment.

``connect()`` gives a :class:`Chain`: a web3 handle plus the account that signs.

* ``LEDGER_EVM_RPC_URL`` set: an HTTPProvider to any JSON-RPC node (anvil, geth,
  a hosted node). Transactions are signed locally with ``LEDGER_EVM_PRIVATE_KEY``
  when given (the production path), else sent from the node's first unlocked
  account (anvil and dev nodes have them).
* unset: the in-process eth-tester chain (py-evm). It lives only as long as the
  process, which is fine for the demo and tests; its first account is unlocked.

Every node error is translated here, once: unreachable or timed-out nodes raise
EvmUnavailable (retry may help), reverts raise ContractReverted with the decoded
custom error (retry will not help). Each transaction is simulated (by gas
estimation) before it is sent, so a refused header costs no gas and yields a
clean reason.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import requests
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import (
    ProviderConnectionError,
    TimeExhausted,
    Web3RPCError,
)
from web3.types import TxReceipt

from .artifact import ANCHOR_REGISTRY, CERTIFICATE_TOKEN, load_artifact
from .errors import (
    ContractNotDeployed,
    EvmError,
    EvmUnavailable,
    ReadOnlyChain,
    TransactionReverted,
)
from .revert import ErrorDecoder

#: anvil's (and hardhat's) first well-known dev account key. Public knowledge: never
#: use it on a chain where the account holds anything of value.
ANVIL_DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

ENV_RPC_URL = "LEDGER_EVM_RPC_URL"
ENV_PRIVATE_KEY = "LEDGER_EVM_PRIVATE_KEY"

#: Node failures that mean "try again later" rather than "this is refused".
_UNAVAILABLE = (
    requests.exceptions.RequestException,
    ConnectionError,
    TimeoutError,
    ProviderConnectionError,
    TimeExhausted,
)


class Chain:
    """A web3 connection with one sending account; thread-safe for sending."""

    def __init__(
        self,
        w3: Web3,
        *,
        sender: str | None,
        signer: LocalAccount | None = None,
        ephemeral: bool = False,
        receipt_timeout: float = 60.0,
        poll_latency: float = 0.05,
    ) -> None:
        self.w3 = w3
        #: None for a read-only connection (a verifier with no key on a node without
        #: unlocked accounts): views work, writes raise ReadOnlyChain.
        self.sender = Web3.to_checksum_address(sender) if sender else None
        self.signer = signer
        #: True for the in-process eth-tester chain, which vanishes with the process.
        self.ephemeral = ephemeral
        self.receipt_timeout = receipt_timeout
        self.poll_latency = poll_latency
        self.decoder = ErrorDecoder(
            load_artifact(ANCHOR_REGISTRY).abi, load_artifact(CERTIFICATE_TOKEN).abi
        )
        # One sender means one nonce sequence: sends are serialized. The in-process
        # eth-tester chain is not thread-safe at all, so there reads take the lock too.
        self._send_lock = threading.RLock()

    @cached_property
    def chain_id(self) -> int:
        with self.translate_errors():
            return int(self.w3.eth.chain_id)

    @contextlib.contextmanager
    def translate_errors(self) -> Iterator[None]:
        """Map web3/provider exceptions to EvmUnavailable or ContractReverted."""
        try:
            yield
        except EvmError:
            raise
        except _UNAVAILABLE as exc:
            raise EvmUnavailable(f"EVM node unavailable: {exc}") from exc
        except Exception as exc:
            reverted = self.decoder.from_exception(exc)
            if reverted is not None:
                raise reverted from exc
            if isinstance(exc, Web3RPCError):
                # nonce races, underpriced replacement, unfunded account: the node
                # answered but did not take the transaction; a later retry may.
                raise EvmUnavailable(f"EVM node rejected the request: {exc}") from exc
            raise

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Guard a raw read (get_logs, get_code): error translation, and the lock on eth-tester."""
        guard = self._send_lock if self.ephemeral else contextlib.nullcontext()
        with guard, self.translate_errors():
            yield

    def contract(self, artifact_name: str, address: str) -> Contract:
        """A web3 contract object for a deployed artifact (no code check)."""
        return self.w3.eth.contract(
            address=Web3.to_checksum_address(address), abi=load_artifact(artifact_name).abi
        )

    def call(self, fn: Any) -> Any:
        """Run a view function (or simulate a write) from the sender's address."""
        with self.reading():
            return fn.call({"from": self.sender} if self.sender else {})

    def transact(self, fn: Any) -> TxReceipt:
        """Send a contract write and wait for its receipt; raises on revert.

        Gas estimation simulates the call, so a refusal raises ContractReverted
        before anything is sent or paid for. A transaction that still reverts on
        chain (a concurrent writer got there first) raises TransactionReverted;
        callers re-read the state to learn what happened.
        """
        self._require_sender()
        with self._send_lock, self.translate_errors():
            tx_hash = self._send(fn)
            receipt = self.w3.eth.wait_for_transaction_receipt(
                tx_hash, timeout=self.receipt_timeout, poll_latency=self.poll_latency
            )
        if receipt["status"] != 1:
            raise TransactionReverted(receipt["transactionHash"].to_0x_hex())
        return receipt

    def _require_sender(self) -> str:
        if self.sender is None:
            raise ReadOnlyChain(
                f"no signing account: set {ENV_PRIVATE_KEY} or use a node with unlocked accounts"
            )
        return self.sender

    def _send(self, fn: Any) -> bytes:
        if self.signer is None:
            return fn.transact({"from": self.sender})
        tx = fn.build_transaction(
            {
                "from": self.sender,
                "nonce": self.w3.eth.get_transaction_count(self.sender, "pending"),
                "chainId": self.chain_id,
            }
        )
        signed = self.signer.sign_transaction(tx)
        return self.w3.eth.send_raw_transaction(signed.raw_transaction)

    def deploy(self, artifact_name: str, *args: Any) -> str:
        """Deploy one artifact; returns its checksum address."""
        artifact = load_artifact(artifact_name)
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        self._require_sender()
        with self._send_lock, self.translate_errors():
            tx_hash = self._send(factory.constructor(*args))
            receipt = self.w3.eth.wait_for_transaction_receipt(
                tx_hash, timeout=self.receipt_timeout, poll_latency=self.poll_latency
            )
        if receipt["status"] != 1 or not receipt["contractAddress"]:
            raise EvmError(f"deploying {artifact_name} failed in tx {tx_hash.hex()}")
        return Web3.to_checksum_address(receipt["contractAddress"])

    def require_code(self, artifact_name: str, address: str) -> None:
        """Raise ContractNotDeployed unless ``address`` runs exactly this artifact's code.

        Guards against a stale address (a fresh eth-tester chain, a reset anvil)
        or a wrong one (another contract), which would otherwise fail obscurely.
        """
        with self.reading():
            code = bytes(self.w3.eth.get_code(Web3.to_checksum_address(address)))
        expected = bytes.fromhex(load_artifact(artifact_name).deployed_bytecode[2:])
        if not code:
            raise ContractNotDeployed(f"no contract at {address} (chain {self.chain_id})")
        if code != expected:
            raise ContractNotDeployed(
                f"the code at {address} is not this build of {artifact_name}"
            )

    def close(self) -> None:
        """Drop the HTTP session if the provider keeps one."""
        provider = self.w3.provider
        closer = getattr(provider, "disconnect", None) or getattr(provider, "close", None)
        if callable(closer):
            with contextlib.suppress(Exception):  # closing is best-effort by design
                closer()


def connect(
    rpc_url: str | None = None,
    *,
    private_key: str | None = None,
    request_timeout: float = 10.0,
    receipt_timeout: float = 60.0,
) -> Chain:
    """Connect to ``rpc_url``, or start an in-process eth-tester chain when it is None."""
    if not rpc_url:
        return _connect_tester(private_key)
    # web3's validation middleware asks eth_chainId before every transaction;
    # a node's chain id never changes under a connection, so cache that one call.
    provider = Web3.HTTPProvider(
        rpc_url,
        request_kwargs={"timeout": request_timeout},
        cache_allowed_requests=True,
        cacheable_requests={"eth_chainId"},
    )
    w3 = Web3(provider)
    signer: LocalAccount | None = Account.from_key(private_key) if private_key else None
    if signer is not None:
        sender = signer.address
    else:
        try:
            accounts = w3.eth.accounts
        except _UNAVAILABLE as exc:
            raise EvmUnavailable(f"EVM node {rpc_url} unavailable: {exc}") from exc
        sender = accounts[0] if accounts else None  # None: read-only (verifiers)
    chain = Chain(w3, sender=sender, signer=signer, receipt_timeout=receipt_timeout)
    _ = chain.chain_id  # fail now, not on the first anchor, if the node is down
    return chain


def connect_from_env(environ: Mapping[str, str] | None = None) -> Chain:
    """connect() configured by LEDGER_EVM_RPC_URL and LEDGER_EVM_PRIVATE_KEY."""
    env = os.environ if environ is None else environ
    return connect(env.get(ENV_RPC_URL) or None, private_key=env.get(ENV_PRIVATE_KEY) or None)


def _connect_tester(private_key: str | None) -> Chain:
    from eth_tester import EthereumTester, PyEVMBackend
    from web3 import EthereumTesterProvider

    tester = EthereumTester(PyEVMBackend())
    w3 = Web3(EthereumTesterProvider(tester))
    if private_key:
        signer = Account.from_key(private_key)
        tester.add_account(signer.key.to_0x_hex())
        funder = w3.eth.accounts[0]
        w3.eth.wait_for_transaction_receipt(
            w3.eth.send_transaction({"from": funder, "to": signer.address, "value": 10**21})
        )
        return Chain(w3, sender=signer.address, signer=signer, ephemeral=True)
    return Chain(w3, sender=w3.eth.accounts[0], ephemeral=True)


@dataclass(frozen=True)
class Deployment:
    """Where the two contracts live; the caller persists this (DB row or JSON file)."""

    chain_id: int
    anchor_registry: str
    certificate_token: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "anchor_registry": self.anchor_registry,
            "certificate_token": self.certificate_token,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Deployment:
        return cls(
            chain_id=int(data["chain_id"]),
            anchor_registry=Web3.to_checksum_address(data["anchor_registry"]),
            certificate_token=Web3.to_checksum_address(data["certificate_token"]),
        )


def deploy_contracts(chain: Chain, owner: str | None = None) -> Deployment:
    """Deploy AnchorRegistry and CreditCertificateToken, owned by ``owner`` (default: sender).

    The owner is also the registry's first authorized submitter and the token's minter.
    """
    owner_address = Web3.to_checksum_address(owner or chain._require_sender())
    return Deployment(
        chain_id=chain.chain_id,
        anchor_registry=chain.deploy(ANCHOR_REGISTRY, owner_address),
        certificate_token=chain.deploy(CERTIFICATE_TOKEN, owner_address),
    )


def attach(chain: Chain, deployment: Deployment | Mapping[str, Any]) -> Deployment:
    """Check that a stored deployment is live on this chain; raise ContractNotDeployed if not."""
    dep = deployment if isinstance(deployment, Deployment) else Deployment.from_dict(deployment)
    if dep.chain_id != chain.chain_id:
        raise ContractNotDeployed(
            f"deployment is for chain {dep.chain_id}, connected to {chain.chain_id}"
        )
    chain.require_code(ANCHOR_REGISTRY, dep.anchor_registry)
    chain.require_code(CERTIFICATE_TOKEN, dep.certificate_token)
    return dep


def ensure_deployed(
    chain: Chain, existing: Deployment | Mapping[str, Any] | None = None
) -> Deployment:
    """Attach to ``existing`` if it is live, else deploy fresh contracts.

    A stale deployment is redeployed silently only on the ephemeral eth-tester chain
    (it cannot outlive its process). On a real node a stale or foreign address
    raises ContractNotDeployed: quietly starting a new registry would hide the
    anchored history, which an operator must decide about.
    """
    if existing is None:
        return deploy_contracts(chain)
    try:
        return attach(chain, existing)
    except ContractNotDeployed:
        if chain.ephemeral:
            return deploy_contracts(chain)
        raise
