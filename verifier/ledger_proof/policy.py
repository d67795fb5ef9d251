"""Trust policies: what a verifier pins, decided by the caller, never by the document.

Modelled on sigstore-python's verification policies. The default is
``Unpinned``: signatures are recomputed against the key a document names,
and a mismatch fails, but a match is only ``not_checked`` because anyone can
make a document that verifies under its own key. Trusting the embedded key
anyway takes the explicit, loudly named ``UnsafeNoOp``; a real verification
pins keys (``PinnedKeys``): the service's key given on the command line, the
keys the Fabric channel vouches for, or the service's configured key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ledger_proof.signing import InvalidKey, key_id_of, load_verify_key


@dataclass(frozen=True)
class KeyChoice:
    """The key a signature is checked with and whether that key is trusted."""

    public_key_b64: str | None
    trusted: bool
    source: str


class TrustPolicy:
    """Chooses the key that judges a signature; subclasses say how far it is trusted."""

    name = "policy"

    def choose(self, key_id: str | None, embedded_b64: str | None) -> KeyChoice:
        raise NotImplementedError

    def trusts(self, public_key: bytes) -> bool:
        """Is this raw Ed25519 key one the verifier trusts (certificate issuers)?"""
        return False


@dataclass(frozen=True)
class Unpinned(TrustPolicy):
    """Nothing pinned: check signatures against the document's own key, trust nothing."""

    name = "unpinned"

    def choose(self, key_id: str | None, embedded_b64: str | None) -> KeyChoice:
        return KeyChoice(embedded_b64, False, "the key inside the document (not pinned)")


@dataclass(frozen=True)
class CheckOnly(TrustPolicy):
    """Check signatures with one given key without trusting it (a credential's own key)."""

    public_key_b64: str
    source: str = "an unpinned key"
    name = "check-only"

    def choose(self, key_id: str | None, embedded_b64: str | None) -> KeyChoice:
        return KeyChoice(self.public_key_b64, False, self.source)


@dataclass(frozen=True)
class UnsafeNoOp(TrustPolicy):
    """Trust whatever key the document carries. For experiments, never for decisions."""

    name = "UnsafeNoOp"

    def choose(self, key_id: str | None, embedded_b64: str | None) -> KeyChoice:
        return KeyChoice(embedded_b64, True, "the key inside the document (UnsafeNoOp policy)")

    def trusts(self, public_key: bytes) -> bool:
        return True


@dataclass(frozen=True)
class PinnedKeys(TrustPolicy):
    """Keys the verifier trusts, by key id (``ed25519:`` + 16 hex of SHA-256(key))."""

    keys: dict[str, str] = field(default_factory=dict)
    source: str = "pinned key"
    name = "pinned"

    @classmethod
    def of(cls, *public_keys_b64: str, source: str = "pinned key") -> PinnedKeys:
        """From base64 keys; raises InvalidKey for anything but 32-byte Ed25519 keys."""
        keys = {}
        for key in public_keys_b64:
            keys[key_id_of(load_verify_key(key).encode())] = key
        if not keys:
            raise InvalidKey("no key to pin")
        return cls(keys, source)

    def choose(self, key_id: str | None, embedded_b64: str | None) -> KeyChoice:
        key = self.keys.get(key_id) if isinstance(key_id, str) else None
        if key is None and len(self.keys) == 1:
            key = next(iter(self.keys.values()))
        return KeyChoice(key, key is not None, self.source)

    def trusts(self, public_key: bytes) -> bool:
        return key_id_of(public_key) in self.keys


def policy_for(pinned_keys: dict[str, str] | None) -> TrustPolicy:
    """PinnedKeys when keys are given, else Unpinned."""
    return PinnedKeys(dict(pinned_keys)) if pinned_keys else Unpinned()
