"""Connection modes: embedded chain with a local key, a node's unlocked account, the env."""

from __future__ import annotations

import pytest
from eth_account import Account

from anchoring.backend import AnchorUnavailable
from anchoring.evm.anvil import AnvilNode, start_anvil
from anchoring.evm.backend import EvmBackend
from anchoring.evm.chain import ANVIL_DEV_KEY, connect, connect_from_env, deploy_contracts
from anchoring.evm.errors import EvmUnavailable
from anchoring.evm.token import CertificateToken, token_id_for_certificate


def test_embedded_chain_with_a_local_signing_key() -> None:
    key = "0x" + "07" * 32
    chain = connect(private_key=key)
    assert chain.ephemeral and chain.signer is not None
    assert chain.sender == Account.from_key(key).address
    dep = deploy_contracts(chain)
    token = CertificateToken(chain, dep.certificate_token)
    token.mint(chain.sender, token_id_for_certificate("c"), "11" * 32)
    assert token.status(token_id_for_certificate("c"))["locked"] is True


def test_connect_from_env_defaults_to_the_embedded_chain() -> None:
    chain = connect_from_env({})
    assert chain.ephemeral


@pytest.mark.evm
def test_anvil_unlocked_account_and_env(anvil_node: AnvilNode) -> None:
    chain = connect(anvil_node.url)  # no key: the node's first unlocked account
    assert chain.signer is None
    assert chain.sender == Account.from_key(ANVIL_DEV_KEY).address
    assert chain.chain_id == 31337 and not chain.ephemeral
    dep = deploy_contracts(chain)
    token = CertificateToken(chain, dep.certificate_token)
    token.mint(chain.sender, 1, "22" * 32)
    assert token.status(1)["exists"]
    env_chain = connect_from_env(
        {"LEDGER_EVM_RPC_URL": anvil_node.url, "LEDGER_EVM_PRIVATE_KEY": ANVIL_DEV_KEY}
    )
    assert env_chain.signer is not None and env_chain.sender == chain.sender


@pytest.mark.evm
def test_node_that_goes_away_is_unavailable_not_refused(anvil_node: AnvilNode) -> None:
    # anvil_node: installs anvil or skips; the test stops a node of its own mid-session
    node = start_anvil()
    try:
        chain = connect(node.url, private_key=ANVIL_DEV_KEY, request_timeout=2)
        dep = deploy_contracts(chain)
        backend = EvmBackend(chain, dep.anchor_registry)
        token = CertificateToken(chain, dep.certificate_token)
    finally:
        node.stop()
    header = {"ledger_id": "gone", "seq": 0, "prev_header_hash": "0" * 64,
              "merkle_root": "11" * 32, "size": 1}
    with pytest.raises(AnchorUnavailable):
        backend.anchor(header, "22" * 32, "sig")
    with pytest.raises(AnchorUnavailable):
        backend.read_header("gone", 0)
    with pytest.raises(EvmUnavailable):
        token.mint(chain.sender, 1, "33" * 32)
    with pytest.raises(EvmUnavailable):
        token.status(1)
