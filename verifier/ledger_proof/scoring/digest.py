"""The salted digest of a score's inputs: what the ledger records instead of the inputs.

``inputs_digest = SHA-256(salt || JCS(inputs))``, lowercase hex, with a fresh
32-byte random salt per score.

Why salted: the inputs are an enterprise's confidential financials, and each
indicator lives in a narrow, guessable range. An unsalted hash of them would be
a dictionary oracle: anyone reading the ledger could test a guess ("is their
debt ratio 52%?") against it. With 256 random bits mixed in, the digest says
nothing to someone without the salt, while the submitter, who is handed the
salt, can later give inputs and salt to an auditor, who recomputes the digest
and the whole score (``rescore``). The same construction salts every event's
commitment in the ledger.

Why JCS: the digest is over the canonical bytes of the inputs document, so
the key order or whitespace of the file an auditor receives does not matter,
only its values.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from ledger_proof.canonical import canonicalize

SALT_BYTES = 32


def new_salt() -> bytes:
    """32 bytes from the operating system's CSPRNG."""
    return secrets.token_bytes(SALT_BYTES)


def inputs_digest(inputs: dict[str, Any], salt: bytes) -> str:
    """Lowercase hex SHA-256(salt || JCS(inputs)); the salt must be exactly 32 bytes.

    Raises ValueError for a salt of another length (a short salt would quietly
    weaken the hiding) and CanonicalizationError for inputs that are not
    canonical JSON (floats, huge integers).
    """
    if not isinstance(salt, bytes | bytearray) or len(salt) != SALT_BYTES:
        raise ValueError(f"the inputs salt must be {SALT_BYTES} bytes")
    return hashlib.sha256(bytes(salt) + canonicalize(inputs)).hexdigest()


def digests_equal(a: str, b: Any) -> bool:
    """Constant-time comparison of two hex digests (``b`` may be anything a payload holds)."""
    return isinstance(b, str) and hmac.compare_digest(a.encode(), b.encode())
