"""Each named check of bundle verification, failing alone, and what each trust policy concludes.

Every case starts from a bundle all checks pass on, breaks one thing, and
asserts the named check's status, the verdict, and that every other check
kept the status it had: a check that passes only because a neighbour fails
for the same tampering is caught here.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from ledger_proof.bundle import BundleFormatError, verify_bundle
from ledger_proof.headers import header_bytes, header_hash
from ledger_proof.ledgers.base import StoredHeader
from ledger_proof.policy import CheckOnly, PinnedKeys, Unpinned, UnsafeNoOp
from ledger_proof.verdict import FAIL, INVALID, NOT_CHECKED, PASS, UNVERIFIED, VALID

from .builders import Reader, holding, make_bundle, service_key

KEY = service_key()
OTHER = service_key(bytes(range(1, 33)))
PINNED = PinnedKeys.of(KEY.public_key_b64)


def statuses(verdict: Any) -> dict[str, str]:
    return {c.name: c.status for c in verdict.checks}


def baseline() -> dict[str, str]:
    bundle = make_bundle()
    got = statuses(verify_bundle(bundle, policy=PINNED, reader=holding(bundle)))
    assert set(got.values()) == {PASS}
    return got


def resign(bundle: dict[str, Any]) -> None:
    """Re-hash and re-sign the bundle's header after a test changed it."""
    header = bundle["batch"]["header"]
    bundle["batch"]["header_hash"] = header_hash(header)
    bundle["batch"]["signature"] = KEY.sign(header_bytes(header))


def _event(b: dict[str, Any]) -> None:
    b["event"]["payload"]["score"] = 999


def _salt_only(b: dict[str, Any]) -> None:
    b["event"] = None


def _event_only(b: dict[str, Any]) -> None:
    b["salt"] = None


def _salt_not_hex(b: dict[str, Any]) -> None:
    b["salt"] = "zz"


def _event_not_canonical(b: dict[str, Any]) -> None:
    b["event"]["payload"]["score"] = float("nan")


def _leaf(b: dict[str, Any]) -> None:
    b.update(make_bundle(leaf=b"\x07" * 32))


def _header_missing_field(b: dict[str, Any]) -> None:
    del b["batch"]["header"]["sealed_at"]


def _header_not_canonical(b: dict[str, Any]) -> None:
    b["batch"]["header"]["ledger_id"] = 1.5


def _path_hash(b: dict[str, Any]) -> None:
    b["inclusion"]["hashes"][0] = "00" * 32


def _path_short(b: dict[str, Any]) -> None:
    b["inclusion"]["hashes"].pop()


def _path_not_hex(b: dict[str, Any]) -> None:
    b["inclusion"]["hashes"][0] = "xy" * 32


def _tree_size(b: dict[str, Any]) -> None:
    b["inclusion"]["tree_size"] = 4


def _index(b: dict[str, Any]) -> None:
    b["inclusion"]["leaf_index"] = 2


def _index_outside(b: dict[str, Any]) -> None:
    b["inclusion"]["leaf_index"] = 5


def _root(b: dict[str, Any]) -> None:
    b["batch"]["header"]["merkle_root"] = "11" * 32
    resign(b)


def _stated_hash(b: dict[str, Any]) -> None:
    b["batch"]["header_hash"] = "22" * 32


def _signature(b: dict[str, Any]) -> None:
    b["batch"]["signature"] = OTHER.sign(header_bytes(b["batch"]["header"]))


def _signature_short(b: dict[str, Any]) -> None:
    b["batch"]["signature"] = "AAAA"


#: (the check that must fail alone, the tampering)
SINGLE_FAILURES: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("commitment", _event),
    ("commitment", _salt_only),
    ("commitment", _event_only),
    ("commitment", _salt_not_hex),
    ("commitment", _event_not_canonical),
    ("leaf_hash", _leaf),
    ("inclusion", _path_hash),
    ("inclusion", _path_short),
    ("inclusion", _path_not_hex),
    ("inclusion", _tree_size),
    ("inclusion", _index),
    ("inclusion", _index_outside),
    ("inclusion", _root),
    ("header_hash", _stated_hash),
    ("header_signature", _signature),
    ("header_signature", _signature_short),
]


