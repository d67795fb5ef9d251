"""Batch headers: the signed, hash-chained summary of one Merkle batch.

Only headers go on chain. Each names its predecessor's hash, so anyone holding
two headers can detect a gap or a rewritten batch between them (DESIGN.md,
guarantee 2).
"""

from __future__ import annotations

import hashlib
from typing import Any

from ledger_proof.canonical import canonicalize

HEADER_VERSION = 1
GENESIS_PREV_HASH = "0" * 64
HEADER_FIELDS = (
    "version",
    "ledger_id",
    "seq",
    "prev_header_hash",
    "merkle_root",
    "size",
    "first_event",
    "last_event",
    "sealed_at",
)


class HeaderError(ValueError):
    """A header is missing fields or has the wrong shape."""


def make_header(*, ledger_id: str, seq: int, prev_header_hash: str, merkle_root: str,
                size: int, first_event: str, last_event: str, sealed_at: str) -> dict[str, Any]:
    """Build a v1 header dict."""
    return {
        "version": HEADER_VERSION,
        "ledger_id": ledger_id,
        "seq": seq,
        "prev_header_hash": prev_header_hash,
        "merkle_root": merkle_root,
        "size": size,
        "first_event": first_event,
        "last_event": last_event,
        "sealed_at": sealed_at,
    }


def header_bytes(header: dict[str, Any]) -> bytes:
    """The signed and hashed form: JCS of the header."""
    return canonicalize(header)


def header_hash(header: dict[str, Any]) -> str:
    """SHA-256(JCS(header)) as lowercase hex."""
    return hashlib.sha256(header_bytes(header)).hexdigest()


def check_shape(header: Any) -> dict[str, Any]:
    """Return the header if it has every v1 field with the right type, else raise HeaderError."""
    if not isinstance(header, dict):
        raise HeaderError("header must be a JSON object")
    missing = [f for f in HEADER_FIELDS if f not in header]
    if missing:
        raise HeaderError(f"header lacks {', '.join(missing)}")
    ints = ("version", "seq", "size")
    for name in ints:
        if not isinstance(header[name], int) or isinstance(header[name], bool) or header[name] < 0:
            raise HeaderError(f"header.{name} must be a non-negative integer")
    for name in ("prev_header_hash", "merkle_root"):
        value = header[name]
        if not (isinstance(value, str) and len(value) == 64
                and all(c in "0123456789abcdef" for c in value)):
            raise HeaderError(f"header.{name} must be 64 lowercase hex characters")
    if header["size"] < 1:
        raise HeaderError("header.size must be at least 1")
    return header
