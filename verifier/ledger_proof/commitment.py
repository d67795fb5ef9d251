"""Salted event commitments and their RFC 9162 leaves (DESIGN.md, proof bundle v1).

commitment = SHA-256(salt || JCS(event)), leaf_hash = SHA-256(0x00 || commitment).

The 32-byte random salt is what lets a public Merkle root say nothing about a
small payload: without it anyone could hash the 1001 possible scores of an
enterprise and find which one was committed. Deleting the salt together with
the payload (erasure) leaves the commitment, so every proof still verifies.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from ledger_proof.canonical import canonicalize
from ledger_proof.merkle import LEAF_PREFIX

SALT_BYTES = 32


@dataclass(frozen=True)
class Commitment:
    """What the ledger stores for one event: the bytes committed to and their hashes."""

    body: bytes  # JCS(event)
    salt: bytes
    commitment: bytes
    leaf_hash: bytes


def new_salt() -> bytes:
    """32 bytes from the OS CSPRNG."""
    (salt,) = new_salts(1)
    return salt


def new_salts(count: int) -> list[bytes]:
    """count salts from one CSPRNG read (one syscall for a whole bulk request)."""
    pool = secrets.token_bytes(SALT_BYTES * count)
    return [pool[i:i + SALT_BYTES] for i in range(0, len(pool), SALT_BYTES)]


def commitment_of(salt: bytes, body: bytes) -> bytes:
    """SHA-256(salt || JCS(event)) over already-canonical bytes."""
    return hashlib.sha256(salt + body).digest()


def leaf_of(commitment: bytes) -> bytes:
    """The RFC 9162 leaf hash of a commitment."""
    return hashlib.sha256(LEAF_PREFIX + commitment).digest()


def commit(event: dict[str, Any], salt: bytes | None = None) -> Commitment:
    """Canonicalize, salt and hash one event."""
    salt = new_salt() if salt is None else salt
    if len(salt) != SALT_BYTES:
        raise ValueError(f"salt must be {SALT_BYTES} bytes")
    body = canonicalize(event)
    c = commitment_of(salt, body)
    return Commitment(body=body, salt=salt, commitment=c, leaf_hash=leaf_of(c))
