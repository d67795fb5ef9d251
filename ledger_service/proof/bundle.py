"""Proof bundle v1: everything an outsider needs to check one event, and the checker.

The checker is deliberately independent of the service's storage: it gets a
JSON document and (optionally) a pinned public key and a way to read headers
back from a ledger, and recomputes every hash itself. Each check is reported
by name so auditors see exactly what held and what did not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from anchoring.backend import AnchorError, StoredHeader
from ledger_service.proof.canonical import CanonicalizationError, canonicalize
from ledger_service.proof.commitment import commitment_of, leaf_of
from ledger_service.proof.headers import HeaderError, check_shape, header_hash
from ledger_service.proof.merkle import MerkleError, root_from_inclusion
from ledger_service.proof.signing import (
    InvalidKey,
    InvalidSignature,
    key_id_of,
    load_verify_key,
    verify,
)

BUNDLE_VERSION = 1

#: Reads back what a ledger holds: (anchor receipt, header) -> StoredHeader or None.
HeaderReader = Callable[[dict[str, Any], dict[str, Any]], StoredHeader | None]


class BundleFormatError(ValueError):
    """The document is not a v1 proof bundle at all (as opposed to an invalid one)."""


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Verdict:
    valid: bool
    checks: list[Check] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "checks": [asdict(c) for c in self.checks],
                "warnings": self.warnings}


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
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise BundleFormatError(f"{what} is not hex") from None
    if value != value.lower():
        raise BundleFormatError(f"{what} must be lowercase hex")
    return raw


def _parse(bundle: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
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
    for name in ("leaf_index", "tree_size"):
        if not isinstance(inclusion.get(name), int) or isinstance(inclusion.get(name), bool):
            raise BundleFormatError(f"inclusion.{name} must be an integer")
    if not isinstance(inclusion.get("hashes"), list):
        raise BundleFormatError("inclusion.hashes must be a list")
    for name in ("header", "header_hash", "signature"):
        if name not in batch:
            raise BundleFormatError(f"batch lacks {name!r}")
    return bundle, inclusion, batch


def verify_bundle(bundle: Any, *, pinned_keys: dict[str, str] | None = None,
                  reader: HeaderReader | None = None) -> Verdict:
    """Check a proof bundle. Raises BundleFormatError only when it is not a bundle at all.

    ``pinned_keys`` maps key id -> base64 public key the verifier trusts; without
    it the key embedded in the bundle is used and a warning says so. ``reader``
    reads each anchor's header back from its ledger.
    """
    bundle, inclusion, batch = _parse(bundle)
    verdict = Verdict(valid=True)

    def record(name: str, ok: bool, detail: str) -> None:
        verdict.checks.append(Check(name, ok, detail))
        verdict.valid = verdict.valid and ok

    commitment = _hex32(bundle["commitment"], "commitment")
    leaf = _hex32(bundle["leaf_hash"], "leaf_hash")
    _check_commitment(bundle, commitment, record)
    record("leaf_hash", leaf_of(commitment) == leaf,
           "leaf_hash = SHA-256(0x00 || commitment)" if leaf_of(commitment) == leaf
           else "leaf_hash does not match the commitment")

    header = batch["header"]
    try:
        check_shape(header)
    except HeaderError as exc:
        record("header_format", False, str(exc))
        return verdict
    _check_inclusion(inclusion, leaf, header, record)
    try:
        computed = header_hash(header)
    except CanonicalizationError as exc:
        record("header_hash", False, f"header cannot be canonicalized: {exc}")
        return verdict
    record("header_hash", computed == batch["header_hash"],
           "header_hash = SHA-256(JCS(header))" if computed == batch["header_hash"]
           else f"header hashes to {computed}, bundle says {batch['header_hash']}")
    _check_signature(batch, header, pinned_keys, record, verdict.warnings)
    _check_anchors(bundle.get("anchors") or [], header, computed, reader, record,
                   verdict.warnings)
    return verdict


def _check_commitment(bundle: dict[str, Any], commitment: bytes,
                      record: Callable[[str, bool, str], None]) -> None:
    event, salt_hex = bundle.get("event"), bundle.get("salt")
    if event is None and salt_hex is None:
        record("commitment", True,
               "event erased: its payload and salt were deleted; the commitment stands as given")
        return
    if event is None or salt_hex is None:
        record("commitment", False, "event and salt must both be present or both be null")
        return
    try:
        salt = bytes.fromhex(salt_hex)
        body = canonicalize(event)
    except (ValueError, TypeError, CanonicalizationError) as exc:
        record("commitment", False, f"cannot recompute the commitment: {exc}")
        return
    ok = commitment_of(salt, body) == commitment
    record("commitment", ok, "commitment = SHA-256(salt || JCS(event))" if ok
           else "the event and salt do not hash to the commitment: the event was altered")


def _check_inclusion(inclusion: dict[str, Any], leaf: bytes, header: dict[str, Any],
                     record: Callable[[str, bool, str], None]) -> None:
    size, index = inclusion["tree_size"], inclusion["leaf_index"]
    if size != header["size"]:
        record("inclusion", False, f"tree_size {size} differs from header size {header['size']}")
        return
    try:
        path = [_hex32(h, "inclusion hash") for h in inclusion["hashes"]]
        computed = root_from_inclusion(index, size, leaf, path)
    except (MerkleError, BundleFormatError) as exc:
        record("inclusion", False, f"malformed inclusion proof: {exc}")
        return
    ok = computed.hex() == header["merkle_root"]
    record("inclusion", ok,
           f"leaf {index} of {size} hashes up to the header's merkle_root" if ok
           else f"the audit path yields root {computed.hex()}, header says "
                f"{header['merkle_root']}")


def _check_signature(batch: dict[str, Any], header: dict[str, Any],
                     pinned_keys: dict[str, str] | None,
                     record: Callable[[str, bool, str], None], warnings: list[str]) -> None:
    key_id = batch.get("key_id")
    if pinned_keys:
        public_key = pinned_keys.get(key_id) if key_id else None
        if public_key is None and len(pinned_keys) == 1:
            public_key = next(iter(pinned_keys.values()))
        if public_key is None:
            record("header_signature", False, f"no pinned key with id {key_id!r}")
            return
    else:
        public_key = batch.get("public_key")
        if not public_key:
            record("header_signature", False, "no key given and none in the bundle")
            return
        warnings.append("header signature checked with the key inside the bundle; pin the "
                        "service key (--key) or read the ledger (--fabric) to trust it")
    try:
        load_verify_key(public_key)
        if key_id and key_id != key_id_of(load_verify_key(public_key).encode()):
            record("header_signature", False, f"key id {key_id} does not match the key used")
            return
        verify(public_key, canonicalize(header), batch["signature"])
    except (InvalidKey, InvalidSignature) as exc:
        record("header_signature", False, f"Ed25519 signature over JCS(header): {exc}")
        return
    record("header_signature", True, f"Ed25519 signature by {key_id or 'the key'} verifies")


def _check_anchors(anchors: list[Any], header: dict[str, Any], computed_hash: str,
                   reader: HeaderReader | None, record: Callable[[str, bool, str], None],
                   warnings: list[str]) -> None:
    if not anchors:
        warnings.append("the batch has no anchor receipt yet (sealed, not anchored)")
        return
    for receipt in anchors:
        if not isinstance(receipt, dict) or "backend" not in receipt:
            record("anchor", False, "an anchor receipt is not an object with a backend")
            continue
        name = f"anchor.{receipt['backend']}"
        if reader is None:
            continue
        try:
            stored = reader(receipt, header)
        except AnchorError as exc:
            record(name, False, f"could not read the header back: {exc}")
            continue
        if stored is None:
            record(name, False, f"the {receipt['backend']} ledger holds no header at "
                                f"seq {header['seq']}")
            continue
        same = stored.header_hash == computed_hash and (
            stored.header is None or stored.header == header)
        record(name, same, f"the {receipt['backend']} ledger holds this header" if same
               else f"the {receipt['backend']} ledger holds a different header "
                    f"({stored.header_hash})")
    if reader is None:
        warnings.append("anchor receipts were not checked against a ledger (offline check)")
