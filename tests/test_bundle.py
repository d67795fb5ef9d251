"""Proof bundles: a genuine one verifies; changing any field is caught by a named check."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ledger_proof import merkle
from ledger_proof.bundle import BundleFormatError, build_bundle, verify_bundle
from ledger_proof.commitment import commit
from ledger_proof.headers import GENESIS_PREV_HASH, header_bytes, header_hash, make_header
from ledger_proof.signing import ServiceKey
from ledger_service.evidence.story import score_event

KEY = ServiceKey.from_seed_b64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
PINNED = {KEY.key_id: KEY.public_key_b64}


def make(n: int = 5, index: int = 3) -> dict[str, Any]:
    events = [dict(score_event("91350100M000100Y43", 700 + i, "A", (70, 70, 70)),
                   id=f"evt_{i:032x}") for i in range(n)]
    commits = [commit(e) for e in events]
    leaves = [c.leaf_hash for c in commits]
    header = make_header(ledger_id="t", seq=0, prev_header_hash=GENESIS_PREV_HASH,
                         merkle_root=merkle.root(leaves).hex(), size=n,
                         first_event=events[0]["id"], last_event=events[-1]["id"],
                         sealed_at="2026-11-26T10:00:00Z")
    c = commits[index]
    return build_bundle(event=events[index], salt=c.salt, commitment=c.commitment,
                        leaf_hash=c.leaf_hash, leaf_index=index, tree_size=n,
                        path=merkle.inclusion_path(leaves, index), header=header,
                        header_hash_hex=header_hash(header),
                        signature=KEY.sign(header_bytes(header)), key_id=KEY.key_id,
                        public_key_b64=KEY.public_key_b64, anchors=[])


def failed(bundle: dict[str, Any]) -> set[str]:
    verdict = verify_bundle(bundle, pinned_keys=PINNED)
    assert verdict.valid == (not [c for c in verdict.checks if c.status == "fail"])
    return {c.name for c in verdict.checks if c.status == "fail"}


def test_genuine_bundle_verifies() -> None:
    verdict = verify_bundle(make(), pinned_keys=PINNED)
    assert verdict.valid
    assert [c.name for c in verdict.checks] == ["commitment", "leaf_hash", "inclusion",
                                                "header_hash", "header_signature"]


MUTATIONS = {
    "payload": (lambda b: b["event"]["payload"].update(score=999), "commitment"),
    "salt": (lambda b: b.update(salt="00" * 32), "commitment"),
    "leaf": (lambda b: b.update(leaf_hash="11" * 32), "leaf_hash"),
    "path": (lambda b: b["inclusion"]["hashes"].__setitem__(0, "22" * 32), "inclusion"),
    "index": (lambda b: b["inclusion"].update(leaf_index=2), "inclusion"),
    "tree_size": (lambda b: b["inclusion"].update(tree_size=8), "inclusion"),
    "root": (lambda b: b["batch"]["header"].update(merkle_root="33" * 32), "inclusion"),
    "header_seq": (lambda b: b["batch"]["header"].update(seq=1), "header_hash"),
    "header_hash": (lambda b: b["batch"].update(header_hash="44" * 32), "header_hash"),
    "signature": (lambda b: b["batch"].update(signature=ServiceKey.generate().sign(b"x")),
                  "header_signature"),
}


@pytest.mark.parametrize("name", MUTATIONS)
def test_each_tampering_is_named(name: str) -> None:
    bundle = make()
    mutate, check = MUTATIONS[name]
    mutate(bundle)
    assert check in failed(bundle)


def test_re_signing_with_another_key_fails_against_the_pinned_key() -> None:
    bundle = make()
    other = ServiceKey.generate()
    bundle["batch"]["header"]["merkle_root"] = "55" * 32
    bundle["batch"]["header_hash"] = header_hash(bundle["batch"]["header"])
    bundle["batch"]["signature"] = other.sign(header_bytes(bundle["batch"]["header"]))
    bundle["batch"]["public_key"] = other.public_key_b64
    assert "header_signature" in failed(bundle)
    bundle["batch"]["key_id"] = other.key_id  # a forger keeps the bundle self-consistent
    # Unpinned, the embedded key verifies its own signature: that proves nothing, so the
    # signature is not checked and the verdict is UNVERIFIED, never VALID.
    verdict = verify_bundle(bundle)
    assert verdict.check("header_signature").status == "not_checked"
    assert not verdict.valid


def test_erased_event_still_proves_its_commitment() -> None:
    bundle = make()
    bundle["event"] = None
    bundle["salt"] = None
    verdict = verify_bundle(bundle, pinned_keys=PINNED)
    assert verdict.valid
    assert "erased" in verdict.checks[0].detail


def test_half_erased_is_invalid() -> None:
    bundle = make()
    bundle["salt"] = None
    assert "commitment" in failed(bundle)


@pytest.mark.parametrize("doc", [[], {"version": 2}, {"version": 1},
                                 {"version": 1, "commitment": "zz", "leaf_hash": "00" * 32,
                                  "inclusion": {}, "batch": {}}])
def test_non_bundles_are_format_errors(doc: Any) -> None:
    with pytest.raises(BundleFormatError):
        verify_bundle(copy.deepcopy(doc))
