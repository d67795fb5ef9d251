"""What the verifier tells a person, word for word: every check's detail and every refusal.

The named-check tests pin each check's status; this file pins what the
verifier *says* in each of those situations (the detail text the CLI and the
API print, the warnings, ``how_to_pin``, and the message of a refused
document), so that a check which silently changed its explanation, or
explained a failure with a pass's text, is noticed. The expected output of
every scenario is in ``details.json``; after an intended wording change,
regenerate it with ``python -m tests.proof.test_details`` and review the diff.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ledger_proof.bundle import verify_bundle
from ledger_proof.certificates.multibase import did_key, did_key_method
from ledger_proof.certificates.verify import verify_certificate
from ledger_proof.headers import header_hash
from ledger_proof.ledgers.base import StoredHeader
from ledger_proof.policy import CheckOnly, PinnedKeys, Unpinned, UnsafeNoOp
from ledger_proof.signing import b64e

from . import test_bundle_checks as tb
from . import test_certificate_checks as tc
from .builders import (
    Reader,
    fabric_reader,
    holding,
    make_bundle,
    make_certificate,
    service_key,
    status_fetcher,
    token_reader,
)

GOLDEN = Path(__file__).with_name("details.json")

Scenario = Callable[[], Any]
SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str) -> Callable[[Scenario], Scenario]:
    def register(fn: Scenario) -> Scenario:
        assert name not in SCENARIOS, name
        SCENARIOS[name] = fn
        return fn
    return register


def _bundle_case(tamper: Callable[[dict[str, Any]], None], *, policy: Any = tb.PINNED,
                 reader: Any = "holding") -> Scenario:
    def run() -> Any:
        bundle = make_bundle()
        pinned_reader = holding(bundle) if reader == "holding" else reader
        tamper(bundle)
        return verify_bundle(bundle, policy=policy, reader=pinned_reader)
    return run


def _set(path: tuple[str, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def tamper(bundle: dict[str, Any]) -> None:
        target = bundle
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
    return tamper


def _nothing(bundle: dict[str, Any]) -> None:
    return None


# --- bundles ---------------------------------------------------------------------------

SCENARIOS["bundle.valid"] = _bundle_case(_nothing)
for _name, _tamper in tb.SINGLE_FAILURES:
    SCENARIOS[f"bundle.{_name}.{_tamper.__name__.strip('_')}"] = _bundle_case(_tamper)

for _label, _path, _value in [
    ("not_an_object", ("batch", "header"), "x"),
    ("size_zero", ("batch", "header", "size"), 0),
    ("seq_negative", ("batch", "header", "seq"), -1),
    ("seq_bool", ("batch", "header", "seq"), True),
    ("version_text", ("batch", "header", "version"), "1"),
    ("root_upper", ("batch", "header", "merkle_root"), "AB" * 32),
    ("root_short", ("batch", "header", "merkle_root"), "ab" * 31),
    ("root_number", ("batch", "header", "merkle_root"), 7),
    ("prev_not_hex", ("batch", "header", "prev_header_hash"), "g" * 64),
    ("not_canonical", ("batch", "header", "ledger_id"), 1.5),
]:
    SCENARIOS[f"bundle.header_format.{_label}"] = _bundle_case(_set(_path, _value))


def _header_lacks_two(bundle: dict[str, Any]) -> None:
    del bundle["batch"]["header"]["sealed_at"]
    del bundle["batch"]["header"]["seq"]


SCENARIOS["bundle.header_format.lacks_two"] = _bundle_case(_header_lacks_two)
SCENARIOS["bundle.commitment.erased"] = _bundle_case(lambda b: b.update(event=None, salt=None))
SCENARIOS["bundle.commitment.salt_odd"] = _bundle_case(_set(("salt",), "abc"))
SCENARIOS["bundle.commitment.big_integer"] = _bundle_case(
    lambda b: b["event"]["payload"].update(score=2**60))
SCENARIOS["bundle.inclusion.path_long"] = _bundle_case(
    lambda b: b["inclusion"]["hashes"].append("00" * 32))
SCENARIOS["bundle.inclusion.path_upper"] = _bundle_case(
    lambda b: b["inclusion"]["hashes"].__setitem__(0, b["inclusion"]["hashes"][0].upper()))
SCENARIOS["bundle.inclusion.path_short_hash"] = _bundle_case(
    lambda b: b["inclusion"]["hashes"].__setitem__(0, "ab"))
SCENARIOS["bundle.inclusion.index_negative"] = _bundle_case(_set(("inclusion", "leaf_index"), -1))
SCENARIOS["bundle.header_signature.not_base64"] = _bundle_case(
    _set(("batch", "signature"), "not base64!"))


def _keyless(bundle: dict[str, Any]) -> None:
    bundle["batch"]["public_key"] = None


SCENARIOS["bundle.anchor.other_header"] = _bundle_case(
    _nothing, reader=Reader({"evm": StoredHeader(None, "33" * 32)}))
SCENARIOS["bundle.anchor.nothing_at_seq"] = _bundle_case(_nothing, reader=Reader({"evm": None}))
SCENARIOS["bundle.anchor.unreadable"] = _bundle_case(_nothing, reader=Reader({"evm": None},
                                                                             error=True))
SCENARIOS["bundle.anchor.unpinned_ledger"] = _bundle_case(_nothing, reader=None)
SCENARIOS["bundle.anchor.other_ledger_pinned"] = _bundle_case(_nothing,
                                                              reader=Reader({"fabric": None}))
SCENARIOS["bundle.anchor.none"] = _bundle_case(_set(("anchors",), []))
SCENARIOS["bundle.anchor.null"] = _bundle_case(_set(("anchors",), None))
for _i, _receipt in enumerate([{"tx": "0x01"}, "evm", {"backend": 7}]):
    SCENARIOS[f"bundle.anchor.no_backend.{_i}"] = _bundle_case(
        _set(("anchors",), [_receipt, {"backend": "evm"}]))


@scenario("bundle.anchor.each_receipt")
def _each_receipt() -> Any:
    """Every receipt is judged, whatever the one before it concluded."""
    bundle = make_bundle(anchors=[{"backend": "btc"}, {"backend": "fabric"}, {"backend": "evm"},
                                  {"backend": "evm", "tx": "0x02"}])
    reader = holding(bundle)
    reader.stored["fabric"] = None
    return verify_bundle(bundle, policy=tb.PINNED, reader=reader)


@scenario("bundle.anchor.each_unreadable")
def _each_unreadable() -> Any:
    bundle = make_bundle(anchors=[{"backend": "evm"}, {"backend": "evm", "tx": "0x02"}])
    return verify_bundle(bundle, policy=tb.PINNED, reader=Reader({"evm": None}, error=True))


@scenario("bundle.anchor.full_header_differs")
def _full_header_differs() -> Any:
    bundle = make_bundle(anchors=[{"backend": "fabric"}])
    other = dict(bundle["batch"]["header"], seq=4)
    reader = Reader({"fabric": StoredHeader(other, header_hash(bundle["batch"]["header"]))})
    return verify_bundle(bundle, policy=tb.PINNED, reader=reader)


@scenario("bundle.anchor.full_header_same")
def _full_header_same() -> Any:
    bundle = make_bundle(anchors=[{"backend": "fabric"}])
    return verify_bundle(bundle, policy=tb.PINNED,
                         reader=holding(bundle, backend="fabric", full=True))


@scenario("bundle.anchor.ledger_alone")
def _ledger_alone() -> Any:
    bundle = make_bundle()
    return verify_bundle(bundle, reader=holding(bundle))


for _label, _policy, _kwargs, _status, _answer in tb._policy_cases():
    def _policy_run(policy: Any = _policy, kwargs: dict[str, Any] = _kwargs) -> Any:
        return verify_bundle(make_bundle(), policy=policy, **kwargs)
    SCENARIOS[f"bundle.policy.{_label}"] = _policy_run

SCENARIOS["bundle.policy.forger_unpinned"] = lambda: verify_bundle(make_bundle(key=tb.OTHER))
SCENARIOS["bundle.policy.forger_pinned"] = lambda: verify_bundle(make_bundle(key=tb.OTHER),
                                                                 policy=tb.PINNED)
_TWO_KEYS = PinnedKeys({tb.KEY.key_id: tb.KEY.public_key_b64,
                        tb.OTHER.key_id: tb.OTHER.public_key_b64})
SCENARIOS["bundle.policy.id_not_pinned"] = _bundle_case(
    _set(("batch", "key_id"), "ed25519:0000000000000000"), policy=_TWO_KEYS, reader=None)
SCENARIOS["bundle.policy.id_not_str"] = _bundle_case(
    _set(("batch", "key_id"), None), policy=_TWO_KEYS, reader=None)
SCENARIOS["bundle.policy.pick_by_id"] = lambda: verify_bundle(make_bundle(key=tb.OTHER),
                                                              policy=_TWO_KEYS)
SCENARIOS["bundle.policy.id_of_other_key"] = _bundle_case(
    _set(("batch", "key_id"), tb.OTHER.key_id), reader=None)
SCENARIOS["bundle.policy.id_of_other_key_unpinned"] = _bundle_case(
    _set(("batch", "key_id"), tb.OTHER.key_id), policy=Unpinned(), reader=None)
SCENARIOS["bundle.policy.no_key_id"] = _bundle_case(_set(("batch", "key_id"), None), reader=None)
SCENARIOS["bundle.policy.no_embedded_key"] = _bundle_case(_keyless, policy=Unpinned(),
                                                          reader=None)
SCENARIOS["bundle.policy.no_embedded_key_unsafe"] = _bundle_case(_keyless, policy=UnsafeNoOp(),
                                                                 reader=None)
SCENARIOS["bundle.policy.embedded_key_short"] = _bundle_case(
    _set(("batch", "public_key"), "AAAA"), policy=Unpinned(), reader=None)
SCENARIOS["bundle.policy.embedded_key_not_base64"] = _bundle_case(
    _set(("batch", "public_key"), "*" * 44), policy=Unpinned(), reader=None)
SCENARIOS["bundle.policy.check_only_named"] = _bundle_case(
    _nothing, policy=CheckOnly(tb.KEY.public_key_b64, "the issuer's key"), reader=None)


def _drop(name: str) -> Callable[[dict[str, Any]], None]:
    return lambda b: b.pop(name)


for _label, _tamper in [
    ("version", _set(("version",), 2)),
    ("no_version", _drop("version")),
    *[(f"lacks_{n}", _drop(n)) for n in ("commitment", "leaf_hash", "inclusion", "batch")],
    ("inclusion_list", _set(("inclusion",), [])),
    ("batch_text", _set(("batch",), "x")),
    ("leaf_index_text", _set(("inclusion", "leaf_index"), "1")),
    ("leaf_index_bool", _set(("inclusion", "leaf_index"), True)),
    ("tree_size_null", _set(("inclusion", "tree_size"), None)),
    ("hashes_text", _set(("inclusion", "hashes"), "ab")),
    *[(f"batch_lacks_{n}", lambda b, n=n: b["batch"].pop(n))
      for n in ("header", "header_hash", "signature")],
    ("header_hash_number", _set(("batch", "header_hash"), 1)),
    ("signature_null", _set(("batch", "signature"), None)),
    ("key_id_number", _set(("batch", "key_id"), 1)),
    ("public_key_list", _set(("batch", "public_key"), [])),
    ("anchors_object", _set(("anchors",), {})),
    ("event_list", _set(("event",), [])),
    ("salt_number", _set(("salt",), 1)),
    ("commitment_upper", _set(("commitment",), "AB" * 32)),
    ("commitment_short", _set(("commitment",), "ab" * 31)),
    ("commitment_not_hex", _set(("commitment",), "zz" * 32)),
    ("leaf_hash_not_hex", _set(("leaf_hash",), "zz" * 32)),
    ("leaf_hash_null", _set(("leaf_hash",), None)),
]:
    SCENARIOS[f"bundle.refused.{_label}"] = _bundle_case(_tamper)
SCENARIOS["bundle.refused.not_an_object"] = lambda: verify_bundle([make_bundle()])


# --- certificates ----------------------------------------------------------------------

def _cert_case(make: Callable[[], dict[str, Any]], **kwargs: Any) -> Scenario:
    return lambda: tc.check(make(), **kwargs)


OTHER_PUB = bytes(tc.OTHER.verify_key)

SCENARIOS["cert.valid"] = _cert_case(make_certificate)
SCENARIOS["cert.format.type"] = _cert_case(
    lambda: tc.resigned(lambda d: d.update(type=["VerifiableCredential"])))
SCENARIOS["cert.format.type_text"] = _cert_case(
    lambda: tc.resigned(lambda d: d.update(type="CreditRatingCertificate")))
SCENARIOS["cert.format.context"] = _cert_case(
    lambda: tc.resigned(lambda d: d.update({"@context": ["https://example.org/v1"]})))
SCENARIOS["cert.format.context_empty"] = _cert_case(
    lambda: tc.resigned(lambda d: d.update({"@context": []})))
SCENARIOS["cert.format.all"] = _cert_case(
    lambda: tc.resigned(lambda d: d.update({"@context": "x", "type": None,
                                            "credentialSubject": "x"})))


def _forged_name() -> dict[str, Any]:
    cert = make_certificate()
    cert["issuer"]["name"] = "Forger"
    return cert


def _proof_value_broken() -> dict[str, Any]:
    cert = make_certificate()
    cert["proof"]["proofValue"] = "x"
    return cert


SCENARIOS["cert.signature.altered"] = _cert_case(_forged_name)
SCENARIOS["cert.signature.proof_value"] = _cert_case(_proof_value_broken)
SCENARIOS["cert.issuer.other_did"] = _cert_case(lambda: tc.resigned(
    lambda d: d.update(issuer={"id": did_key(OTHER_PUB)})))
SCENARIOS["cert.issuer.not_did_key"] = _cert_case(lambda: tc.resigned(
    lambda d: d.update(issuer="https://issuer.example")))
SCENARIOS["cert.issuer.plain_did"] = _cert_case(lambda: tc.resigned(
    lambda d: d.update(issuer=did_key(tc.PUB))))
SCENARIOS["cert.issuer.id_is_the_method"] = _cert_case(lambda: tc.resigned(
    lambda d: d.update(issuer={"id": did_key_method(tc.PUB)})))
SCENARIOS["cert.issuer.fragment"] = _cert_case(lambda: tc.resigned(
    lambda d: d.update(issuer={"id": did_key(tc.PUB) + "#x"})))
SCENARIOS["cert.issuer.other_key_pinned_platform"] = _cert_case(
    lambda: make_certificate(key=tc.OTHER), fetcher=status_fetcher(tc.OTHER))
SCENARIOS["cert.issuer.unpinned_forgery"] = _cert_case(
    lambda: make_certificate(key=tc.OTHER), policy=Unpinned(), fetcher=status_fetcher(tc.OTHER),
    fabric=None, reader=None)
SCENARIOS["cert.validity.after"] = _cert_case(make_certificate, at=datetime(2028, 1, 1, tzinfo=UTC))
SCENARIOS["cert.validity.before"] = _cert_case(make_certificate,
                                               at=datetime(2025, 12, 31, tzinfo=UTC))
SCENARIOS["cert.validity.missing"] = _cert_case(lambda: tc.resigned(lambda d: d.pop("validUntil")))
SCENARIOS["cert.validity.not_a_date"] = _cert_case(
    lambda: tc.resigned(lambda d: d.update(validFrom="soon")))
SCENARIOS["cert.evidence.none"] = _cert_case(
    lambda: tc.resigned(lambda d: d.update(evidence=[])), reader=None)
SCENARIOS["cert.evidence.matches_grade"] = _cert_case(lambda: tc.resigned(
    lambda d: d["credentialSubject"]["creditRating"].update(grade="AAA", score=1)))
for _field in ["unifiedSocialCreditCode", "scoreEvent", "model", "dimensions"]:
    def _change(d: dict[str, Any], field: str = _field) -> None:
        subject = d["credentialSubject"]
        target = subject if field == "unifiedSocialCreditCode" else subject["creditRating"]
        target[field] = "other"
    SCENARIOS[f"cert.evidence.matches_{_field}"] = _cert_case(
        lambda change=_change: tc.resigned(change))


def _event_type_bundle() -> dict[str, Any]:
    bundle = make_bundle(key=service_key())
    bundle["event"]["type"] = "score.requested"
    return make_certificate(bundle=bundle)


def _payload_not_object() -> dict[str, Any]:
    return tc.resigned(lambda d: d["evidence"][0]["proofBundle"]["event"].update(payload="x"))


def _dimensions_not_object() -> dict[str, Any]:
    return tc.resigned(lambda d: d["evidence"][0]["proofBundle"]["event"]["payload"].update(
        dimensions="x"))


SCENARIOS["cert.evidence.event_type"] = _cert_case(_event_type_bundle)
SCENARIOS["cert.evidence.payload_not_object"] = _cert_case(_payload_not_object)
SCENARIOS["cert.evidence.dimensions_not_object"] = _cert_case(_dimensions_not_object)
SCENARIOS["cert.evidence.subject_not_object"] = _cert_case(
    lambda: tc.resigned(lambda d: d.update(credentialSubject="x")))
SCENARIOS["cert.evidence.rating_not_object"] = _cert_case(
    lambda: tc.resigned(lambda d: d["credentialSubject"].update(creditRating="x")))


def _erased_evidence() -> dict[str, Any]:
    bundle = make_bundle()
    bundle["event"] = bundle["salt"] = None
    return tc.resigned(lambda d: d["evidence"][0].update(proofBundle=bundle))


SCENARIOS["cert.evidence.erased"] = _cert_case(_erased_evidence)
SCENARIOS["cert.evidence.anchor_unpinned"] = _cert_case(make_certificate, reader=None)
SCENARIOS["cert.evidence.anchor_missing"] = _cert_case(make_certificate,
                                                       reader=Reader({"evm": None}))
SCENARIOS["cert.evidence.not_anchored"] = _cert_case(
    lambda: make_certificate(bundle=make_bundle(anchors=[])))
SCENARIOS["cert.evidence.other_key"] = _cert_case(
    lambda: make_certificate(bundle=make_bundle(key=service_key(bytes(range(1, 33))))))
SCENARIOS["cert.evidence.other_key_unpinned"] = _cert_case(
    lambda: make_certificate(bundle=make_bundle(key=service_key(bytes(range(1, 33))))),
    policy=Unpinned())


def _evidence_version() -> dict[str, Any]:
    bundle = make_bundle()
    bundle["version"] = 2
    return make_certificate(bundle=bundle)


SCENARIOS["cert.refused.evidence_version"] = _cert_case(_evidence_version)
SCENARIOS["cert.format_id.not_uuid"] = _cert_case(
    lambda: tc.resigned(lambda d: d.update(id="urn:uuid:not-a-uuid")))
SCENARIOS["cert.format_id.not_urn"] = _cert_case(
    lambda: tc.resigned(lambda d: d.update(id="https://example.org/1")))
SCENARIOS["cert.format_id.missing"] = _cert_case(lambda: tc.resigned(lambda d: d.pop("id")))
SCENARIOS["cert.status.revoked"] = _cert_case(make_certificate,
                                              fetcher=status_fetcher(revoked=(7,)))
SCENARIOS["cert.status.neighbours_revoked"] = _cert_case(
    make_certificate, fetcher=status_fetcher(revoked=(6, 8)))
SCENARIOS["cert.status.other_signer"] = _cert_case(make_certificate,
                                                   fetcher=status_fetcher(tc.OTHER))
SCENARIOS["cert.status.other_list"] = _cert_case(
    make_certificate, fetcher=status_fetcher(url="https://ledger.example/status/2"))


def _offline(url: str) -> dict[str, Any]:
    raise OSError("offline")


SCENARIOS["cert.status.offline"] = _cert_case(make_certificate, fetcher=_offline)
SCENARIOS["cert.status.no_proof"] = _cert_case(make_certificate, fetcher=lambda url: {"proof": {}})
SCENARIOS["cert.status.not_fetched"] = _cert_case(make_certificate, fetcher=None)
SCENARIOS["cert.status.no_entry"] = _cert_case(
    lambda: tc.resigned(lambda d: d.update(credentialStatus={"type": "Other"})))
SCENARIOS["cert.refused.status_index"] = _cert_case(
    lambda: tc.resigned(lambda d: d["credentialStatus"].update(statusListIndex="x")))
SCENARIOS["cert.status.unpinned"] = _cert_case(make_certificate, policy=Unpinned())
SCENARIOS["cert.status.signature_broken"] = _cert_case(_forged_name, fetcher=status_fetcher())


def _fabric_case(**kwargs: Any) -> Scenario:
    cert = make_certificate()
    return lambda: tc.check(copy.deepcopy(cert), **kwargs)


def _peer_down(cid: str) -> dict[str, Any]:
    raise RuntimeError("peer down")


_CERT = make_certificate()
SCENARIOS["cert.fabric.revoked"] = _fabric_case(fabric=fabric_reader(_CERT, status="revoked"))
SCENARIOS["cert.fabric.unregistered"] = _fabric_case(fabric=lambda cid: None)
SCENARIOS["cert.fabric.other_hash"] = _fabric_case(
    fabric=fabric_reader(make_certificate(token=False)))
SCENARIOS["cert.fabric.unreadable"] = _fabric_case(fabric=_peer_down)
SCENARIOS["cert.fabric.not_read"] = _fabric_case(fabric=None)
SCENARIOS["cert.fabric.alone"] = _fabric_case(policy=Unpinned(), fetcher=None, tokens=None,
                                              reader=None)


def _rpc_down(binding: dict[str, Any]) -> dict[str, Any]:
    raise RuntimeError("rpc down")


for _label, _override in [("never_minted", {"exists": False}), ("unlocked", {"locked": False}),
                          ("locked_one", {"locked": 1}), ("revoked", {"revoked": True}),
                          ("revoked_null", {"revoked": None}), ("uri", {"token_uri": "x"})]:
    SCENARIOS[f"cert.token.{_label}"] = _fabric_case(tokens=token_reader(_CERT, **_override))
SCENARIOS["cert.token.unreadable"] = _fabric_case(tokens=_rpc_down)
SCENARIOS["cert.token.not_read"] = _fabric_case(tokens=None)
SCENARIOS["cert.token.wrong_id"] = _cert_case(
    lambda: tc.resigned(lambda d: d["tokenBinding"].update(tokenId="1")))


def _unhashable() -> dict[str, Any]:
    """JCS refuses the document (an integer beyond 2^53): no signature, no credential hash."""
    cert = make_certificate()
    cert["credentialSubject"]["creditRating"]["score"] = 2**64
    return cert


SCENARIOS["cert.token.unhashable"] = _cert_case(
    _unhashable, fabric=lambda cid: {"credential_hash": None, "status": "active"},
    tokens=lambda binding: {"exists": True, "locked": True, "revoked": False})
SCENARIOS["cert.token.unbound"] = _cert_case(lambda: make_certificate(token=False))
for _label, _policy in [("pinned", PinnedKeys.of(b64e(tc.PUB))), ("unsafe", UnsafeNoOp()),
                        ("unpinned", Unpinned()), ("check_only", CheckOnly(b64e(tc.PUB))),
                        ("pinned_other", PinnedKeys.of(b64e(OTHER_PUB)))]:
    SCENARIOS[f"cert.policy.{_label}"] = _fabric_case(policy=_policy, fabric=None, reader=None)
SCENARIOS["cert.policy.trusted_keys"] = _fabric_case(trusted=[tc.PUB])
SCENARIOS["cert.policy.trusted_keys_empty"] = _fabric_case(trusted=[])
SCENARIOS["cert.refused.not_an_object"] = lambda: verify_certificate([])
SCENARIOS["cert.refused.no_proof"] = lambda: verify_certificate({"proof": "x"})


def outcome(run: Scenario) -> dict[str, Any]:
    """Everything a person or a program sees of one verification.

    Checks are listed as [name, status, ok, trust, detail], from ``as_dict``.
    """
    try:
        verdict = run()
    except Exception as exc:  # the refusals are part of what is pinned
        return {"raises": type(exc).__name__, "message": str(exc)}
    doc = verdict.as_dict()
    doc["checks"] = [[shown.pop("name"), shown.pop("status"), shown.pop("ok"), check.trust,
                      shown.pop("detail"), *shown.items()]
                     for check, shown in zip(verdict.checks, doc["checks"], strict=True)]
    doc["exit_code"] = verdict.exit_code
    return doc


def _expected() -> dict[str, Any]:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_every_scenario_is_pinned() -> None:
    assert sorted(_expected()) == sorted(SCENARIOS)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_what_the_verifier_says(name: str) -> None:
    assert outcome(SCENARIOS[name]) == _expected()[name]


def write() -> None:
    """Regenerate details.json: one line per check, so a wording change is a one-line diff."""
    parts = []
    for name, run in sorted(SCENARIOS.items()):
        doc = outcome(run)
        checks = doc.pop("checks", None)
        body = json.dumps(doc, ensure_ascii=False, sort_keys=True)
        if checks is not None:
            lines = ",\n   ".join(json.dumps(c, ensure_ascii=False) for c in checks)
            body = body[:-1] + (", " if doc else "") + f'"checks": [\n   {lines}]}}'
        parts.append(f" {json.dumps(name)}: {body}")
    GOLDEN.write_text("{\n" + ",\n".join(parts) + "\n}\n", encoding="utf-8")


if __name__ == "__main__":
    write()
