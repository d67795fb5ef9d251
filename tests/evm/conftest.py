"""Fixtures for the EVM tests: a fresh eth-tester chain per test, and one anvil node
per session (tests marked ``evm``; skipped with the reason when node/npm are absent).

Every test deploys its own contracts, so tests sharing the anvil node never see
each other's state.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from eth_account import Account
from web3 import Web3

from anchoring.evm.anvil import AnvilFailed, AnvilNode, find_anvil, start_anvil
from anchoring.evm.chain import ANVIL_DEV_KEY, Chain, Deployment, connect, deploy_contracts
from anchoring.evm.compiler import EVM_DIR

#: anvil's second well-known dev account (public test key, worthless anywhere real).
ANVIL_DEV_KEY_1 = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"


def _install_anvil() -> None:
    """`npm ci` in anchoring/evm installs anvil (a devDependency) when it is missing."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node/npm not installed: cannot install anvil from npm (@foundry-rs/anvil)")
    result = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=EVM_DIR, capture_output=True, text=True, timeout=600, check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"npm ci in anchoring/evm failed:\n{result.stderr}")


@pytest.fixture(scope="session")
def anvil_node() -> Iterator[AnvilNode]:
    if find_anvil() is None:
        _install_anvil()
    if find_anvil() is None:
        pytest.skip("anvil binary not found after npm ci (unsupported platform?)")
    try:
        node = start_anvil()
    except AnvilFailed as exc:
        pytest.fail(str(exc))
    try:
        yield node
    finally:
        node.stop()


@dataclass
class Env:
    """One chain with fresh contracts, plus a second, unprivileged account on it."""

    kind: str
    chain: Chain
    other: Chain
    deployment: Deployment


def _other_chain(kind: str, chain: Chain) -> Chain:
    if kind == "tester":
        return Chain(chain.w3, sender=chain.w3.eth.accounts[1], ephemeral=True)
    signer = Account.from_key(ANVIL_DEV_KEY_1)
    return Chain(chain.w3, sender=signer.address, signer=signer)


def _make_env(kind: str, request: pytest.FixtureRequest) -> Env:
    if kind == "tester":
        chain = connect()
    else:
        node: AnvilNode = request.getfixturevalue("anvil_node")
        chain = connect(node.url, private_key=ANVIL_DEV_KEY)
    return Env(kind, chain, _other_chain(kind, chain), deploy_contracts(chain))


@pytest.fixture(params=["tester", pytest.param("anvil", marks=pytest.mark.evm)])
def env(request: pytest.FixtureRequest) -> Iterator[Env]:
    """The same test on the embedded chain and on a real anvil node."""
    made = _make_env(request.param, request)
    yield made
    made.chain.close()


@pytest.fixture
def anvil_env(request: pytest.FixtureRequest) -> Iterator[Env]:
    """anvil only, for tests that drive the node (pausing mining); mark them evm."""
    made = _make_env("anvil", request)
    yield made
    made.chain.close()


def checksum(address: str) -> str:
    return Web3.to_checksum_address(address)