@pytest.mark.parametrize(("name", "tamper"), SINGLE_FAILURES,
                         ids=[f"{n}-{t.__name__.strip('_')}" for n, t in SINGLE_FAILURES])
def test_only_the_named_check_fails(name: str, tamper: Callable[[dict[str, Any]], None]) -> None:
    expected = baseline()
    bundle = make_bundle()
    tamper(bundle)
    verdict = verify_bundle(bundle, policy=PINNED, reader=holding(bundle))
    expected[name] = FAIL
    assert statuses(verdict) == expected
    assert verdict.verdict == INVALID
    assert verdict.exit_code == 1


@pytest.mark.parametrize("tamper", [_header_missing_field, _header_not_canonical])
def test_header_format_stops_checking(tamper: Callable[[dict[str, Any]], None]) -> None:
    bundle = make_bundle()
    reader = holding(bundle)
    tamper(bundle)
    verdict = verify_bundle(bundle, policy=PINNED, reader=reader)
    assert [(c.name, c.status) for c in verdict.checks] == [
        ("commitment", PASS), ("leaf_hash", PASS), ("header_format", FAIL)]
    assert verdict.verdict == INVALID


def test_anchor_holding_another_header_fails() -> None:
    bundle = make_bundle()
    reader = Reader({"evm": StoredHeader(None, "33" * 32)})
    verdict = verify_bundle(bundle, policy=PINNED, reader=reader)
    expected = baseline()
    expected["anchor.evm"] = FAIL
    assert statuses(verdict) == expected
    assert verdict.verdict == INVALID
    assert "33" * 32 in verdict.check("anchor.evm").detail


def test_anchor_with_same_hash_but_other_full_header_fails() -> None:
    """A ledger keeping the whole header must hold this very header, not just its hash."""
    bundle = make_bundle()
    other = dict(bundle["batch"]["header"], seq=4)
    reader = Reader({"fabric": StoredHeader(other, header_hash(bundle["batch"]["header"]))})
    bundle["anchors"] = [{"backend": "fabric"}]
    verdict = verify_bundle(bundle, policy=PINNED, reader=reader)
    assert verdict.check("anchor.fabric").status == FAIL
    assert verdict.verdict == INVALID
    full = holding(bundle, backend="fabric", full=True)
    assert verify_bundle(bundle, policy=PINNED, reader=full).check("anchor.fabric").status == PASS


def test_anchor_nothing_at_seq_fails() -> None:
    bundle = make_bundle()
    verdict = verify_bundle(bundle, policy=PINNED, reader=Reader({"evm": None}))
    assert verdict.check("anchor.evm").status == FAIL
    assert "seq 3" in verdict.check("anchor.evm").detail
    assert verdict.verdict == INVALID


def test_anchor_unreadable_fails_and_reader_gets_receipt_and_header() -> None:
    bundle = make_bundle()
    reader = holding(bundle)
    reader.error = True
    verdict = verify_bundle(bundle, policy=PINNED, reader=reader)
    assert verdict.check("anchor.evm").status == FAIL
    assert "node unreachable" in verdict.check("anchor.evm").detail
    assert reader.calls == [(bundle["anchors"][0], bundle["batch"]["header"])]


@pytest.mark.parametrize("receipt", [{"tx": "0x01"}, "evm", {"backend": 7}])
def test_receipt_without_backend_fails_as_anchor(receipt: Any) -> None:
    bundle = make_bundle(anchors=[receipt, {"backend": "evm"}])
    verdict = verify_bundle(bundle, policy=PINNED, reader=holding(bundle))
    expected = baseline()
    expected["anchor"] = FAIL
    assert statuses(verdict) == expected
    assert [c.name for c in verdict.checks][-2:] == ["anchor", "anchor.evm"]
    assert verdict.verdict == INVALID


def test_every_receipt_is_checked() -> None:
    bundle = make_bundle(anchors=[{"backend": "evm"}, {"backend": "fabric"}])
    reader = Reader({"evm": holding(bundle).stored["evm"], "fabric": None})
    verdict = verify_bundle(bundle, policy=PINNED, reader=reader)
    assert (verdict.check("anchor.evm").status, verdict.check("anchor.fabric").status) == (
        PASS, FAIL)


