"""Two submitters racing in one block on anvil: the loser learns the truth from the chain.

Automine is switched off so both transactions pass simulation against the same
state and land in one block; the second then either no-ops (identical header)
or reverts on chain (a different header), and the client must report the
original receipt or a fork, not a vague failure.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

import pytest

from anchoring.backend import AnchorRefused
from anchoring.evm.backend import EvmBackend
from ledger_proof.headers import GENESIS_PREV_HASH, header_hash, make_header

from .conftest import Env

pytestmark = pytest.mark.evm


def _header(root: bytes) -> tuple[dict[str, Any], str]:
    header = make_header(
        ledger_id="race", seq=0, prev_header_hash=GENESIS_PREV_HASH,
        merkle_root=hashlib.sha256(root).hexdigest(), size=1, first_event="a",
        last_event="a", sealed_at="2026-11-26T10:00:00.000Z",
    )
    return header, header_hash(header)


def _race(env: Env, first: tuple[dict[str, Any], str], second: tuple[dict[str, Any], str]
          ) -> list[Any]:
    owner = EvmBackend(env.chain, env.deployment.anchor_registry)
    env.chain.transact(owner.registry.functions.setSubmitter(env.other.sender, True))
    rival = EvmBackend(env.other, env.deployment.anchor_registry)
    results: list[Any] = [None, None]

    def run(i: int, backend: EvmBackend, item: tuple[dict[str, Any], str]) -> None:
        try:
            results[i] = backend.anchor(item[0], item[1], "sig")
        except Exception as exc:  # collected and asserted by the test
            results[i] = exc

    provider = env.chain.w3.provider
    provider.make_request("evm_setAutomine", [False])
    try:
        threads = [threading.Thread(target=run, args=(0, owner, first)),
                   threading.Thread(target=run, args=(1, rival, second))]
        threads[0].start()
        _wait_pending(env, 1)
        threads[1].start()
        _wait_pending(env, 2)
        provider.make_request("evm_mine", [])
        for t in threads:
            t.join(30)
    finally:
        provider.make_request("evm_setAutomine", [True])
    return results


def _wait_pending(env: Env, count: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        block = env.chain.w3.eth.get_block("pending")
        if len(block["transactions"]) >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"{count} transactions never reached the mempool")


def test_identical_header_from_two_submitters_in_one_block(anvil_env: Env) -> None:
    item = _header(b"same")
    first, second = _race(anvil_env, item, item)
    assert isinstance(first, dict), first
    assert second == first  # the no-op transaction reports the original anchoring
    block = anvil_env.chain.w3.eth.get_block(first["block_number"])
    assert len(block["transactions"]) == 2  # both were really sent: the race happened


def test_different_headers_for_one_seq_in_one_block(anvil_env: Env) -> None:
    first, second = _race(anvil_env, _header(b"one"), _header(b"two"))
    assert isinstance(first, dict), first
    assert isinstance(second, AnchorRefused) and second.reason == "fork", second
    block = anvil_env.chain.w3.eth.get_block(first["block_number"])
    statuses = [anvil_env.chain.w3.eth.get_transaction_receipt(t)["status"]
                for t in block["transactions"]]
    assert statuses == [1, 0]  # the loser's transaction reverted on chain
