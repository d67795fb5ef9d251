"""Data Integrity proofs with the eddsa-jcs-2022 cryptosuite (W3C vc-di-eddsa, v1.0).

Exactly the spec's algorithms, so any conforming VC library verifies what we
sign:

* proofConfig = the proof options (type DataIntegrityProof, cryptosuite
  eddsa-jcs-2022, created, verificationMethod, proofPurpose) plus the
  document's ``@context``, canonicalized with JCS (RFC 8785);
* hashData = SHA-256(JCS(proofConfig)) || SHA-256(JCS(document without proof));
* proofValue = multibase base58btc of Ed25519(hashData) (pure EdDSA).

The spec's own test vectors reproduce byte for byte
(tests/certificates/test_dataintegrity.py). JCS here is the reference
``rfc8785`` implementation: credentials hold names and free text, outside the
ledger's integer-only fast path.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from ledger_proof.canonical import CanonicalizationError, canonicalize_reference
from ledger_proof.certificates.multibase import (
    MultibaseError,
    decode_z,
    encode_z,
    public_key_from_did_key,
)

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"

#: Resolves a verificationMethod id to a 32-byte Ed25519 public key.
KeyResolver = Callable[[str], bytes]


class ProofError(ValueError):
    """A proof cannot be made or checked (malformed, wrong suite, bad signature)."""


def _jcs(value: Any) -> bytes:
    try:
        return canonicalize_reference(value)
    except CanonicalizationError as exc:
        raise ProofError(f"cannot canonicalize: {exc}") from exc


def _check_options(options: dict[str, Any]) -> None:
    if options.get("type") != PROOF_TYPE or options.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"proof must be {PROOF_TYPE} with cryptosuite {CRYPTOSUITE}")
    created = options.get("created")
    if created is not None:
        try:
            datetime.fromisoformat(str(created))  # Python 3.11+ reads the trailing Z
        except ValueError:
            raise ProofError(f"proof created {created!r} is not an XML Schema datetime") from None


def hash_data(document: dict[str, Any], proof_config: dict[str, Any]) -> bytes:
    """SHA-256(JCS(proofConfig)) || SHA-256(JCS(document)), the bytes that get signed."""
    _check_options(proof_config)
    return hashlib.sha256(_jcs(proof_config)).digest() + hashlib.sha256(_jcs(document)).digest()


def add_proof(document: dict[str, Any], signing_key: SigningKey, *, verification_method: str,
              created: str, proof_purpose: str = "assertionMethod") -> dict[str, Any]:
    """A copy of ``document`` secured with an eddsa-jcs-2022 proof (Create Proof, steps 1-6)."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    proof: dict[str, Any] = {"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE, "created": created,
                             "verificationMethod": verification_method,
                             "proofPurpose": proof_purpose}
    if "@context" in unsecured:
        proof["@context"] = copy.deepcopy(unsecured["@context"])
    signature = signing_key.sign(hash_data(unsecured, proof)).signature
    return {**unsecured, "proof": {**proof, "proofValue": encode_z(signature)}}


def did_key_resolver(method: str) -> bytes:
    try:
        return public_key_from_did_key(method)
    except MultibaseError as exc:
        raise ProofError(str(exc)) from exc


def verify_proof(secured: Any, resolve: KeyResolver = did_key_resolver, *,
                 expected_purpose: str | None = "assertionMethod") -> bytes:
    """Verify Proof (eddsa-jcs-2022); returns the signer's public key, raises ProofError.

    The caller decides whether that key is one it trusts (the issuer's). A
    credential's proof must be made for ``assertionMethod`` (Data Integrity's
    proof purpose check); pass None to accept any purpose.
    """
    if not isinstance(secured, dict) or not isinstance(secured.get("proof"), dict):
        raise ProofError("the document has no proof object")
    unsecured = {k: v for k, v in secured.items() if k != "proof"}
    options = {k: v for k, v in secured["proof"].items() if k != "proofValue"}
    _check_options(options)
    if expected_purpose is not None and options.get("proofPurpose") != expected_purpose:
        raise ProofError(f"proofPurpose is {options.get('proofPurpose')!r}, expected "
                         f"{expected_purpose!r}")
    try:
        signature = decode_z(secured["proof"].get("proofValue"))
    except MultibaseError as exc:
        raise ProofError(f"proofValue: {exc}") from exc
    if len(signature) != 64:
        raise ProofError(f"an Ed25519 proofValue is 64 bytes, got {len(signature)}")
    if "@context" in options:
        ctx, doc_ctx = options["@context"], secured.get("@context")
        ctx_list = ctx if isinstance(ctx, list) else [ctx]
        doc_list = doc_ctx if isinstance(doc_ctx, list) else [doc_ctx]
        if doc_list[:len(ctx_list)] != ctx_list:
            raise ProofError("the document's @context does not start with the proof's @context")
        unsecured["@context"] = ctx
    elif "@context" in unsecured:
        # vc-di-eddsa §3.3.5 (proof configuration): the proof options take the
        # document's @context when present; a conforming proof need not repeat it.
        options = {**options, "@context": unsecured["@context"]}
    method = options.get("verificationMethod")
    if not isinstance(method, str):
        raise ProofError("proof has no verificationMethod")
    public_key = resolve(method)
    try:
        VerifyKey(public_key).verify(hash_data(unsecured, options), signature)
    except BadSignatureError:
        raise ProofError("the Ed25519 signature does not verify: the document or its proof "
                         "options were altered, or another key signed it") from None
    return public_key
