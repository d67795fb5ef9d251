"""The service's Ed25519 signing key and the org keys it verifies (PyNaCl).

The key is created on first run into the data directory with mode 0600, or
supplied through LEDGER_SIGNING_KEY (base64 seed) so that several API
processes and a restarted one sign with the same identity. Key ids are derived
from the public key so a verifier can pick the right key without trusting a
label.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey


class KeyError_(Exception):
    """Base for key problems."""


class InvalidKey(KeyError_):
    """A key could not be decoded (wrong encoding or length)."""


class InvalidSignature(KeyError_):
    """A signature is malformed or does not verify."""


def b64e(data: bytes) -> str:
    """Standard base64 with padding, as DESIGN.md's bundle format uses."""
    return base64.b64encode(data).decode()  # base64 is ASCII


def b64d(text: str) -> bytes:
    """Strict base64 decode (standard or URL-safe alphabet)."""
    try:
        cleaned = text.strip().replace("-", "+").replace("_", "/")
        cleaned += "=" * (-len(cleaned) % 4)
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidKey(f"not valid base64: {exc}") from None


def key_id_of(public_key: bytes) -> str:
    """A short, collision-resistant label: 'ed25519:' + first 16 hex of SHA-256(pk)."""
    return "ed25519:" + hashlib.sha256(public_key).hexdigest()[:16]


def load_verify_key(public_key_b64: str) -> VerifyKey:
    """A VerifyKey from base64, refusing anything but 32 bytes."""
    raw = b64d(public_key_b64)
    if len(raw) != 32:
        raise InvalidKey(f"Ed25519 public keys are 32 bytes, got {len(raw)}")
    return VerifyKey(raw)


def verify(public_key_b64: str, message: bytes, signature_b64: str) -> None:
    """Raise InvalidSignature unless signature is a valid Ed25519 signature of message."""
    key = load_verify_key(public_key_b64)
    try:
        sig = b64d(signature_b64)
    except InvalidKey as exc:
        raise InvalidSignature(str(exc)) from None
    if len(sig) != 64:
        raise InvalidSignature(f"Ed25519 signatures are 64 bytes, got {len(sig)}")
    try:
        key.verify(message, sig)
    except BadSignatureError:
        raise InvalidSignature("signature does not verify") from None


@dataclass(frozen=True)
class ServiceKey:
    """The service's signing identity."""

    signing_key: SigningKey

    @property
    def public_key(self) -> bytes:
        return bytes(self.signing_key.verify_key)

    @property
    def public_key_b64(self) -> str:
        return b64e(self.public_key)

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_key)

    def sign(self, message: bytes) -> str:
        """Base64 detached Ed25519 signature."""
        return b64e(self.signing_key.sign(message).signature)

    @classmethod
    def from_seed_b64(cls, seed_b64: str) -> ServiceKey:
        seed = b64d(seed_b64)
        if len(seed) != 32:
            raise InvalidKey(f"Ed25519 seeds are 32 bytes, got {len(seed)}")
        return cls(SigningKey(seed))

    @classmethod
    def generate(cls) -> ServiceKey:
        return cls(SigningKey.generate())

    def seed_b64(self) -> str:
        return b64e(bytes(self.signing_key))
