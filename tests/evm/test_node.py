"""The local node's supervisor on a real anvil: clear refusals, nothing overwritten."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from anchoring.evm.anvil import find_anvil, free_port
from anchoring.evm.node import (
    NodeConfig,
    NodePortTaken,
    NodeStateCorrupt,
    NodeStateForeign,
    NodeSupervisor,
    chain_identity,
    rpc,
)

pytestmark = [pytest.mark.evm,
              pytest.mark.skipif(find_anvil() is None, reason="anvil not installed (npm)")]


def config(path: Path) -> NodeConfig:
    return NodeConfig(path, port=free_port())


def test_state_survives_a_restart_and_identity_is_recorded(tmp_path: Path) -> None:
    cfg = config(tmp_path / "node")
    with NodeSupervisor(cfg).start() as node:
        rpc(cfg.url, "evm_mine")
        first = chain_identity(cfg.url)
    assert cfg.state_path.exists() and not cfg.pid_path.exists()
    with NodeSupervisor(cfg).start():
        assert int(rpc(cfg.url, "eth_blockNumber"), 16) == 1
        assert chain_identity(cfg.url) == first == node.identity
    assert cfg.good_path.exists()


def test_port_taken_by_another_process_is_refused(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        cfg = NodeConfig(tmp_path / "node", port=squatter.getsockname()[1])
        with pytest.raises(NodePortTaken, match=r"taken by another process.*LEDGER_EVM_NODE_PORT"):
            NodeSupervisor(cfg).start()


def test_corrupt_state_without_a_good_copy_is_refused_and_kept(tmp_path: Path) -> None:
    cfg = config(tmp_path / "node")
    NodeSupervisor(cfg).start().stop()  # first run: no good copy yet
    cfg.state_path.write_text('{"block": tor')
    with pytest.raises(NodeStateCorrupt, match=r"not valid JSON.*no good copy"):
        NodeSupervisor(cfg).start()
    assert cfg.state_path.read_text() == '{"block": tor'  # evidence left as found


def test_state_from_another_chain_is_refused_and_left_untouched(tmp_path: Path) -> None:
    ours, theirs = config(tmp_path / "ours"), config(tmp_path / "theirs")
    NodeSupervisor(ours).start().stop()
    with NodeSupervisor(theirs).start():
        rpc(theirs.url, "evm_mine")
    shutil.copyfile(theirs.state_path, ours.state_path)
    foreign = ours.state_path.read_bytes()
    with pytest.raises(NodeStateForeign, match="holds another chain"):
        NodeSupervisor(ours).start()
    assert ours.state_path.read_bytes() == foreign
    other_chain = NodeConfig(ours.directory, port=free_port(), chain_id=5)
    with pytest.raises(NodeStateForeign, match="LEDGER_EVM_NODE_CHAIN_ID=31337"):
        NodeSupervisor(other_chain).start()
