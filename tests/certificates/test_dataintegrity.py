"""eddsa-jcs-2022 against the W3C spec's published example (vc-di-eddsa, "Representation:
eddsa-jcs-2022"; values from the spec repository's TestVectors/eddsa-jcs-2022 and keyPair.json,
W3C Software and Document License), base58btc and did:key."""

from __future__ import annotations

import copy
import hashlib

import pytest
import rfc8785
from nacl.signing import SigningKey

from ledger_proof.certificates.dataintegrity import ProofError, add_proof, hash_data, verify_proof
from ledger_proof.certificates.multibase import (
    b58decode,
    b58encode,
    did_key_method,
    public_key_from_did_key,
    public_key_multibase,
    seed_from_multibase,
)

PUBLIC_MB = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
SECRET_MB = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
CONTEXT = ["https://www.w3.org/ns/credentials/v2",
           "https://www.w3.org/ns/credentials/examples/v2"]
UNSIGNED = {
    "@context": CONTEXT,
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}
METHOD = f"did:key:{PUBLIC_MB}#{PUBLIC_MB}"
CREATED = "2023-02-24T23:36:38Z"
CANON_DOC = ('{"@context":["https://www.w3.org/ns/credentials/v2","https://www.w3.org/ns/'
             'credentials/examples/v2"],"credentialSubject":{"alumniOf":"The School of '
             'Examples","id":"did:example:abcdefgh"},"description":"A minimum viable example '
             'of an Alumni Credential.","id":"urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",'
             '"issuer":"https://vc.example/issuers/5678","name":"Alumni Credential","type":'
             '["VerifiableCredential","AlumniCredential"],"validFrom":"2023-01-01T00:00:00Z"}')
DOC_HASH = "59b7cb6251b8991add1ce0bc83107e3db9dbbab5bd2c28f687db1a03abc92f19"
PROOF_CANON = ('{"@context":["https://www.w3.org/ns/credentials/v2","https://www.w3.org/ns/'
               'credentials/examples/v2"],"created":"2023-02-24T23:36:38Z","cryptosuite":'
               '"eddsa-jcs-2022","proofPurpose":"assertionMethod","type":"DataIntegrityProof",'
               '"verificationMethod":"did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#'
               'z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"}')
PROOF_HASH = "66ab154f5c2890a140cb8388a22a160454f80575f6eae09e5a097cabe539a1db"
SIG_HEX = ("407cd12654b33d718ecbb99179a1506daaa849450bf3fc523cce3e1c96f8b803"
           "51da3f253d725c6f00b07c9e5448d50b3ef78012b9ab54255116d069c6dd2808")
PROOF_VALUE = ("z2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS93FCzpvJpwTWd3GAVFuUfjoJ"
               "dcnTMuVor51aX")


def spec_key() -> SigningKey:
    return SigningKey(seed_from_multibase(SECRET_MB))


def spec_signed() -> dict:
    # add_proof copies only the top level: a test that edits a nested value of the
    # result must not edit the spec's document for the tests after it.
    return add_proof(copy.deepcopy(UNSIGNED), spec_key(), verification_method=METHOD,
                     created=CREATED)


def test_key_pair_matches_spec() -> None:
    key = spec_key()
    assert public_key_multibase(bytes(key.verify_key)) == PUBLIC_MB
    assert did_key_method(bytes(key.verify_key)) == METHOD
    assert public_key_from_did_key(METHOD) == bytes(key.verify_key)


def test_intermediate_values_match_spec() -> None:
    assert rfc8785.dumps(UNSIGNED).decode() == CANON_DOC
    assert hashlib.sha256(CANON_DOC.encode()).hexdigest() == DOC_HASH
    proof_config = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022",
                    "created": CREATED, "verificationMethod": METHOD,
                    "proofPurpose": "assertionMethod", "@context": CONTEXT}
    assert rfc8785.dumps(proof_config).decode() == PROOF_CANON
    assert hash_data(UNSIGNED, proof_config).hex() == PROOF_HASH + DOC_HASH


def test_signed_credential_matches_spec() -> None:
    signed = spec_signed()
    assert signed["proof"]["proofValue"] == PROOF_VALUE
    assert b58decode(PROOF_VALUE[1:]).hex() == SIG_HEX
    assert signed["proof"]["@context"] == CONTEXT
    assert verify_proof(signed) == bytes(spec_key().verify_key)


def test_spec_document_verifies_as_published() -> None:
    published = {**copy.deepcopy(UNSIGNED), "proof": {
        "type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022", "created": CREATED,
        "verificationMethod": METHOD, "proofPurpose": "assertionMethod", "@context": CONTEXT,
        "proofValue": PROOF_VALUE}}
    verify_proof(published)


@pytest.mark.parametrize("path", [("name",), ("credentialSubject", "alumniOf"),
                                  ("validFrom",), ("proof", "created"),
                                  ("proof", "proofPurpose"), ("issuer",)])
def test_any_change_breaks_the_proof(path: tuple[str, ...]) -> None:
    signed = spec_signed()
    target = signed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = target[path[-1]] + "x"
    with pytest.raises(ProofError):
        verify_proof(signed)


def test_wrong_suite_and_context_refused() -> None:
    signed = spec_signed()
    signed["proof"]["cryptosuite"] = "eddsa-rdfc-2022"
    with pytest.raises(ProofError, match="cryptosuite"):
        verify_proof(signed)
    signed = spec_signed()
    signed["@context"] = list(reversed(CONTEXT))
    with pytest.raises(ProofError, match="@context"):
        verify_proof(signed)
    signed = spec_signed()
    signed["proof"]["proofValue"] = "u" + PROOF_VALUE[1:]
    with pytest.raises(ProofError):
        verify_proof(signed)


@pytest.mark.parametrize("data", [b"", b"\0", b"\0\0\1", b"hello world", bytes(range(256))])
def test_base58_round_trip(data: bytes) -> None:
    assert b58decode(b58encode(data)) == data


def test_base58_known_value() -> None:
    assert b58encode(b"hello world") == "StV1DL6CwTryKyV"
