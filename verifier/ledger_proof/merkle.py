"""RFC 9162 (Certificate Transparency v2) Merkle tree hashing and inclusion proofs.

Leaves are hashed as SHA-256(0x00 || data) and interior nodes as
SHA-256(0x01 || left || right) (RFC 9162 §2.1.1). The domain separation is the
point: without it an interior node can be passed off as a leaf (the
second-preimage hole that made us reject ``merkletools``).

The tree for n leaves splits at the largest power of two below n. Building it
level by level, carrying an unpaired last node up unchanged, gives the same
root and the same audit paths, in O(n) hashing with no recursion.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


class MerkleError(ValueError):
    """An index, size or proof is malformed (not merely wrong)."""


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 leaf hash of an entry."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def build_levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """All levels of the tree over leaf hashes, leaves first and the root level last."""
    if not leaves:
        return [[]]
    levels = [list(leaves)]
    sha = hashlib.sha256
    while len(levels[-1]) > 1:
        below = levels[-1]
        above = [sha(NODE_PREFIX + below[i] + below[i + 1]).digest()
                 for i in range(0, len(below) - 1, 2)]
        if len(below) % 2:
            above.append(below[-1])
        levels.append(above)
    return levels


def root(leaves: Sequence[bytes]) -> bytes:
    """Merkle tree hash (MTH) over leaf hashes; the empty tree hashes to SHA-256("")."""
    if not leaves:
        return EMPTY_ROOT
    return build_levels(leaves)[-1][0]


def inclusion_path_from_levels(levels: list[list[bytes]], index: int) -> list[bytes]:
    """The audit path of leaf ``index``, bottom-up, from prebuilt levels."""
    size = len(levels[0])
    if not 0 <= index < size:
        raise MerkleError(f"leaf index {index} outside tree of size {size}")
    path = []
    for level in levels[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(level[sibling])
        index >>= 1
    return path


def inclusion_path(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """RFC 9162 §2.1.3.1 inclusion proof (audit path) of leaf ``index``."""
    return inclusion_path_from_levels(build_levels(leaves), index)


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    """Recompute the root from an inclusion proof (RFC 9162 §2.1.3.2).

    Raises MerkleError when the path length does not fit the index and size,
    so a malformed proof is never mistaken for a mismatching one.
    """
    if not 0 <= index < size:
        raise MerkleError(f"leaf index {index} outside tree of size {size}")
    fn, sn = index, size - 1
    r = leaf
    for p in path:
        if sn == 0:
            raise MerkleError("inclusion path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                # here fn == sn, and sn != 0 (checked above), so fn has a set bit
                while not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise MerkleError("inclusion path is shorter than the tree is deep")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes],
                     expected_root: bytes) -> bool:
    """True when ``leaf`` is at ``index`` of the tree of ``size`` with ``expected_root``."""
    try:
        return root_from_inclusion(index, size, leaf, path) == expected_root
    except MerkleError:
        return False
