"""Stored Merkle interior nodes: an inclusion proof in O(log n) reads, no tree rebuild.

At seal time the batch's tree is built anyway (for its root); keeping its upper
levels costs about 4 bytes an event and turns a proof into two small reads: the
aligned block of ``BLOCK`` leaves around the event (one range scan of the events
table, hashed up ``BLOCK_LEVELS`` levels in a few microseconds) and the
siblings above that block, sliced from one stored blob. Storing every level
would double that blob's work for nothing: the bottom levels are cheaper to
recompute from leaves that sit next to each other on disk than to store.

The paths are the RFC 9162 audit paths of ``ledger_proof.merkle``, byte for
byte (tests compare the two on random trees): the tree is built level by level
with an unpaired last node carried up, and a block boundary aligned to
``BLOCK`` never splits a pair below ``BLOCK_LEVELS``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from ledger_proof.merkle import NODE_PREFIX, MerkleError

#: Levels recomputed from leaves on each proof; the levels above are stored.
BLOCK_LEVELS = 4
#: Leaves read per proof (an aligned run of this many, fewer at the batch's end).
BLOCK = 1 << BLOCK_LEVELS
HASH = 32


def level_sizes(size: int) -> list[int]:
    """Node count of each level, leaves first, root level (1) last."""
    sizes = [size]
    while sizes[-1] > 1:
        sizes.append((sizes[-1] + 1) // 2)
    return sizes


def pack_upper(levels: Sequence[Sequence[bytes]]) -> bytes:
    """The stored form of a tree: every node of levels BLOCK_LEVELS and up, level by level."""
    return b"".join(b"".join(level) for level in levels[BLOCK_LEVELS:])


def block_start(index: int) -> int:
    """First leaf index of the aligned block holding leaf ``index``."""
    return index & ~(BLOCK - 1)


def inclusion_path(size: int, index: int, block_leaves: Sequence[bytes], upper: bytes
                   ) -> list[bytes]:
    """Audit path of leaf ``index`` in a tree of ``size`` leaves, bottom-up.

    ``block_leaves`` are the leaf hashes from ``block_start(index)`` to the end of
    that block (or of the tree); ``upper`` is what pack_upper stored.
    """
    if not 0 <= index < size:
        raise MerkleError(f"leaf index {index} outside tree of size {size}")
    start = block_start(index)
    if len(block_leaves) != min(BLOCK, size - start):
        raise MerkleError("leaf block does not match the tree size")
    sizes = level_sizes(size)
    depth = len(sizes) - 1  # levels that contribute a sibling (all but the root)
    sha = hashlib.sha256
    path: list[bytes] = []
    level = list(block_leaves)
    local = index - start
    for _ in range(min(BLOCK_LEVELS, depth)):
        sibling = local ^ 1
        if sibling < len(level):
            path.append(level[sibling])
        above = [sha(NODE_PREFIX + level[i] + level[i + 1]).digest()
                 for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            above.append(level[-1])
        level = above
        local >>= 1
    offset = 0
    for k in range(BLOCK_LEVELS, depth):
        sibling = (index >> k) ^ 1
        if sibling < sizes[k]:
            at = (offset + sibling) * HASH
            node = upper[at:at + HASH]
            if len(node) != HASH:
                raise MerkleError("stored tree is shorter than its size says")
            path.append(node)
        offset += sizes[k]
    return path
