"""The credit certificate as a W3C Verifiable Credential 2.0 (unsigned; dataintegrity signs).

Shape decisions, so that standard VC tooling reads it and a bank reads it too:

* ``id`` is ``urn:uuid:<uuid>``; the service's certificate id is ``crt-<uuid>``
  (allowed by both the event schema and the chaincode's key rules), so any
  holder derives the certificate id, and from it the token id, from the
  credential alone.
* The issuer is the service's did:key: the same Ed25519 key that signs batch
  headers, so the evidence bundle's header signature and the credential's
  proof must come from one key, and a verifier pins one thing.
* Terms beyond the VC 2.0 context (creditRating, certificateNumber, ...) fall
  under the context's issuer-dependent @vocab, which the spec provides for
  exactly this; names carry both languages as JSON-LD language values.
* ``evidence`` holds the score event's complete v1 proof bundle, so the bank
  checks the score against the anchored Merkle batch without calling us.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from ledger_service.certificates.grades import DEFINITIONS, DIMENSIONS
from ledger_service.proof.canonical import canonicalize_reference

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
CREDENTIAL_TYPE = "CreditRatingCertificate"
ID_PREFIX = "urn:uuid:"
CERT_PREFIX = "crt-"


class CredentialError(ValueError):
    """A document is not a credit certificate of this service's shape."""


def new_ids() -> tuple[str, str]:
    """(certificate id, credential id) for a new certificate."""
    value = str(uuid.uuid4())
    return CERT_PREFIX + value, ID_PREFIX + value


def certificate_id_of(credential: Any) -> str:
    """crt-<uuid> from a credential's urn:uuid id."""
    cred_id = credential.get("id") if isinstance(credential, dict) else None
    if not isinstance(cred_id, str) or not cred_id.startswith(ID_PREFIX):
        raise CredentialError("the credential id is not a urn:uuid")
    try:
        value = str(uuid.UUID(cred_id[len(ID_PREFIX):]))
    except ValueError:
        raise CredentialError("the credential id is not a valid urn:uuid") from None
    return CERT_PREFIX + value


def credential_hash(secured: dict[str, Any]) -> str:
    """SHA-256 of the JCS bytes of the whole signed credential (proof included), hex.

    This is what the token URI, the Fabric registry and the certificate
    events commit to: one hash names one exact signed document.
    """
    return hashlib.sha256(canonicalize_reference(secured)).hexdigest()


def lang(zh: str | None, en: str | None) -> list[dict[str, str]]:
    values = []
    if zh:
        values.append({"@value": zh, "@language": "zh"})
    if en:
        values.append({"@value": en, "@language": "en"})
    return values


def text_of(value: Any, language: str) -> str | None:
    """The string for a language from a language-value list (or a plain string)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item.get("@language") == language:
                return item.get("@value")
    return None


@dataclass(frozen=True)
class Subject:
    uscc: str
    name_zh: str | None
    name_en: str | None


def build(*, credential_id: str, number: str, issuer: dict[str, Any], subject: Subject,
          score_event: dict[str, Any], bundle: dict[str, Any], valid_from: str,
          valid_until: str, status: dict[str, Any], token: dict[str, Any] | None
          ) -> dict[str, Any]:
    """The unsigned credential for a score event (its committed body) and proof bundle."""
    payload = score_event["payload"]
    grade = payload["grade"]
    zh, en = DEFINITIONS[grade]
    subject_doc: dict[str, Any] = {
        "id": f"urn:uscc:{subject.uscc}",
        "type": "Enterprise",
        "unifiedSocialCreditCode": subject.uscc,
        "creditRating": {
            "type": "CreditRating",
            "grade": grade,
            "gradeDefinition": lang(zh, en),
            "score": payload["score"],
            "scoreRange": "0-1000",
            "dimensions": {cred: payload["dimensions"][key]
                           for key, cred, _zh, _en in DIMENSIONS},
            "model": {"id": payload["model_id"], "version": payload["model_version"]},
            "ratedAt": score_event["occurred_at"],
            "scoreEvent": score_event["id"],
        },
    }
    name = lang(subject.name_zh, subject.name_en)
    if name:
        subject_doc["name"] = name
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "name": lang("企业信用评级证书", "Enterprise Credit Rating Certificate"),
        "certificateNumber": number,
        "issuer": issuer,
        "validFrom": valid_from,
        "validUntil": valid_until,
        "credentialSubject": subject_doc,
        "credentialStatus": status,
        "evidence": [{
            "id": f"urn:ledger-event:{score_event['id']}",
            "type": ["CreditScoreEvidence", "MerkleProofBundle"],
            "scoreEvent": score_event["id"],
            "proofBundle": bundle,
        }],
    }
    if token is not None:
        credential["tokenBinding"] = token
    return credential
