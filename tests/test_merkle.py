"""RFC 9162 Merkle tree: published vectors, an independent oracle, and forgeries refused."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymerkle import InmemoryTree

from ledger_proof import merkle

# RFC 6962 / Trillian reference leaves and the root of each prefix of them.
LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 2, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"]),
]
LEAF_HASHES = [merkle.leaf_hash(d) for d in LEAVES]


@pytest.mark.parametrize("size", range(len(ROOTS)))
def test_roots_match_rfc6962_vectors(size: int) -> None:
    assert merkle.root(LEAF_HASHES[:size]).hex() == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_paths_match_published_vectors(index: int, size: int, path: list[str]) -> None:
    assert [h.hex() for h in merkle.inclusion_path(LEAF_HASHES[:size], index)] == path
    assert merkle.verify_inclusion(index, size, LEAF_HASHES[index],
                                   [bytes.fromhex(h) for h in path], bytes.fromhex(ROOTS[size]))


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    a, b = LEAF_HASHES[1], LEAF_HASHES[2]
    inner = merkle.node_hash(a, b)
    assert inner == hashlib.sha256(b"\x01" + a + b).digest()
    # The merkletools hole: the children of an interior node, presented as leaf data,
    # must not hash to that node, so a 2-leaf "proof" of them fails against the root.
    tree = [a, b, LEAF_HASHES[3], LEAF_HASHES[4]]
    root = merkle.root(tree)
    forged_leaf = merkle.leaf_hash(a + b)
    assert forged_leaf != inner
    assert not merkle.verify_inclusion(0, 2, forged_leaf, [merkle.node_hash(tree[2], tree[3])],
                                       root)


def _oracle(leaves: list[bytes]) -> InmemoryTree:
    tree = InmemoryTree(algorithm="sha256")
    for data in leaves:
        tree.append_entry(data)
    return tree


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=24), min_size=1, max_size=70), st.data())
def test_agrees_with_pymerkle_on_random_trees(leaves: list[bytes], data: st.DataObject) -> None:
    oracle = _oracle(leaves)
    hashes = [merkle.leaf_hash(d) for d in leaves]
    assert merkle.root(hashes) == oracle.get_state()
    index = data.draw(st.integers(0, len(leaves) - 1))
    ours = merkle.inclusion_path(hashes, index)
    theirs = oracle.prove_inclusion(index + 1, len(leaves)).path[1:]
    assert ours == list(theirs)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 300), st.data())
def test_every_proof_verifies_and_no_forgery_does(size: int, data: st.DataObject) -> None:
    hashes = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    root = merkle.root(hashes)
    index = data.draw(st.integers(0, size - 1))
    path = merkle.inclusion_path(hashes, index)
    assert merkle.verify_inclusion(index, size, hashes[index], path, root)
    # Wrong leaf, wrong index, a flipped bit, a truncated or padded path: all refused.
    # (The size is not bound by the path alone: the signed header binds it.)
    assert not merkle.verify_inclusion(index, size, merkle.leaf_hash(b"x"), path, root)
    if size > 1:
        other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index))
        assert not merkle.verify_inclusion(other, size, hashes[index], path, root)
        k = data.draw(st.integers(0, len(path) - 1))
        bad = list(path)
        bad[k] = bytes([bad[k][0] ^ 1]) + bad[k][1:]
        assert not merkle.verify_inclusion(index, size, hashes[index], bad, root)
        assert not merkle.verify_inclusion(index, size, hashes[index], path[:-1], root)
        assert not merkle.verify_inclusion(index, size, hashes[index], [*path, root], root)


def test_malformed_indices_raise_not_verify() -> None:
    with pytest.raises(merkle.MerkleError):
        merkle.root_from_inclusion(3, 3, LEAF_HASHES[0], [])
    with pytest.raises(merkle.MerkleError):
        merkle.inclusion_path(LEAF_HASHES[:2], 2)
    assert merkle.root([]) == merkle.EMPTY_ROOT


def _stored_path(leaves: list[bytes], index: int) -> list[bytes]:
    """The service's proof path: stored upper levels plus the leaf block around index."""
    from ledger_service.store import trees

    upper = trees.pack_upper(merkle.build_levels(leaves))
    start = trees.block_start(index)
    return trees.inclusion_path(len(leaves), index, leaves[start:start + trees.BLOCK], upper)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=3000), st.data())
def test_stored_node_paths_equal_the_reference_paths(size: int, data: st.DataObject) -> None:
    leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(size)]
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    assert _stored_path(leaves, index) == merkle.inclusion_path(leaves, index)


@pytest.mark.parametrize("size", [1, 2, 15, 16, 17, 31, 32, 33, 1023, 1024, 1025])
def test_stored_node_paths_at_block_and_power_of_two_edges(size: int) -> None:
    leaves = [hashlib.sha256(b"x" + i.to_bytes(4, "big")).digest() for i in range(size)]
    for index in sorted(i for i in {0, 1, size // 2, size - 2, size - 1} if 0 <= i < size):
        assert _stored_path(leaves, index) == merkle.inclusion_path(leaves, index)
        root = merkle.root(leaves)
        assert merkle.verify_inclusion(index, size, leaves[index], _stored_path(leaves, index),
                                       root)


def test_stored_nodes_refuse_a_mismatched_block_or_short_blob() -> None:
    from ledger_service.store import trees

    leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(100)]
    upper = trees.pack_upper(merkle.build_levels(leaves))
    with pytest.raises(merkle.MerkleError):
        trees.inclusion_path(100, 5, leaves[:3], upper)
    with pytest.raises(merkle.MerkleError):
        trees.inclusion_path(100, 5, leaves[:16], upper[:40])
    with pytest.raises(merkle.MerkleError):
        trees.inclusion_path(100, 100, leaves[96:], upper)