# --- not_checked: what the verifier could not judge -------------------------------------


def test_erased_event_is_not_checked_and_still_valid() -> None:
    bundle = make_bundle()
    bundle["event"] = bundle["salt"] = None
    verdict = verify_bundle(bundle, policy=PINNED, reader=holding(bundle))
    expected = baseline()
    expected["commitment"] = NOT_CHECKED
    assert statuses(verdict) == expected
    assert verdict.verdict == VALID


@pytest.mark.parametrize("reader", [None, Reader({"fabric": None})])
def test_receipt_on_an_unpinned_ledger_is_not_checked(reader: Reader | None) -> None:
    bundle = make_bundle()
    verdict = verify_bundle(bundle, policy=PINNED, reader=reader)
    expected = baseline()
    expected["anchor.evm"] = NOT_CHECKED
    assert statuses(verdict) == expected
    assert verdict.verdict == VALID  # the pinned key alone is a trust anchor
    assert reader is None or reader.calls == []


def test_no_anchor_is_a_warning_not_a_check() -> None:
    bundle = make_bundle(anchors=[])
    verdict = verify_bundle(bundle, policy=PINNED)
    assert "anchor.evm" not in statuses(verdict)
    assert verdict.warnings and "not anchored" in verdict.warnings[0]
    assert verdict.verdict == VALID
    bundle["anchors"] = None
    assert verify_bundle(bundle, policy=PINNED).verdict == VALID


def test_pinned_ledger_alone_makes_a_valid_verdict() -> None:
    bundle = make_bundle()
    verdict = verify_bundle(bundle, reader=holding(bundle))
    assert verdict.check("header_signature").status == NOT_CHECKED
    assert verdict.check("anchor.evm").status == PASS
    assert verdict.check("anchor.evm").trust is True
    assert verdict.verdict == VALID


# --- policies: which key judges the signature --------------------------------------------


def _policy_cases() -> list[tuple[str, Any, dict[str, Any], str, str]]:
    return [
        ("pinned", PINNED, {}, PASS, VALID),
        ("pinned-dict", None, {"pinned_keys": {KEY.key_id: KEY.public_key_b64}}, PASS, VALID),
        ("pinned-other", PinnedKeys.of(OTHER.public_key_b64), {}, FAIL, INVALID),
        ("unpinned", Unpinned(), {}, NOT_CHECKED, UNVERIFIED),
        ("default", None, {}, NOT_CHECKED, UNVERIFIED),
        ("empty-pinned-dict", None, {"pinned_keys": {}}, NOT_CHECKED, UNVERIFIED),
        ("unsafe", UnsafeNoOp(), {}, PASS, VALID),
        ("check-only", CheckOnly(KEY.public_key_b64), {}, NOT_CHECKED, UNVERIFIED),
        ("check-only-other", CheckOnly(OTHER.public_key_b64), {}, FAIL, INVALID),
    ]


@pytest.mark.parametrize(("label", "policy", "kwargs", "status", "answer"), _policy_cases(),
                         ids=[c[0] for c in _policy_cases()])
def test_policy_decides_the_signature(label: str, policy: Any, kwargs: dict[str, Any],
                                      status: str, answer: str) -> None:
    bundle = make_bundle()
    verdict = verify_bundle(bundle, policy=policy, **kwargs)
    got = statuses(verdict)
    assert got.pop("header_signature") == status
    assert got == {"commitment": PASS, "leaf_hash": PASS, "inclusion": PASS,
                   "header_hash": PASS, "anchor.evm": NOT_CHECKED}
    assert verdict.verdict == answer
    assert verdict.check("header_signature").trust is (answer == VALID)
    assert any("UnsafeNoOp" in w for w in verdict.warnings) is (label == "unsafe")


def test_pinned_key_judges_even_when_the_bundle_carries_a_forger_key() -> None:
    """A forger's own key and signature verify under Unpinned, never under the pinned key."""
    forged = make_bundle(key=OTHER)
    assert verify_bundle(forged).verdict == UNVERIFIED
    assert verify_bundle(forged, policy=UnsafeNoOp()).verdict == VALID
    verdict = verify_bundle(forged, policy=PINNED)
    assert verdict.check("header_signature").status == FAIL
    assert verdict.verdict == INVALID


