"""AnchorRegistry through EvmBackend: the chaincode's anchoring rules, on eth-tester and anvil."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from web3 import Web3

from anchoring.backend import AnchorBackend, AnchorRefused, AnchorUnavailable
from anchoring.evm.artifact import ANCHOR_REGISTRY
from anchoring.evm.backend import EvmBackend, header_to_call, ledger_key
from anchoring.evm.chain import Chain, attach, connect, ensure_deployed
from anchoring.evm.errors import ContractNotDeployed, ContractReverted, ReadOnlyChain
from ledger_proof.headers import GENESIS_PREV_HASH, header_hash, make_header

from .conftest import Env


def _chain_of(n: int, ledger_id: str = "credit-evidence") -> list[tuple[dict[str, Any], str]]:
    """n consecutive, correctly chained headers with their hashes."""
    out: list[tuple[dict[str, Any], str]] = []
    prev = GENESIS_PREV_HASH
    for seq in range(n):
        header = make_header(
            ledger_id=ledger_id, seq=seq, prev_header_hash=prev,
            merkle_root=hashlib.sha256(f"root-{ledger_id}-{seq}".encode()).hexdigest(),
            size=seq + 1, first_event=f"e{seq}a", last_event=f"e{seq}b",
            sealed_at="2026-11-26T10:00:00.000Z",
        )
        digest = header_hash(header)
        out.append((header, digest))
        prev = digest
    return out


def _backend(env: Env, chain: Chain | None = None) -> EvmBackend:
    return EvmBackend(chain or env.chain, env.deployment.anchor_registry)


def _fork_of(header: dict[str, Any]) -> tuple[dict[str, Any], str]:
    forked = dict(header, merkle_root=hashlib.sha256(b"rewritten").hexdigest())
    return forked, header_hash(forked)


def test_backend_satisfies_the_protocol(env: Env) -> None:
    assert isinstance(_backend(env), AnchorBackend)
    assert _backend(env).name == "evm"


def test_next_sequence_chain_and_readback(env: Env) -> None:
    backend = _backend(env)
    assert backend.head("credit-evidence") is None
    assert backend.read_header("credit-evidence", 0) is None
    headers = _chain_of(3)
    receipts = [backend.anchor(h, d, "sig") for h, d in headers]
    for receipt in receipts:
        assert set(receipt) == {"backend", "chain_id", "contract", "tx_hash", "block_number"}
        assert receipt["backend"] == "evm"
        assert receipt["chain_id"] == env.chain.chain_id
        assert receipt["contract"] == env.deployment.anchor_registry
        assert receipt["tx_hash"].startswith("0x") and len(receipt["tx_hash"]) == 66
    assert len({r["tx_hash"] for r in receipts}) == 3
    assert backend.head("credit-evidence") == (2, headers[2][1])
    for seq, (header, digest) in enumerate(headers):
        stored = backend.read_header("credit-evidence", seq)
        assert stored is not None
        assert stored.header is None  # the registry keeps hashes only
        assert stored.header_hash == digest
        assert stored.receipt == receipts[seq]
        batch = backend.read_batch("credit-evidence", seq)
        assert batch is not None
        assert batch.merkle_root == header["merkle_root"] and batch.size == header["size"]
    assert backend.read_header("credit-evidence", 3) is None


def test_identical_header_again_is_a_no_op(env: Env) -> None:
    backend = _backend(env)
    header, digest = _chain_of(1)[0]
    first = backend.anchor(header, digest, "sig")
    block_before = env.chain.w3.eth.block_number
    assert backend.anchor(header, digest, "sig") == first  # client short-cut: no transaction
    assert env.chain.w3.eth.block_number == block_before
    # The contract itself treats it as a no-op: the call succeeds, returns false, logs nothing.
    call = header_to_call(header, digest)
    fn = backend.registry.functions.anchor(*call.args())
    assert env.chain.call(fn) is False
    receipt = env.chain.transact(fn)
    assert receipt["status"] == 1
    assert backend.registry.events.BatchAnchored().process_receipt(receipt) == ()
    assert backend.head("credit-evidence") == (0, digest)


def test_gap_is_refused(env: Env) -> None:
    backend = _backend(env)
    headers = _chain_of(3)
    backend.anchor(*headers[0], "sig")
    with pytest.raises(AnchorRefused) as info:
        backend.anchor(*headers[2], "sig")
    assert info.value.reason == "gap"
    with pytest.raises(ContractReverted) as raw:  # enforced by the contract, not the client
        env.chain.call(backend.registry.functions.anchor(*header_to_call(*headers[2]).args()))
    assert raw.value.name == "Gap"
    assert raw.value.args_by_name["expectedSeq"] == 1 and raw.value.args_by_name["givenSeq"] == 2
    assert backend.head("credit-evidence") == (0, headers[0][1])


def test_fork_at_an_existing_sequence_is_refused(env: Env) -> None:
    backend = _backend(env)
    headers = _chain_of(2)
    for h, d in headers:
        backend.anchor(h, d, "sig")
    forked, forked_hash = _fork_of(headers[1][0])
    with pytest.raises(AnchorRefused) as info:
        backend.anchor(forked, forked_hash, "sig")
    assert info.value.reason == "fork"
    with pytest.raises(ContractReverted) as raw:
        call = header_to_call(forked, forked_hash)
        env.chain.call(backend.registry.functions.anchor(*call.args()))
    assert raw.value.name == "Fork"
    assert raw.value.args_by_name["storedHeaderHash"] == bytes.fromhex(headers[1][1])
    assert backend.read_header("credit-evidence", 1).header_hash == headers[1][1]


def test_wrong_previous_hash_is_refused_as_fork(env: Env) -> None:
    backend = _backend(env)
    headers = _chain_of(2)
    backend.anchor(*headers[0], "sig")
    bad = dict(headers[1][0], prev_header_hash=hashlib.sha256(b"elsewhere").hexdigest())
    with pytest.raises(AnchorRefused) as info:
        backend.anchor(bad, header_hash(bad), "sig")
    assert info.value.reason == "fork"
    assert "PrevHashMismatch" in info.value.message
    # seq 0 must chain onto zeros
    other = _chain_of(1, "other-ledger")[0][0]
    bad0 = dict(other, prev_header_hash="ab" * 32)
    with pytest.raises(AnchorRefused) as info0:
        backend.anchor(bad0, header_hash(bad0), "sig")
    assert info0.value.reason == "fork"


def test_unauthorized_submitter_is_refused_until_the_owner_allows_it(env: Env) -> None:
    owner_backend = _backend(env)
    intruder = _backend(env, env.other)
    headers = _chain_of(2)
    with pytest.raises(AnchorRefused) as info:
        intruder.anchor(*headers[0], "sig")
    assert info.value.reason == "unauthorized"
    assert owner_backend.head("credit-evidence") is None
    # only the owner manages submitters
    with pytest.raises(ContractReverted) as raw:
        env.other.transact(intruder.registry.functions.setSubmitter(env.other.sender, True))
    assert raw.value.name == "OwnableUnauthorizedAccount"
    env.chain.transact(owner_backend.registry.functions.setSubmitter(env.other.sender, True))
    assert env.chain.call(owner_backend.registry.functions.isSubmitter(env.other.sender))
    intruder.anchor(*headers[0], "sig")
    owner_backend.anchor(*headers[1], "sig")
    assert owner_backend.head("credit-evidence") == (1, headers[1][1])
    env.chain.transact(owner_backend.registry.functions.setSubmitter(env.other.sender, False))
    with pytest.raises(AnchorRefused):
        intruder.anchor(*_chain_of(1, "third")[0], "sig")


def test_ledgers_are_independent(env: Env) -> None:
    backend = _backend(env)
    a, b = _chain_of(2, "ledger-a"), _chain_of(1, "ledger-b")
    for h, d in [*a, *b]:
        backend.anchor(h, d, "sig")
    assert backend.head("ledger-a") == (1, a[1][1])
    assert backend.head("ledger-b") == (0, b[0][1])


def test_read_only_connection_reads_but_cannot_anchor(env: Env) -> None:
    backend = _backend(env)
    headers = _chain_of(2)
    backend.anchor(*headers[0], "sig")
    reader = EvmBackend(Chain(env.chain.w3, sender=None), env.deployment.anchor_registry)
    assert reader.head("credit-evidence") == (0, headers[0][1])
    assert reader.read_header("credit-evidence", 0).receipt["tx_hash"].startswith("0x")
    with pytest.raises(AnchorRefused) as info:
        reader.anchor(*headers[1], "sig")
    assert info.value.reason == "unauthorized"
    with pytest.raises(ReadOnlyChain):
        reader.chain.transact(reader.registry.functions.setSubmitter(env.chain.sender, True))


def test_attach_checks_the_code_at_stored_addresses(env: Env) -> None:
    assert attach(env.chain, env.deployment.to_dict()) == env.deployment
    assert ensure_deployed(env.chain, env.deployment) == env.deployment
    wrong = dict(env.deployment.to_dict(), anchor_registry=env.deployment.certificate_token)
    with pytest.raises(ContractNotDeployed):
        attach(env.chain, wrong)
    with pytest.raises(AnchorRefused) as info:
        EvmBackend(env.chain, "0x" + "42" * 20)
    assert info.value.reason == "not_deployed"
    stale = dict(env.deployment.to_dict(), anchor_registry="0x" + "42" * 20)
    if env.chain.ephemeral:  # the embedded chain redeploys; a real node refuses to guess
        fresh = ensure_deployed(env.chain, stale)
        env.chain.require_code(ANCHOR_REGISTRY, fresh.anchor_registry)
    else:
        with pytest.raises(ContractNotDeployed):
            ensure_deployed(env.chain, stale)


def test_malformed_headers_are_refused_before_any_transaction() -> None:
    header, digest = _chain_of(1)[0]
    for bad_header, bad_hash in [
        (header, digest.upper()),
        (dict(header, seq=-1), digest),
        (dict(header, seq=True), digest),
        (dict(header, merkle_root="00"), digest),
        (dict(header, ledger_id=""), digest),
        (dict(header, size=2**64), digest),
    ]:
        with pytest.raises(AnchorRefused) as info:
            header_to_call(bad_header, bad_hash)
        assert info.value.reason == "bad_header"


def test_header_mapping_is_documented_sha256_of_the_ledger_id() -> None:
    header, digest = _chain_of(1, "credit-evidence")[0]
    call = header_to_call(header, digest)
    assert call.ledger_key == hashlib.sha256(b"credit-evidence").digest() == ledger_key(
        "credit-evidence"
    )
    assert call.args() == (
        call.ledger_key, 0, bytes.fromhex(digest), b"\x00" * 32,
        bytes.fromhex(header["merkle_root"]), 1,
    )


def test_unreachable_node_is_unavailable() -> None:
    dead = Chain(
        Web3(Web3.HTTPProvider("http://127.0.0.1:9", request_kwargs={"timeout": 2})),
        sender="0x" + "11" * 20,
    )
    backend = EvmBackend(dead, "0x" + "22" * 20, verify_code=False)
    header, digest = _chain_of(1)[0]
    with pytest.raises(AnchorUnavailable):
        backend.anchor(header, digest, "sig")
    with pytest.raises(AnchorUnavailable):
        backend.head("credit-evidence")
    from anchoring.evm.errors import EvmUnavailable

    with pytest.raises(EvmUnavailable):
        connect("http://127.0.0.1:9")
