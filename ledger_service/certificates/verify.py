"""Every check a bank runs on a credit certificate, each reported by name.

The checker holds no service state: it gets the credential and, as
callables, whatever the verifier can reach (a status list fetcher, a Fabric
registry, a token reader, a header reader for the bundle's anchors). The API
wires them to its own ledgers; ``ledger verify-certificate`` wires them to a
Fabric profile, an EVM node and the status list URL in the credential.

Check names: format, signature, issuer, validity_window, evidence.matches,
evidence.<bundle checks> (commitment, leaf_hash, inclusion, header_hash,
header_signature), evidence.anchor[.<backend>], status, fabric.status,
token.exists, token.locked, token.not_revoked, token.uri_matches.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ledger_service.certificates import credential as cred
from ledger_service.certificates import status_list
from ledger_service.certificates.dataintegrity import ProofError, verify_proof
from ledger_service.certificates.grades import DIMENSIONS
from ledger_service.certificates.multibase import MultibaseError, public_key_from_did_key
from ledger_service.proof.bundle import (
    BundleFormatError,
    Check,
    HeaderReader,
    Verdict,
    verify_bundle,
)
from ledger_service.proof.signing import b64e, key_id_of
from ledger_service.proof.timefmt import from_text, now

#: URL -> the status list credential document (raise on failure).
StatusFetcher = Callable[[str], dict[str, Any]]
#: certificate id -> the Fabric registry record, or None if never registered.
FabricReader = Callable[[str], dict[str, Any] | None]
#: token binding (from the credential) -> CertificateToken.status() dict.
TokenReader = Callable[[dict[str, Any]], dict[str, Any]]


class CertificateFormatError(ValueError):
    """The document is not a credential at all (not a JSON object with a proof)."""


class _Run:
    def __init__(self) -> None:
        self.verdict = Verdict(valid=True)

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.verdict.checks.append(Check(name, ok, detail))
        self.verdict.valid = self.verdict.valid and ok

    def warn(self, text: str) -> None:
        self.verdict.warnings.append(text)


def verify_certificate(doc: Any, *, trusted_keys: list[bytes] | None = None,
                       status_fetcher: StatusFetcher | None = None,
                       fabric: FabricReader | None = None,
                       tokens: TokenReader | None = None,
                       header_reader: HeaderReader | None = None,
                       at: datetime | None = None) -> Verdict:
    """Check a credit certificate; raises CertificateFormatError only for non-credentials."""
    if not isinstance(doc, dict) or not isinstance(doc.get("proof"), dict):
        raise CertificateFormatError("a certificate is a JSON object with a proof")
    run = _Run()
    _format(doc, run)
    signer = _signature(doc, run)
    _issuer(doc, signer, trusted_keys, run)
    _validity(doc, at or now(), run)
    _evidence(doc, signer, header_reader, run)
    digest = cred.credential_hash(doc)
    try:
        certificate_id = cred.certificate_id_of(doc)
    except cred.CredentialError as exc:
        certificate_id = None
        run.add("format.id", False, str(exc))
    _status(doc, signer, status_fetcher, run)
    if fabric is not None and certificate_id is not None:
        _fabric(fabric, certificate_id, digest, run)
    _token(doc, digest, tokens, run)
    return run.verdict


def _format(doc: dict[str, Any], run: _Run) -> None:
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
    run.add("format", not problems, "; ".join(problems) or
            "W3C VC 2.0 credit rating certificate")


def _signature(doc: dict[str, Any], run: _Run) -> bytes | None:
    try:
        signer = verify_proof(doc)
    except ProofError as exc:
        run.add("signature", False, f"eddsa-jcs-2022 Data Integrity proof: {exc}")
        return None
    run.add("signature", True, f"eddsa-jcs-2022 proof by {key_id_of(signer)} verifies")
    return signer


def _issuer(doc: dict[str, Any], signer: bytes | None, trusted: list[bytes] | None,
            run: _Run) -> None:
    issuer = doc.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    method = str(doc["proof"].get("verificationMethod", ""))
    if signer is None:
        run.add("issuer", False, "no valid signature, so no issuer key")
        return
    try:
        issuer_key = public_key_from_did_key(str(issuer_id))
    except MultibaseError as exc:
        run.add("issuer", False, f"issuer is not a did:key: {exc}")
        return
    if method.split("#")[0] != issuer_id or issuer_key != signer:
        run.add("issuer", False, "the proof's verificationMethod is not the issuer's key")
        return
    if trusted is None:
        run.add("issuer", True, f"signed by the issuer's own key {key_id_of(signer)}")
        run.warn("the issuer key was not pinned: pass the service key (--key) or a Fabric "
                 "profile to know the issuer is the platform")
        return
    ok = signer in trusted
    run.add("issuer", ok, f"issuer key {key_id_of(signer)} is the platform's" if ok
            else f"issuer key {key_id_of(signer)} is not a trusted platform key")


def _validity(doc: dict[str, Any], at: datetime, run: _Run) -> None:
    try:
        start = from_text(doc["validFrom"])
        end = from_text(doc["validUntil"])
    except (KeyError, TypeError, ValueError) as exc:
        run.add("validity_window", False, f"validFrom/validUntil unreadable: {exc}")
        return
    ok = start <= at <= end
    run.add("validity_window", ok, f"valid {doc['validFrom']} to {doc['validUntil']}" if ok
            else f"not valid at {at.isoformat()} (window {doc['validFrom']} to "
                 f"{doc['validUntil']})")


def _evidence(doc: dict[str, Any], signer: bytes | None, reader: HeaderReader | None,
              run: _Run) -> None:
    evidence = doc.get("evidence")
    item = evidence[0] if isinstance(evidence, list) and evidence else None
    bundle = item.get("proofBundle") if isinstance(item, dict) else None
    if not isinstance(bundle, dict):
        run.add("evidence", False, "no proof bundle in evidence")
        return
    _evidence_matches(doc, bundle, run)
    pinned = {key_id_of(signer): b64e(signer)} if signer is not None else None
    anchors = bundle.get("anchors") or []
    readable = getattr(reader, "backends", None)
    unread: list[str] = []
    checked = bundle
    if reader is not None and isinstance(readable, dict):
        # Read back only from the ledgers this verifier reaches; a receipt for a
        # ledger it was not given is "not read back", not "not on the ledger".
        mine = [a for a in anchors if isinstance(a, dict) and a.get("backend") in readable]
        unread = [str(a.get("backend")) for a in anchors if a not in mine]
        checked = {**bundle, "anchors": mine}
        if not mine:
            reader = None
    try:
        verdict = verify_bundle(checked, pinned_keys=pinned, reader=reader)
    except BundleFormatError as exc:
        run.add("evidence", False, f"not a v1 proof bundle: {exc}")
        return
    for check in verdict.checks:
        run.add(f"evidence.{check.name}", check.ok,
                check.detail + (" (the certificate's own key)" if
                                check.name == "header_signature" and check.ok else ""))
    if not anchors:
        run.add("evidence.anchor", False, "the score's batch was sealed but not anchored on "
                "any ledger when the certificate was issued")
    else:
        names = ", ".join(f"{a.get('backend')} block {a.get('block_number')}"
                          for a in anchors if isinstance(a, dict))
        if reader is None:
            unread = [str(a.get("backend")) for a in anchors if isinstance(a, dict)]
        run.add("evidence.anchor", True, f"anchored: {names}" +
                (f" (not read back from: {', '.join(unread)})" if unread else ""))
        if unread:
            run.warn(f"anchor receipts of {', '.join(unread)} were not checked against the "
                     "ledger (no connection to it given)")


def _evidence_matches(doc: dict[str, Any], bundle: dict[str, Any], run: _Run) -> None:
    """The credential states exactly what the evidenced score event says."""
    event = bundle.get("event")
    subject = doc.get("credentialSubject") or {}
    rating = subject.get("creditRating") or {} if isinstance(subject, dict) else {}
    if not isinstance(event, dict):
        run.add("evidence.matches", False, "the score event was erased from the bundle")
        return
    payload = event.get("payload") or {}
    expected = {
        "event type": (event.get("type"), "score.computed"),
        "enterprise": (subject.get("unifiedSocialCreditCode"), event.get("enterprise_id")),
        "score event": (rating.get("scoreEvent"), event.get("id")),
        "grade": (rating.get("grade"), payload.get("grade")),
        "score": (rating.get("score"), payload.get("score")),
        "model": (rating.get("model"), {"id": payload.get("model_id"),
                                        "version": payload.get("model_version")}),
        "dimensions": (rating.get("dimensions"),
                       {c: (payload.get("dimensions") or {}).get(k)
                        for k, c, _z, _e in DIMENSIONS}),
    }
    wrong = [name for name, (stated, actual) in expected.items() if stated != actual]
    run.add("evidence.matches", not wrong,
            "grade, score, dimensions and model equal the evidenced score event" if not wrong
            else f"the credential differs from its evidence in: {', '.join(wrong)}")


def _status(doc: dict[str, Any], signer: bytes | None, fetch: StatusFetcher | None,
            run: _Run) -> None:
    try:
        url, index = status_list.parse_entry(doc.get("credentialStatus"))
    except status_list.StatusListError as exc:
        run.add("status", False, str(exc))
        return
    if fetch is None:
        run.add("status", False, f"status list {url} not consulted (no way to fetch it)")
        return
    try:
        listing = fetch(url)
        list_signer = verify_proof(listing)
        if signer is not None and list_signer != signer:
            raise status_list.StatusListError("the status list is signed by another key")
        if listing.get("id") != url:
            raise status_list.StatusListError(f"fetched list is {listing.get('id')}, not {url}")
        revoked = status_list.is_revoked(listing, index)
    except (ProofError, status_list.StatusListError, OSError, ValueError) as exc:
        run.add("status", False, f"status list {url}: {exc}")
        return
    run.add("status", not revoked, f"bit {index} of {url} is " +
            ("set: the certificate is REVOKED" if revoked else "clear: not revoked"))


def _fabric(read: FabricReader, certificate_id: str, digest: str, run: _Run) -> None:
    try:
        record = read(certificate_id)
    except Exception as exc:  # any ledger failure is a failed check, not a crash
        run.add("fabric.status", False, f"cannot read the Fabric registry: {exc}")
        return
    if record is None:
        run.add("fabric.status", False, f"{certificate_id} is not registered on the channel")
        return
    if record.get("credential_hash") != digest:
        run.add("fabric.status", False, "the channel registered another credential hash "
                f"({record.get('credential_hash')})")
        return
    active = record.get("status") == "active"
    run.add("fabric.status", active, f"registered in tx {record.get('registered_tx')}, " +
            ("active" if active else f"REVOKED: {record.get('revocation_reason')}"))


def _token(doc: dict[str, Any], digest: str, read: TokenReader | None, run: _Run) -> None:
    binding = doc.get("tokenBinding")
    if not isinstance(binding, dict):
        run.warn("the certificate names no token (issued with tokens disabled)")
        return
    if read is None:
        run.add("token.exists", False, f"token {binding.get('tokenId')} on "
                f"{binding.get('chain')} not read (no EVM node given)")
        return
    from anchoring.evm.token import token_checks, token_id_for_certificate

    try:
        expected = token_id_for_certificate(cred.certificate_id_of(doc))
        if str(expected) != binding.get("tokenId"):
            run.add("token.exists", False, "tokenBinding.tokenId is not SHA-256 of the "
                    "certificate id")
            return
        state = read(binding)
    except Exception as exc:  # an unreachable node or a foreign contract: a failed check
        run.add("token.exists", False, f"cannot read the token: {exc}")
        return
    for check in token_checks(state, digest):
        run.add(check["name"], check["ok"], check["detail"])