def test_pinned_key_id_not_found_names_the_id() -> None:
    bundle = make_bundle()
    policy = PinnedKeys({KEY.key_id: KEY.public_key_b64, OTHER.key_id: OTHER.public_key_b64})
    bundle["batch"]["key_id"] = "ed25519:0000000000000000"
    verdict = verify_bundle(bundle, policy=policy)
    assert verdict.check("header_signature").status == FAIL
    assert "ed25519:0000000000000000" in verdict.check("header_signature").detail


def test_pinned_keys_pick_the_key_by_id() -> None:
    bundle = make_bundle(key=OTHER)
    policy = PinnedKeys({KEY.key_id: KEY.public_key_b64, OTHER.key_id: OTHER.public_key_b64})
    verdict = verify_bundle(bundle, policy=policy)
    assert verdict.check("header_signature").status == PASS
    assert OTHER.key_id in verdict.check("header_signature").detail


def test_key_id_not_of_the_key_used_fails() -> None:
    bundle = make_bundle()
    bundle["batch"]["key_id"] = OTHER.key_id
    verdict = verify_bundle(bundle, policy=PINNED)
    assert verdict.check("header_signature").status == FAIL
    assert OTHER.key_id in verdict.check("header_signature").detail
    assert KEY.key_id in verdict.check("header_signature").detail
    verdict = verify_bundle(bundle)  # unpinned: the embedded key does not match its id either
    assert verdict.check("header_signature").status == FAIL


def test_bundle_without_key_id_checks_against_the_single_pinned_key() -> None:
    bundle = make_bundle()
    bundle["batch"]["key_id"] = None
    assert verify_bundle(bundle, policy=PINNED).check("header_signature").status == PASS


def test_unpinned_without_embedded_key_is_not_checked() -> None:
    bundle = make_bundle()
    bundle["batch"]["public_key"] = None
    verdict = verify_bundle(bundle)
    assert verdict.check("header_signature").status == NOT_CHECKED
    assert verdict.verdict == UNVERIFIED


def test_embedded_key_not_a_key_fails() -> None:
    bundle = make_bundle()
    bundle["batch"]["public_key"] = "AAAA"
    assert verify_bundle(bundle).check("header_signature").status == FAIL


# --- not a bundle at all ----------------------------------------------------------------


def _drop(name: str) -> Callable[[dict[str, Any]], None]:
    return lambda b: b.pop(name)


@pytest.mark.parametrize("tamper", [
    lambda b: b.update(version=2),
    _drop("commitment"), _drop("leaf_hash"), _drop("inclusion"), _drop("batch"),
    lambda b: b.update(inclusion=[]),
    lambda b: b.update(batch="x"),
    lambda b: b["inclusion"].update(leaf_index="1"),
    lambda b: b["inclusion"].update(leaf_index=True),
    lambda b: b["inclusion"].update(tree_size=None),
    lambda b: b["inclusion"].update(hashes="ab"),
    lambda b: b["batch"].pop("header"),
    lambda b: b["batch"].pop("header_hash"),
    lambda b: b["batch"].pop("signature"),
    lambda b: b["batch"].update(header_hash=1),
    lambda b: b["batch"].update(signature=None),
    lambda b: b["batch"].update(key_id=1),
    lambda b: b["batch"].update(public_key=[]),
    lambda b: b.update(anchors={}),
    lambda b: b.update(event=[]),
    lambda b: b.update(salt=1),
    lambda b: b.update(commitment="AB" * 32),
    lambda b: b.update(commitment="ab" * 31),
    lambda b: b.update(leaf_hash="zz" * 32),
    lambda b: b.update(leaf_hash=None),
])
def test_not_a_bundle(tamper: Callable[[dict[str, Any]], None]) -> None:
    bundle = copy.deepcopy(make_bundle())
    tamper(bundle)
    with pytest.raises(BundleFormatError):
        verify_bundle(bundle, policy=PINNED)


def test_not_an_object() -> None:
    with pytest.raises(BundleFormatError):
        verify_bundle([make_bundle()])
