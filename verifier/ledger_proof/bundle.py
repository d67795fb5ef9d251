"""Proof bundle v1: everything an outsider needs to check one event, and the checker.

The checker is independent of the service: it gets a JSON document, a trust
policy (what the verifier pinned) and optionally the ledgers it pinned, and
recomputes every hash itself. Each check is reported by name, in this order:

``commitment``   SHA-256(salt || JCS(event)) equals the commitment
                 (``not_checked`` for an erased event: nothing left to open);
``leaf_hash``    SHA-256(0x00 || commitment), RFC 9162 §2.1.1;
``header_format`` only when the header is malformed (checking stops there);
``inclusion``    the audit path leads from the leaf to the header's merkle_root
                 (RFC 9162 §2.1.3.2);
``header_hash``  SHA-256(JCS(header)) equals the bundle's header_hash;
``header_signature`` Ed25519 over JCS(header) by a pinned key (a trust anchor);
``anchor.<backend>`` the pinned ledger holds this very header (a trust anchor);
                 ``not_checked`` for a receipt on a ledger the verifier did not pin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ledger_proof.canonical import CanonicalizationError, canonicalize
from ledger_proof.commitment import commitment_of, leaf_of
from ledger_proof.headers import HeaderError, check_shape, header_hash
from ledger_proof.ledgers.base import AnchorError, StoredHeader
from ledger_proof.merkle import MerkleError, root_from_inclusion
from ledger_proof.policy import TrustPolicy, policy_for
from ledger_proof.signing import InvalidKey, InvalidSignature, key_id_of, load_verify_key, verify
from ledger_proof.verdict import Check, Verdict

BUNDLE_VERSION = 1

__all__ = ["BUNDLE_VERSION", "BundleFormatError", "Check", "LedgerReader", "Verdict",
           "build_bundle", "verify_bundle"]


class LedgerReader(Protocol):
    """What a verifier pinned: which backends it reads, and the header each holds."""

    def reads(self, backend: Any) -> bool: ...

    def describe(self, backend: str) -> str: ...

    def __call__(self, receipt: dict[str, Any], header: dict[str, Any]
                 ) -> StoredHeader | None: ...


class BundleFormatError(ValueError):
    """The document is not a v1 proof bundle at all (as opposed to an invalid one)."""


@dataclass(frozen=True)
class _Parsed:
    bundle: dict[str, Any]
    inclusion: dict[str, Any]
    batch: dict[str, Any]
    anchors: list[Any]
    commitment: bytes
    leaf: bytes


def build_bundle(*, event: dict[str, Any] | None, salt: bytes | None, commitment: bytes,
                 leaf_hash: bytes, leaf_index: int, tree_size: int, path: list[bytes],
                 header: dict[str, Any], header_hash_hex: str, signature: str, key_id: str,
                 public_key_b64: str, anchors: list[dict[str, Any]]) -> dict[str, Any]:
    """Assemble a v1 bundle; field names exactly as DESIGN.md."""
    return {
        "version": BUNDLE_VERSION,
        "event": event,
        "salt": salt.hex() if salt is not None else None,
        "commitment": commitment.hex(),
        "leaf_hash": leaf_hash.hex(),
        "inclusion": {"leaf_index": leaf_index, "tree_size": tree_size,
                      "hashes": [h.hex() for h in path]},
        "batch": {"header": header, "header_hash": header_hash_hex, "signature": signature,
                  "key_id": key_id, "public_key": public_key_b64},
        "anchors": anchors,
    }


def _hex32(value: Any, what: str) -> bytes:
    if not isinstance(value, str) or len(value) != 64:
        raise BundleFormatError(f"{what} must be 64 hex characters")
    if value != value.lower():
        raise BundleFormatError(f"{what} must be lowercase hex")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise BundleFormatError(f"{what} is not hex") from None


def _int(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise BundleFormatError(f"{what} must be an integer")
    return value


def _parse(bundle: Any) -> _Parsed:
    """Shape checks: anything of the wrong JSON type is not a bundle (exit 2, HTTP 422)."""
    if not isinstance(bundle, dict):
        raise BundleFormatError("a proof bundle is a JSON object")
    if bundle.get("version") != BUNDLE_VERSION:
        raise BundleFormatError(f"unsupported bundle version {bundle.get('version')!r}")
    for name in ("commitment", "leaf_hash", "inclusion", "batch"):
        if name not in bundle:
            raise BundleFormatError(f"bundle lacks {name!r}")
    inclusion, batch = bundle["inclusion"], bundle["batch"]
    if not isinstance(inclusion, dict) or not isinstance(batch, dict):
        raise BundleFormatError("inclusion and batch must be objects")
    _int(inclusion.get("leaf_index"), "inclusion.leaf_index")
    _int(inclusion.get("tree_size"), "inclusion.tree_size")
    if not isinstance(inclusion.get("hashes"), list):
        raise BundleFormatError("inclusion.hashes must be a list")
    for name in ("header", "header_hash", "signature"):
        if name not in batch:
            raise BundleFormatError(f"batch lacks {name!r}")
    for name in ("header_hash", "signature"):
        if not isinstance(batch[name], str):
            raise BundleFormatError(f"batch.{name} must be a string")
    for name in ("key_id", "public_key"):
        if batch.get(name) is not None and not isinstance(batch[name], str):
            raise BundleFormatError(f"batch.{name} must be a string")
    anchors = bundle.get("anchors")
    if anchors is None:
        anchors = []
    if not isinstance(anchors, list):
        raise BundleFormatError("anchors must be a list of receipts")
    event, salt = bundle.get("event"), bundle.get("salt")
    if event is not None and not isinstance(event, dict):
        raise BundleFormatError("event must be an object or null")
    if salt is not None and not isinstance(salt, str):
        raise BundleFormatError("salt must be hex text or null")
    return _Parsed(bundle, inclusion, batch, anchors,
                   _hex32(bundle["commitment"], "commitment"),
                   _hex32(bundle["leaf_hash"], "leaf_hash"))


def verify_bundle(bundle: Any, *, policy: TrustPolicy | None = None,
                  pinned_keys: dict[str, str] | None = None,
                  reader: LedgerReader | None = None) -> Verdict:
    """Check a proof bundle. Raises BundleFormatError only when it is not a bundle at all.

    ``policy`` says which keys are trusted (default: ``PinnedKeys`` of
    ``pinned_keys`` when given, else ``Unpinned``). ``reader`` reads each
    receipt's header back from the ledgers the verifier pinned.
    """
    parsed = _parse(bundle)
    policy = policy if policy is not None else policy_for(pinned_keys)
    verdict = Verdict()
    _check_commitment(parsed, verdict)
    leaf_ok = leaf_of(parsed.commitment) == parsed.leaf
    verdict.add("leaf_hash", leaf_ok, "leaf_hash = SHA-256(0x00 || commitment)" if leaf_ok
                else "leaf_hash does not match the commitment")
    header = parsed.batch["header"]
    try:
        check_shape(header)
        computed = header_hash(header)
    except (HeaderError, CanonicalizationError) as exc:
        verdict.add("header_format", False, f"malformed header: {exc}")
        return verdict
    _check_inclusion(parsed, header, verdict)
    stated = parsed.batch["header_hash"]
    verdict.add("header_hash", computed == stated, "header_hash = SHA-256(JCS(header))"
                if computed == stated else f"header hashes to {computed}, bundle says {stated}")
    _check_signature(parsed.batch, header, policy, verdict)
    _check_anchors(parsed.anchors, header, computed, reader, verdict)
    return verdict


def _check_commitment(parsed: _Parsed, verdict: Verdict) -> None:
    event, salt_hex = parsed.bundle.get("event"), parsed.bundle.get("salt")
    if event is None and salt_hex is None:
        verdict.add("commitment", None, "event erased (payload and salt deleted): the "
                    "commitment cannot be opened; only the service's own store can confirm "
                    "the erasure")
        return
    if event is None or salt_hex is None:
        verdict.add("commitment", False, "event and salt must both be present or both be null")
        return
    try:
        salt = bytes.fromhex(salt_hex)
        body = canonicalize(event)
    except (ValueError, CanonicalizationError) as exc:
        verdict.add("commitment", False, f"cannot recompute the commitment: {exc}")
        return
    ok = commitment_of(salt, body) == parsed.commitment
    verdict.add("commitment", ok, "commitment = SHA-256(salt || JCS(event))" if ok
                else "the event and salt do not hash to the commitment: the event was altered")


def _check_inclusion(parsed: _Parsed, header: dict[str, Any], verdict: Verdict) -> None:
    size, index = parsed.inclusion["tree_size"], parsed.inclusion["leaf_index"]
    if size != header["size"]:
        verdict.add("inclusion", False, f"tree_size {size} differs from header size "
                    f"{header['size']}")
        return
    try:
        path = [_hex32(h, "inclusion hash") for h in parsed.inclusion["hashes"]]
        computed = root_from_inclusion(index, size, parsed.leaf, path)
    except (MerkleError, BundleFormatError) as exc:
        verdict.add("inclusion", False, f"malformed inclusion proof: {exc}")
        return
    ok = computed.hex() == header["merkle_root"]
    verdict.add("inclusion", ok, f"leaf {index} of {size} hashes up to the header's "
                "merkle_root" if ok else f"the audit path yields root {computed.hex()}, header "
                f"says {header['merkle_root']}")


def _check_signature(batch: dict[str, Any], header: dict[str, Any], policy: TrustPolicy,
                     verdict: Verdict) -> None:
    key_id = batch.get("key_id")
    choice = policy.choose(key_id, batch.get("public_key"))
    if choice.public_key_b64 is None:
        pinned = choice.trusted or getattr(policy, "keys", None)
        verdict.add("header_signature", False if pinned else None,
                    f"no pinned key with id {key_id!r}" if pinned
                    else "no key to check the signature with")
        return
    try:
        raw = load_verify_key(choice.public_key_b64).encode()
        if key_id is not None and key_id != key_id_of(raw):
            verdict.add("header_signature", False,
                        f"key id {key_id} does not match the key used ({key_id_of(raw)})")
            return
        verify(choice.public_key_b64, canonicalize(header), batch["signature"])
    except (InvalidKey, InvalidSignature) as exc:
        verdict.add("header_signature", False,
                    f"Ed25519 signature over JCS(header) by {choice.source}: {exc}")
        return
    if choice.trusted:
        verdict.add("header_signature", True, f"Ed25519 signature by {key_id_of(raw)} "
                    f"({choice.source}) verifies", trust=True)
        if policy.name == "UnsafeNoOp":
            verdict.warn("UnsafeNoOp policy: the signing key was taken from the bundle itself")
        return
    verdict.add("header_signature", None, f"verifies only under {choice.source}, which "
                "anyone can make; pin the service key to trust it")


def _check_anchors(anchors: list[Any], header: dict[str, Any], computed_hash: str,
                   reader: LedgerReader | None, verdict: Verdict) -> None:
    if not anchors:
        verdict.warn("the batch has no anchor receipt (sealed, not anchored)")
        return
    for receipt in anchors:
        if not isinstance(receipt, dict) or not isinstance(receipt.get("backend"), str):
            verdict.add("anchor", False, "an anchor receipt is not an object with a backend")
            continue
        backend = receipt["backend"]
        name = f"anchor.{backend}"
        if reader is None or not reader.reads(backend):
            verdict.add(name, None, f"receipt not read back: no pinned {backend} ledger")
            continue
        where = reader.describe(backend)
        try:
            stored = reader(receipt, header)
        except AnchorError as exc:
            verdict.add(name, False, f"could not read the header back from {where}: {exc}")
            continue
        if stored is None:
            verdict.add(name, False, f"{where} holds no header at seq {header['seq']}")
            continue
        same = stored.header_hash == computed_hash and (
            stored.header is None or stored.header == header)
        verdict.add(name, same, f"{where} holds this header" if same
                    else f"{where} holds a different header ({stored.header_hash}) at seq "
                         f"{header['seq']}", trust=True)
