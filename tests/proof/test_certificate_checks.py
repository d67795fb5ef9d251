"""Each named check of certificate verification, failing alone, and what pinning changes.

A certificate here is fully reachable: pinned issuer key, a status list
fetcher, a Fabric registry reader, a token reader and the pinned ledger of
its evidence. Each case breaks one thing (re-signing the credential where
the tampering would otherwise also break the proof) and lists every check
whose status must change; all others keep theirs.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from ledger_proof.certificates.multibase import did_key, did_key_method
from ledger_proof.certificates.verify import CertificateFormatError, verify_certificate
from ledger_proof.policy import CheckOnly, PinnedKeys, Unpinned, UnsafeNoOp
from ledger_proof.signing import b64e
from ledger_proof.verdict import FAIL, INVALID, NOT_CHECKED, PASS, UNVERIFIED, VALID

from .builders import (
    AT,
    OTHER_SEED,
    Reader,
    fabric_reader,
    holding,
    issuer_key,
    make_bundle,
    make_certificate,
    service_key,
    sign_doc,
    status_fetcher,
    token_reader,
)
from .test_bundle_checks import SINGLE_FAILURES

KEY = issuer_key()
OTHER = issuer_key(OTHER_SEED)
PUB = bytes(KEY.verify_key)


def statuses(verdict: Any) -> dict[str, str]:
    return {c.name: c.status for c in verdict.checks}


def check(cert: dict[str, Any], *, at: datetime = AT, policy: Any = None,
          trusted: list[bytes] | None = None, fetcher: Any = "default", fabric: Any = "default",
          tokens: Any = "default", reader: Any = "default") -> Any:
    """Verify with everything reachable unless a test says otherwise."""
    bundle = cert.get("evidence", [{}])[0].get("proofBundle") if cert.get("evidence") else None
    return verify_certificate(
        cert, policy=policy, trusted_keys=[PUB] if trusted is None and policy is None
        else trusted,
        status_fetcher=status_fetcher() if fetcher == "default" else fetcher,
        fabric=fabric_reader(cert) if fabric == "default" else fabric,
        tokens=token_reader(cert) if tokens == "default" else tokens,
        header_reader=(holding(bundle) if isinstance(bundle, dict) else None)
        if reader == "default" else reader, at=at)


def baseline() -> dict[str, str]:
    got = statuses(check(make_certificate()))
    assert set(got.values()) == {PASS}
    return got


def resigned(change: Callable[[dict[str, Any]], None], key: Any = None) -> dict[str, Any]:
    cert = make_certificate()
    unsigned = {k: v for k, v in cert.items() if k != "proof"}
    change(unsigned)
    return sign_doc(unsigned, key or KEY)


def expect(changes: dict[str, str | None], verdict: Any, answer: str = INVALID) -> None:
    """Baseline statuses with ``changes`` applied (None: the check is absent)."""
    expected = baseline()
    for name, status in changes.items():
        if status is None:
            expected.pop(name)
        else:
            expected[name] = status
    assert statuses(verdict) == expected
    assert verdict.verdict == answer


def test_format() -> None:
    cert = resigned(lambda d: d.update(type=["VerifiableCredential"]))
    expect({"format": FAIL}, check(cert))
    cert = resigned(lambda d: d.update({"@context": ["https://example.org/v1"]}))
    expect({"format": FAIL}, check(cert))
    cert = resigned(lambda d: d.update(credentialSubject="x"))
    verdict = check(cert)
    assert verdict.check("format").status == FAIL
    assert verdict.check("format").detail == "credentialSubject must be an object"


def test_signature_and_what_depends_on_it() -> None:
    cert = make_certificate()
    cert["issuer"]["name"] = "Forger"  # after signing: the proof no longer verifies
    verdict = check(cert)
    assert verdict.check("signature").status == FAIL
    assert verdict.check("issuer").status == FAIL
    # the evidence is then judged with no key at all, the status list as unpinned
    assert verdict.check("evidence.header_signature").status == NOT_CHECKED
    assert verdict.check("status").status == NOT_CHECKED
    assert verdict.verdict == INVALID


def test_issuer_is_not_the_signer() -> None:
    cert = resigned(lambda d: d.update(issuer={"id": did_key(bytes(OTHER.verify_key))}))
    verdict = check(cert)
    expect({"issuer": FAIL}, verdict)


def test_issuer_not_a_did_key() -> None:
    cert = resigned(lambda d: d.update(issuer="https://issuer.example"))
    expect({"issuer": FAIL}, check(cert))


def test_issuer_as_a_plain_did() -> None:
    cert = resigned(lambda d: d.update(issuer=did_key(PUB)))
    expect({}, check(cert), answer=VALID)


def test_verification_method_of_another_did() -> None:
    """Signed by the issuer's key, but the proof names another did:key's method."""
    cert = make_certificate()
    unsigned = {k: v for k, v in cert.items() if k != "proof"}
    method = did_key_method(PUB).split("#")[1]
    cert = sign_doc(unsigned, KEY, method=f"did:key:{method}#{method}")
    assert check(cert).check("issuer").status == PASS
    cert = resigned(lambda d: d.update(issuer={"id": did_key(PUB) + "#x"}))
    expect({"issuer": FAIL}, check(cert))


def test_issuer_signed_by_an_unpinned_key() -> None:
    """A certificate from another did:key, verified with the platform key pinned."""
    cert = make_certificate(key=OTHER)
    verdict = check(cert, fetcher=status_fetcher(OTHER))
    got = statuses(verdict)
    assert got["signature"] == NOT_CHECKED
    assert got["issuer"] == FAIL
    assert b64e(bytes(OTHER.verify_key)) not in verdict.check("issuer").detail
    assert got["evidence.header_signature"] == NOT_CHECKED
    assert got["status"] == NOT_CHECKED
    assert verdict.verdict == INVALID


def test_validity_window() -> None:
    expect({"validity_window": FAIL}, check(make_certificate(), at=datetime(2028, 1, 1,
                                                                             tzinfo=AT.tzinfo)))
    expect({"validity_window": FAIL}, check(make_certificate(), at=datetime(2025, 12, 31,
                                                                             tzinfo=AT.tzinfo)))
    expect({}, check(make_certificate(), at=datetime(2027, 1, 1, tzinfo=AT.tzinfo)),
           answer=VALID)
    expect({}, check(make_certificate(), at=datetime(2026, 1, 1, tzinfo=AT.tzinfo)),
           answer=VALID)
    cert = resigned(lambda d: d.pop("validUntil"))
    expect({"validity_window": FAIL}, check(cert))


def test_no_evidence() -> None:
    cert = resigned(lambda d: d.update(evidence=[]))
    gone = {n: None for n in baseline() if n.startswith("evidence.")}
    expect({"evidence": FAIL, **gone}, check(cert, reader=None))


def test_evidence_matches() -> None:
    cert = resigned(lambda d: d["credentialSubject"]["creditRating"].update(grade="AAA"))
    verdict = check(cert)
    expect({"evidence.matches": FAIL}, verdict)
    assert verdict.check("evidence.matches").detail.endswith("in: grade")


@pytest.mark.parametrize("field", ["unifiedSocialCreditCode", "scoreEvent", "score", "model",
                                   "dimensions"])
def test_evidence_matches_each_field(field: str) -> None:
    def change(d: dict[str, Any]) -> None:
        subject = d["credentialSubject"]
        target = subject if field == "unifiedSocialCreditCode" else subject["creditRating"]
        target[field] = "other"
    assert check(resigned(change)).check("evidence.matches").status == FAIL


def test_evidence_matches_needs_a_score_event() -> None:
    bundle = make_bundle(key=service_key())
    bundle["event"]["type"] = "score.requested"
    cert = make_certificate(bundle=bundle)
    verdict = check(cert)
    assert verdict.check("evidence.matches").status == FAIL
    assert "event type" in verdict.check("evidence.matches").detail


EVIDENCE_FAILURES = [(n, t) for n, t in SINGLE_FAILURES if t.__name__ != "_event_not_canonical"]


@pytest.mark.parametrize(("name", "tamper"), EVIDENCE_FAILURES,
                         ids=[f"{n}-{t.__name__.strip('_')}" for n, t in EVIDENCE_FAILURES])
def test_evidence_bundle_checks(name: str, tamper: Callable[[dict[str, Any]], None]) -> None:
    """The certificate embeds a tampered bundle; only its named check fails (and matches
    when the tampering changed the score event the credential states)."""
    bundle = make_bundle()
    tamper(bundle)
    changes: dict[str, str | None] = {f"evidence.{name}": FAIL}
    if bundle["event"] is None or bundle["event"]["payload"]["score"] != 812:
        changes["evidence.matches"] = FAIL
    cert = resigned(lambda d: d["evidence"][0].update(proofBundle=bundle))
    expect(changes, check(cert, reader=holding(bundle)))


def test_evidence_erased_event() -> None:
    bundle = make_bundle()
    bundle["event"] = bundle["salt"] = None
    verdict = check(resigned(lambda d: d["evidence"][0].update(proofBundle=bundle)))
    expect({"evidence.commitment": NOT_CHECKED, "evidence.matches": FAIL}, verdict)
    assert verdict.check("evidence.matches").detail == "the score event was erased from the bundle"


def test_evidence_anchor_read_back() -> None:
    cert = make_certificate()
    expect({"evidence.anchor.evm": NOT_CHECKED}, check(cert, reader=None), answer=VALID)
    expect({"evidence.anchor.evm": FAIL}, check(cert, reader=Reader({"evm": None})))


def test_evidence_not_anchored() -> None:
    bundle = make_bundle(anchors=[])
    verdict = check(make_certificate(bundle=bundle))
    expect({"evidence.anchor": FAIL, "evidence.anchor.evm": None}, verdict)
    assert any("not anchored" in w for w in verdict.warnings)


def test_evidence_not_a_bundle() -> None:
    bundle = make_bundle()
    bundle["version"] = 2
    with pytest.raises(CertificateFormatError):
        check(make_certificate(bundle=bundle))


def test_evidence_signed_by_another_key_than_the_issuer() -> None:
    bundle = make_bundle(key=service_key(OTHER_SEED))
    expect({"evidence.header_signature": FAIL}, check(make_certificate(bundle=bundle)))
    # unpinned: checked against the credential's own key, and that still fails
    verdict = check(make_certificate(bundle=bundle), policy=Unpinned())
    assert verdict.check("evidence.header_signature").status == FAIL


def test_format_id() -> None:
    cert = resigned(lambda d: d.update(id="urn:uuid:not-a-uuid"))
    verdict = check(cert)
    expect({"format.id": FAIL, "fabric.status": NOT_CHECKED, "token.exists": NOT_CHECKED,
            "token.locked": None, "token.not_revoked": None, "token.uri_matches": None},
           verdict)
    assert [c.name for c in verdict.checks].index("format.id") < [
        c.name for c in verdict.checks].index("status")
    cert = resigned(lambda d: d.update(id="https://example.org/1"))
    assert check(cert).check("format.id").status == FAIL


def test_status_revoked() -> None:
    verdict = check(make_certificate(), fetcher=status_fetcher(revoked=(7,)))
    expect({"status": FAIL}, verdict)
    assert "REVOKED" in verdict.check("status").detail
    expect({}, check(make_certificate(), fetcher=status_fetcher(revoked=(6, 8))), answer=VALID)


@pytest.mark.parametrize("fetcher", [
    status_fetcher(OTHER),
    status_fetcher(url="https://ledger.example/status/2"),
    lambda url: (_ for _ in ()).throw(OSError("offline")),
    lambda url: {"proof": {}},
])
def test_status_list_untrustworthy(fetcher: Any) -> None:
    expect({"status": FAIL}, check(make_certificate(), fetcher=fetcher))


def test_status_entry_missing_or_malformed() -> None:
    cert = resigned(lambda d: d.update(credentialStatus={"type": "Other"}))
    expect({"status": FAIL}, check(cert))
    cert = resigned(lambda d: d["credentialStatus"].update(statusListIndex="x"))
    with pytest.raises(CertificateFormatError):
        check(cert)


def test_status_not_fetched_is_not_checked() -> None:
    verdict = check(make_certificate(), fetcher=None)
    expect({"status": NOT_CHECKED}, verdict, answer=VALID)


def test_fabric_status() -> None:
    cert = make_certificate()
    expect({"fabric.status": FAIL}, check(cert, fabric=fabric_reader(cert, status="revoked")))
    expect({"fabric.status": FAIL}, check(cert, fabric=lambda cid: None))
    expect({"fabric.status": FAIL}, check(cert, fabric=fabric_reader(make_certificate(
        token=False))))

    def broken(cid: str) -> dict[str, Any]:
        raise RuntimeError("peer down")
    expect({"fabric.status": FAIL}, check(cert, fabric=broken))
    verdict = check(cert, fabric=None)
    expect({"fabric.status": NOT_CHECKED}, verdict, answer=VALID)


def test_fabric_record_alone_is_a_trust_anchor() -> None:
    cert = make_certificate()
    verdict = check(cert, policy=Unpinned(), fetcher=None, tokens=None, reader=None)
    assert verdict.check("fabric.status").trust is True
    assert verdict.verdict == VALID
    assert check(cert, policy=Unpinned(), fetcher=None, tokens=None, reader=None,
                 fabric=None).verdict == UNVERIFIED


def test_token_exists() -> None:
    cert = make_certificate()
    verdict = check(cert, tokens=token_reader(cert, exists=False))
    expect({"token.exists": FAIL, "token.locked": FAIL, "token.not_revoked": FAIL,
            "token.uri_matches": FAIL}, verdict)
    cert = resigned(lambda d: d["tokenBinding"].update(tokenId="1"))
    expect({"token.exists": FAIL, "token.locked": None, "token.not_revoked": None,
            "token.uri_matches": None}, check(cert))

    def broken(binding: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("rpc down")
    expect({"token.exists": FAIL, "token.locked": None, "token.not_revoked": None,
            "token.uri_matches": None}, check(make_certificate(), tokens=broken))


def test_token_locked() -> None:
    cert = make_certificate()
    expect({"token.locked": FAIL}, check(cert, tokens=token_reader(cert, locked=False)))
    expect({"token.locked": FAIL}, check(cert, tokens=token_reader(cert, locked=1)))


def test_token_not_revoked() -> None:
    cert = make_certificate()
    expect({"token.not_revoked": FAIL}, check(cert, tokens=token_reader(cert, revoked=True)))
    expect({"token.not_revoked": FAIL}, check(cert, tokens=token_reader(cert, revoked=None)))


def test_token_uri_matches() -> None:
    cert = make_certificate()
    expect({"token.uri_matches": FAIL}, check(cert, tokens=token_reader(cert, token_uri="x")))


def test_no_token_reader_is_not_checked() -> None:
    verdict = check(make_certificate(), tokens=None)
    expect({"token.exists": NOT_CHECKED, "token.locked": None, "token.not_revoked": None,
            "token.uri_matches": None}, verdict, answer=VALID)


def test_no_token_binding_is_a_warning() -> None:
    verdict = check(make_certificate(token=False))
    assert not any(c.name.startswith("token.") for c in verdict.checks)
    assert any("names no token" in w for w in verdict.warnings)


# --- trust: pinned, unpinned, UnsafeNoOp, CheckOnly --------------------------------------

UNPINNED_STATUSES = {"signature": NOT_CHECKED, "issuer": NOT_CHECKED,
                     "evidence.header_signature": NOT_CHECKED, "status": NOT_CHECKED}


@pytest.mark.parametrize(("policy", "changes", "answer"), [
    (PinnedKeys.of(b64e(PUB)), {}, VALID),
    (UnsafeNoOp(), {}, VALID),
    (Unpinned(), UNPINNED_STATUSES, UNVERIFIED),
    (CheckOnly(b64e(PUB)), {**UNPINNED_STATUSES, "issuer": FAIL}, INVALID),
    (PinnedKeys.of(b64e(bytes(OTHER.verify_key))),
     {**UNPINNED_STATUSES, "issuer": FAIL}, INVALID),
], ids=["pinned", "unsafe", "unpinned", "check-only", "pinned-other"])
def test_policy_decides_issuer_trust(policy: Any, changes: dict[str, str], answer: str) -> None:
    cert = make_certificate()
    verdict = check(cert, policy=policy, fabric=None, reader=None)
    expect({"fabric.status": NOT_CHECKED, "evidence.anchor.evm": NOT_CHECKED, **changes},
           verdict, answer=answer)
    assert verdict.check("issuer").trust is (verdict.check("issuer").status == PASS)


def test_trusted_keys_shorthand_pins() -> None:
    cert = make_certificate()
    assert check(cert, trusted=[PUB]).check("issuer").status == PASS
    assert check(cert, trusted=[bytes(OTHER.verify_key)]).check("issuer").status == FAIL
    assert check(cert, trusted=[]).check("issuer").status == NOT_CHECKED


def test_unpinned_forgery_is_never_valid() -> None:
    """A forger's own did:key, status list and ledger-less evidence: UNVERIFIED, not VALID."""
    cert = make_certificate(key=OTHER)
    verdict = check(cert, policy=Unpinned(), fetcher=status_fetcher(OTHER), fabric=None,
                    reader=None)
    assert verdict.verdict == UNVERIFIED
    assert verdict.check("issuer").detail.startswith("issuer key ed25519:")


@pytest.mark.parametrize("doc", [None, [], {"proof": "x"}, {"id": 1}])
def test_not_a_certificate(doc: Any) -> None:
    with pytest.raises(CertificateFormatError):
        verify_certificate(doc)


def test_method_of_the_issuer_is_accepted() -> None:
    cert = make_certificate()
    assert cert["proof"]["verificationMethod"] == did_key_method(PUB)
    assert copy.deepcopy(cert) == cert
