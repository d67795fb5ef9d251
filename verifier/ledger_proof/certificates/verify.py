"""Every check a bank runs on a credit certificate, each reported by name.

The checker holds no service state: it gets the credential, a trust policy
(the issuer keys the verifier pinned) and, as callables, whatever the
verifier can reach (a status list fetcher, a Fabric registry, a token
reader, the pinned ledgers for the evidence's anchors).

Check names: format, signature, issuer, validity_window, evidence,
evidence.matches, evidence.<bundle checks> (commitment, leaf_hash,
inclusion, header_hash, header_signature, anchor.<backend>),
evidence.anchor, format.id, status, fabric.status, token.exists,
token.locked, token.not_revoked, token.uri_matches.

Trust: ``issuer`` passes only when the proof's key is one the policy pins;
unpinned, a proof that verifies under the credential's own did:key is
``not_checked`` (anyone can sign with a did:key of their own) and so are
the status list (signed by that same key) and the evidence's header
signature. A proof that does not verify at all fails whatever is pinned.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ledger_proof.bundle import BundleFormatError, LedgerReader, verify_bundle
from ledger_proof.canonical import CanonicalizationError
from ledger_proof.certificates import model as cred
from ledger_proof.certificates import status_list
from ledger_proof.certificates.dataintegrity import ProofError, verify_proof
from ledger_proof.certificates.grades import DIMENSIONS
from ledger_proof.certificates.multibase import MultibaseError, public_key_from_did_key
from ledger_proof.certificates.token import token_checks, token_id_for_certificate
from ledger_proof.policy import CheckOnly, PinnedKeys, TrustPolicy, Unpinned
from ledger_proof.signing import b64e, key_id_of
from ledger_proof.timefmt import from_text, now
from ledger_proof.verdict import Verdict

#: URL -> the status list credential document (raise on failure).
StatusFetcher = Callable[[str], dict[str, Any]]
#: certificate id -> the Fabric registry record, or None if never registered.
FabricReader = Callable[[str], dict[str, Any] | None]
#: token binding (from the credential) -> token status dict (see certificates.token).
TokenReader = Callable[[dict[str, Any]], dict[str, Any]]


class CertificateFormatError(ValueError):
    """The document is not a credential at all (not a JSON object with a proof)."""


def verify_certificate(doc: Any, *, policy: TrustPolicy | None = None,
                       trusted_keys: list[bytes] | None = None,
                       status_fetcher: StatusFetcher | None = None,
                       fabric: FabricReader | None = None,
                       tokens: TokenReader | None = None,
                       header_reader: LedgerReader | None = None,
                       at: datetime | None = None) -> Verdict:
    """Check a credit certificate; raises CertificateFormatError only for non-credentials.

    ``trusted_keys`` (raw 32-byte Ed25519 keys) is a shorthand for a
    ``PinnedKeys`` policy.
    """
    if not isinstance(doc, dict) or not isinstance(doc.get("proof"), dict):
        raise CertificateFormatError("a certificate is a JSON object with a proof")
    if policy is None:
        policy = (PinnedKeys({key_id_of(k): b64e(k) for k in trusted_keys})
                  if trusted_keys else Unpinned())
    verdict = Verdict()
    _format(doc, verdict)
    signer = _signature(doc, policy, verdict)
    trusted_signer = signer if signer is not None and policy.trusts(signer) else None
    _issuer(doc, signer, policy, verdict)
    _validity(doc, at or now(), verdict)
    _evidence(doc, signer, trusted_signer, header_reader, verdict)
    try:
        digest: str | None = cred.credential_hash(doc)
    except (CanonicalizationError, ValueError, TypeError):  # JCS refuses it: no hash
        digest = None
    try:
        certificate_id: str | None = cred.certificate_id_of(doc)
    except cred.CredentialError as exc:
        certificate_id = None
        verdict.add("format.id", False, str(exc))
    _status(doc, signer, trusted_signer, status_fetcher, verdict)
    _fabric(fabric, certificate_id, digest, verdict)
    _token(doc, certificate_id, digest, tokens, verdict)
    return verdict


def _format(doc: dict[str, Any], verdict: Verdict) -> None:
    context = doc.get("@context")
    types = doc.get("type")
    problems = []
    if not isinstance(context, list) or not context or context[0] != cred.VC_CONTEXT:
        problems.append(f"@context must start with {cred.VC_CONTEXT}")
    if not isinstance(types, list) or "VerifiableCredential" not in types \
            or cred.CREDENTIAL_TYPE not in types:
        problems.append(f"type must include VerifiableCredential and {cred.CREDENTIAL_TYPE}")
    if not isinstance(doc.get("credentialSubject"), dict):
        problems.append("credentialSubject must be an object")
    verdict.add("format", not problems, "; ".join(problems) or
                "W3C VC 2.0 credit rating certificate")


def _signature(doc: dict[str, Any], policy: TrustPolicy, verdict: Verdict) -> bytes | None:
    try:
        signer = verify_proof(doc)
    except ProofError as exc:
        verdict.add("signature", False, f"eddsa-jcs-2022 Data Integrity proof: {exc}")
        return None
    if policy.trusts(signer):
        verdict.add("signature", True, f"eddsa-jcs-2022 proof by {key_id_of(signer)} verifies")
    else:
        verdict.add("signature", None, f"eddsa-jcs-2022 proof verifies under "
                    f"{key_id_of(signer)}, a key the verifier has not pinned")
    return signer


def _issuer(doc: dict[str, Any], signer: bytes | None, policy: TrustPolicy,
            verdict: Verdict) -> None:
    issuer = doc.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if signer is None:
        verdict.add("issuer", False, "no valid signature, so no issuer key")
        return
    method: str = doc["proof"]["verificationMethod"]  # a string: the proof verified
    try:
        issuer_key = public_key_from_did_key(str(issuer_id))
    except MultibaseError as exc:
        verdict.add("issuer", False, f"issuer is not a did:key: {exc}")
        return
    if method.split("#")[0] != issuer_id or issuer_key != signer:
        verdict.add("issuer", False, "the proof's verificationMethod is not the issuer's key")
        return
    if isinstance(policy, Unpinned):
        verdict.add("issuer", None, f"issuer key {key_id_of(signer)} is not pinned: anyone can "
                    "issue under a did:key of their own")
        return
    ok = policy.trusts(signer)
    verdict.add("issuer", ok, f"issuer key {key_id_of(signer)} is the platform's" if ok
                else f"issuer key {key_id_of(signer)} is not a trusted platform key", trust=True)


def _validity(doc: dict[str, Any], at: datetime, verdict: Verdict) -> None:
    try:
        start = from_text(doc["validFrom"])
        end = from_text(doc["validUntil"])
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        verdict.add("validity_window", False, f"validFrom/validUntil unreadable: {exc}")
        return
    ok = start <= at <= end
    verdict.add("validity_window", ok, f"valid {doc['validFrom']} to {doc['validUntil']}" if ok
                else f"not valid at {at.isoformat()} (window {doc['validFrom']} to "
                     f"{doc['validUntil']})")


def _evidence(doc: dict[str, Any], signer: bytes | None, trusted_signer: bytes | None,
              reader: LedgerReader | None, verdict: Verdict) -> None:
    evidence = doc.get("evidence")
    item = evidence[0] if isinstance(evidence, list) and evidence else None
    bundle = item.get("proofBundle") if isinstance(item, dict) else None
    if not isinstance(bundle, dict):
        verdict.add("evidence", False, "no proof bundle in evidence")
        return
    _evidence_matches(doc, bundle, verdict)
    # The score's batch must be signed by the same key that issued the credential:
    # one key to pin. Pinned only when the issuer is; with no valid signature at all, the
    # bundle's own default (Unpinned).
    policy: TrustPolicy | None = None
    if trusted_signer is not None:
        policy = PinnedKeys({key_id_of(trusted_signer): b64e(trusted_signer)}, "the issuer key")
    elif signer is not None:
        policy = CheckOnly(b64e(signer), "the credential's own (unpinned) key")
    try:
        inner = verify_bundle(bundle, policy=policy, reader=reader)
    except BundleFormatError as exc:
        raise CertificateFormatError(f"evidence proofBundle is not a v1 proof bundle: "
                                     f"{exc}") from None
    for check in inner.checks:
        verdict.add(f"evidence.{check.name}", check.ok, check.detail)
    verdict.warnings.extend(inner.warnings)
    anchors = bundle.get("anchors")  # a list or null: verify_bundle accepted it
    verdict.add("evidence.anchor", bool(anchors),
                f"{len(anchors)} anchor receipt(s); each read back above when its ledger is "
                "pinned" if anchors else "the score's batch was sealed but not anchored on any "
                "ledger when the certificate was issued")


def _evidence_matches(doc: dict[str, Any], bundle: dict[str, Any], verdict: Verdict) -> None:
    """The credential states exactly what the evidenced score event says."""
    event = bundle.get("event")
    subject = doc.get("credentialSubject") if isinstance(doc.get("credentialSubject"),
                                                          dict) else {}
    rating = subject.get("creditRating") if isinstance(subject.get("creditRating"),
                                                       dict) else {}
    if not isinstance(event, dict):
        verdict.add("evidence.matches", False, "the score event was erased from the bundle")
        return
    payload = event.get("payload") if isinstance(event.get("payload"), dict) else {}
    dimensions = payload.get("dimensions") if isinstance(payload.get("dimensions"), dict) else {}
    expected = {
        "event type": (event.get("type"), "score.computed"),
        "enterprise": (subject.get("unifiedSocialCreditCode"), event.get("enterprise_id")),
        "score event": (rating.get("scoreEvent"), event.get("id")),
        "grade": (rating.get("grade"), payload.get("grade")),
        "score": (rating.get("score"), payload.get("score")),
        "model": (rating.get("model"), {"id": payload.get("model_id"),
                                        "version": payload.get("model_version")}),
        "dimensions": (rating.get("dimensions"),
                       {c: dimensions.get(k) for k, c, _z, _e in DIMENSIONS}),
    }
    wrong = [name for name, (stated, actual) in expected.items() if stated != actual]
    verdict.add("evidence.matches", not wrong,
                "grade, score, dimensions and model equal the evidenced score event"
                if not wrong else f"the credential differs from its evidence in: "
                                  f"{', '.join(wrong)}")


def _status(doc: dict[str, Any], signer: bytes | None, trusted_signer: bytes | None,
            fetch: StatusFetcher | None, verdict: Verdict) -> None:
    try:
        url, index = status_list.parse_entry(doc.get("credentialStatus"))
    except status_list.MalformedStatusEntry as exc:
        raise CertificateFormatError(f"credentialStatus: {exc}") from None
    except status_list.StatusListError as exc:
        verdict.add("status", False, str(exc))
        return
    if fetch is None:
        verdict.add("status", None, f"status list {url} not consulted (no way to fetch it)")
        return
    try:
        listing = fetch(url)
        list_signer = verify_proof(listing)
        if signer is not None and list_signer != signer:
            raise status_list.StatusListError("the status list is signed by another key")
        if not isinstance(listing, dict) or listing.get("id") != url:
            raise status_list.StatusListError(f"fetched list is not {url}")
        revoked = status_list.is_revoked(listing, index)
    except (ProofError, status_list.StatusListError, OSError, ValueError) as exc:
        verdict.add("status", False, f"status list {url}: {exc}")
        return
    if revoked:
        verdict.add("status", False, f"bit {index} of {url} is set: the certificate is REVOKED")
    elif trusted_signer is None:
        verdict.add("status", None, f"bit {index} of {url} is clear, but the list is signed by "
                    "an unpinned key: it could be the forger's own")
    else:
        verdict.add("status", True, f"bit {index} of {url} is clear: not revoked")


def _fabric(read: FabricReader | None, certificate_id: str | None, digest: str | None,
            verdict: Verdict) -> None:
    if read is None or certificate_id is None:
        verdict.add("fabric.status", None, "the Fabric certificate registry was not read "
                    "(no Fabric profile given)")
        return
    try:
        record = read(certificate_id)
    except Exception as exc:
        verdict.add("fabric.status", False, f"cannot read the Fabric registry: {exc}")
        return
    if record is None:
        verdict.add("fabric.status", False, f"{certificate_id} is not registered on the channel")
        return
    if digest is None:  # a record without a hash must not match a document without one
        verdict.add("fabric.status", False, "the credential has no JCS hash to compare with the "
                    "registered one")
        return
    if record.get("credential_hash") != digest:
        verdict.add("fabric.status", False, "the channel registered another credential hash "
                    f"({record.get('credential_hash')})")
        return
    active = record.get("status") == "active"
    verdict.add("fabric.status", active, f"registered in tx {record.get('registered_tx')}, " +
                ("active" if active else f"REVOKED: {record.get('revocation_reason')}"),
                trust=True)


def _token(doc: dict[str, Any], certificate_id: str | None, digest: str | None,
           read: TokenReader | None, verdict: Verdict) -> None:
    binding = doc.get("tokenBinding")
    if not isinstance(binding, dict):
        verdict.warn("the certificate names no token (issued with tokens disabled)")
        return
    if read is None or certificate_id is None or digest is None:
        verdict.add("token.exists", None, f"token {binding.get('tokenId')} on "
                    f"{binding.get('chain')} not read (no pinned token contract)")
        return
    expected = token_id_for_certificate(certificate_id)
    if str(expected) != binding.get("tokenId"):
        verdict.add("token.exists", False, "tokenBinding.tokenId is not SHA-256 of the "
                    "certificate id")
        return
    try:
        state = read(binding)
    except Exception as exc:
        verdict.add("token.exists", False, f"cannot read the token: {exc}")
        return
    for check in token_checks(state, digest):
        verdict.add(check["name"], check["ok"], check["detail"])
