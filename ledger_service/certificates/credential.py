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

import uuid
from dataclasses import dataclass
from typing import Any

from ledger_proof.certificates.grades import DEFINITIONS, DIMENSIONS
from ledger_proof.certificates.model import (
    CERT_PREFIX,
    CREDENTIAL_TYPE,
    ID_PREFIX,
    VC_CONTEXT,
    CredentialError,
    certificate_id_of,
    credential_hash,
    text_of,
)

__all__ = ["CredentialError", "Subject", "build", "certificate_id_of", "credential_hash",
           "lang", "new_ids", "text_of"]

def new_ids() -> tuple[str, str]:
    """(certificate id, credential id) for a new certificate."""
    value = str(uuid.uuid4())
    return CERT_PREFIX + value, ID_PREFIX + value


def lang(zh: str | None, en: str | None) -> list[dict[str, str]]:
    values = []
    if zh:
        values.append({"@value": zh, "@language": "zh"})
    if en:
        values.append({"@value": en, "@language": "en"})
    return values


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
