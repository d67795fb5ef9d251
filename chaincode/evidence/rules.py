"""Pure rules of the evidence chaincode, free of any Fabric import.

Keeping validation here means the same code is exercised by the unit tests, by
the contract inside the peer's endorsement, and could be reused by an offline
auditor. Every refusal is a ``ChaincodeRefusal`` whose message starts with a
machine code (``GAP:``, ``FORK:`` ...) so a client can map it without parsing prose.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from typing import Any

import nacl.exceptions
import nacl.signing
import rfc8785

ZERO_HASH = "0" * 64
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_LEDGER_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_CERT_ID = re.compile(r"^[A-Za-z0-9._:/-]{1,200}$")
#: Same bound JCS can represent exactly; a larger seq would hash ambiguously.
MAX_SAFE_INTEGER = 2**53 - 1

# Machine codes; the client maps them to AnchorRefused reasons.
MALFORMED = "MALFORMED"
UNREGISTERED = "UNREGISTERED"
FORBIDDEN = "FORBIDDEN"
KEY_MISMATCH = "KEY_MISMATCH"
BAD_SIGNATURE = "BAD_SIGNATURE"
GAP = "GAP"
FORK = "FORK"
PREV_MISMATCH = "PREV_MISMATCH"
NOT_FOUND = "NOT_FOUND"
CONFLICT = "CONFLICT"
STATE_ERROR = "STATE_ERROR"


class ChaincodeRefusal(Exception):
    """A request the chaincode refuses; str() is ``CODE: human message``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def canonical(value: Any) -> bytes:
    """RFC 8785 bytes; the reference library, because endorsers must agree byte for byte."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeError, TypeError, ValueError) as exc:
        raise ChaincodeRefusal(MALFORMED, f"header cannot be canonicalized: {exc}") from exc


def header_hash(header: dict[str, Any]) -> str:
    """SHA-256 of the header's JCS bytes, lowercase hex (the chain link)."""
    return hashlib.sha256(canonical(header)).hexdigest()


def dumps(value: Any) -> str:
    """Deterministic JSON for state and responses: every endorser must produce equal bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def check_ledger_id(ledger_id: str) -> str:
    """Ledger ids become state keys, so they are restricted to a safe alphabet."""
    if not isinstance(ledger_id, str) or not _LEDGER_ID.match(ledger_id):
        raise ChaincodeRefusal(MALFORMED, f"invalid ledger_id {ledger_id!r}")
    return ledger_id


def check_certificate_id(cert_id: str) -> str:
    """Certificate ids become state keys; same reasoning as ledger ids."""
    if not isinstance(cert_id, str) or not _CERT_ID.match(cert_id):
        raise ChaincodeRefusal(MALFORMED, f"invalid certificate id {cert_id!r}")
    return cert_id


def check_hex64(value: Any, name: str) -> str:
    """Hashes are lowercase hex so two spellings of one hash cannot both be stored."""
    if not isinstance(value, str) or not _HEX64.match(value):
        raise ChaincodeRefusal(MALFORMED, f"{name} must be 64 lowercase hex characters")
    return value


def parse_public_key(public_key_b64: str) -> bytes:
    """Decode and validate a base64 Ed25519 public key (32 bytes)."""
    try:
        raw = base64.b64decode(public_key_b64, validate=True)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ChaincodeRefusal(MALFORMED, "public key is not valid base64") from exc
    if len(raw) != 32:
        raise ChaincodeRefusal(MALFORMED, f"Ed25519 public key must be 32 bytes, got {len(raw)}")
    return raw


def _check_int(header: dict[str, Any], name: str) -> int:
    value = header.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ChaincodeRefusal(MALFORMED, f"header.{name} must be an integer")
    if not 0 <= value <= MAX_SAFE_INTEGER:
        raise ChaincodeRefusal(MALFORMED, f"header.{name} out of range")
    return value


def _check_str(header: dict[str, Any], name: str) -> str:
    value = header.get(name)
    if not isinstance(value, str) or not value:
        raise ChaincodeRefusal(MALFORMED, f"header.{name} must be a non-empty string")
    return value


def parse_header(header_json: str) -> dict[str, Any]:
    """Parse and shape-check a batch header (see anchoring/backend.py for the format).

    Unknown extra fields are allowed (they are covered by the hash and the
    signature); the fields the chain rules depend on are strictly typed.
    """
    try:
        header = json.loads(header_json)
    except (ValueError, TypeError) as exc:
        raise ChaincodeRefusal(MALFORMED, f"header is not JSON: {exc}") from exc
    if not isinstance(header, dict):
        raise ChaincodeRefusal(MALFORMED, "header must be a JSON object")
    if header.get("version") != 1 or isinstance(header.get("version"), bool):
        raise ChaincodeRefusal(MALFORMED, "header.version must be 1")
    check_ledger_id(header.get("ledger_id"))  # type: ignore[arg-type]
    seq = _check_int(header, "seq")
    _check_int(header, "size")
    check_hex64(header.get("prev_header_hash"), "header.prev_header_hash")
    check_hex64(header.get("merkle_root"), "header.merkle_root")
    for name in ("first_event", "last_event", "sealed_at"):
        _check_str(header, name)
    if seq == 0 and header["prev_header_hash"] != ZERO_HASH:
        raise ChaincodeRefusal(MALFORMED, "header 0 must have prev_header_hash of 64 zeros")
    return header


def verify_signature(header: dict[str, Any], signature_b64: str, public_key: bytes) -> None:
    """Ed25519 over JCS(header) under the ledger's registered key, or BAD_SIGNATURE."""
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ChaincodeRefusal(BAD_SIGNATURE, "signature is not valid base64") from exc
    if len(signature) != 64:
        raise ChaincodeRefusal(BAD_SIGNATURE, "Ed25519 signature must be 64 bytes")
    try:
        nacl.signing.VerifyKey(public_key).verify(canonical(header), signature)
    except nacl.exceptions.BadSignatureError as exc:
        raise ChaincodeRefusal(
            BAD_SIGNATURE,
            f"signature does not verify under the registered key of ledger {header['ledger_id']}",
        ) from exc


def check_next(header: dict[str, Any], head_seq: int | None, head_hash: str | None) -> None:
    """Chain rule for a header that is not an exact replay: next seq, matching prev hash.

    ``head_seq`` is None when nothing is anchored yet. A seq at or below the head
    is a fork (the caller already ruled out an identical replay).
    """
    seq = header["seq"]
    expected = 0 if head_seq is None else head_seq + 1
    if seq < expected:
        raise ChaincodeRefusal(
            FORK,
            f"ledger {header['ledger_id']} already holds a different header at seq {seq}",
        )
    if seq > expected:
        raise ChaincodeRefusal(
            GAP, f"ledger {header['ledger_id']} expects seq {expected}, got {seq}"
        )
    want_prev = ZERO_HASH if head_seq is None else head_hash
    if header["prev_header_hash"] != want_prev:
        raise ChaincodeRefusal(
            PREV_MISMATCH,
            f"prev_header_hash of seq {seq} does not match the stored hash of seq {seq - 1}",
        )
