"""Multibase base58btc and did:key for Ed25519: what Data Integrity proofs are written in.

Fifteen lines of base58 rather than a dependency: the alphabet and the
leading-zero rule are all there is, and a verifier must be able to read
exactly this code. did:key for Ed25519 is ``did:key:z`` + base58btc of the
multicodec prefix 0xed 0x01 followed by the 32-byte public key.
"""

from __future__ import annotations

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}
ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"  # multicodec ed25519-priv (0x1300) as a varint


class MultibaseError(ValueError):
    """Not base58btc multibase, or not the key type expected."""


def b58encode(data: bytes) -> str:
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data)  # big-endian, Python's default
    out = []
    while number:
        number, rem = divmod(number, 58)
        out.append(ALPHABET[rem])
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    number = 0
    for ch in text:
        if ch not in _INDEX:
            raise MultibaseError(f"{ch!r} is not a base58btc character")
        number = number * 58 + _INDEX[ch]
    zeros = len(text) - len(text.lstrip("1"))
    # big-endian, Python's default; zero has no bytes beyond the leading '1's
    return b"\0" * zeros + number.to_bytes((number.bit_length() + 7) // 8)


def encode_z(data: bytes) -> str:
    """Multibase base58btc: 'z' + base58btc."""
    return "z" + b58encode(data)


def decode_z(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("z"):
        raise MultibaseError("expected a base58btc multibase value (leading 'z')")
    return b58decode(text[1:])


def public_key_multibase(public_key: bytes) -> str:
    """The Multikey publicKeyMultibase of an Ed25519 public key (z6Mk...)."""
    if len(public_key) != 32:
        raise MultibaseError("Ed25519 public keys are 32 bytes")
    return encode_z(ED25519_PUB_PREFIX + public_key)


def public_key_from_multibase(value: str) -> bytes:
    raw = decode_z(value)
    if len(raw) != 34 or not raw.startswith(ED25519_PUB_PREFIX):
        raise MultibaseError("not an Ed25519 Multikey (expected 0xed01 + 32 bytes)")
    return raw[2:]


def seed_from_multibase(value: str) -> bytes:
    """The 32-byte seed of a secretKeyMultibase (0x8026 prefix), as in the spec's key pair."""
    raw = decode_z(value)
    if len(raw) != 34 or not raw.startswith(ED25519_PRIV_PREFIX):
        raise MultibaseError("not an Ed25519 secret Multikey (expected 0x8026 + 32 bytes)")
    return raw[2:]


def did_key(public_key: bytes) -> str:
    return "did:key:" + public_key_multibase(public_key)


def did_key_method(public_key: bytes) -> str:
    """The verification method id: did:key:z6Mk...#z6Mk..."""
    mb = public_key_multibase(public_key)
    return f"did:key:{mb}#{mb}"


def public_key_from_did_key(method: str) -> bytes:
    """The Ed25519 key a did:key (with or without its #fragment) denotes."""
    if not isinstance(method, str) or not method.startswith("did:key:"):
        raise MultibaseError("verificationMethod is not a did:key")
    did, _, fragment = method.partition("#")
    mb = did[len("did:key:"):]
    if fragment and fragment != mb:
        raise MultibaseError("did:key fragment must repeat the key")
    return public_key_from_multibase(mb)
