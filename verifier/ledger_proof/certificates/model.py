"""The credit certificate's shape as a verifier reads it: context, type, ids, hash, texts.

The issuing side (``ledger_service.certificates.credential``) builds
credentials from these names, so the verifier and the issuer cannot disagree
on what a certificate id or a credential hash is.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from ledger_proof.canonical import canonicalize_reference

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
CREDENTIAL_TYPE = "CreditRatingCertificate"
ID_PREFIX = "urn:uuid:"
CERT_PREFIX = "crt-"


class CredentialError(ValueError):
    """A document is not a credit certificate of this service's shape."""


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


def text_of(value: Any, language: str) -> str | None:
    """The string for a language from a language-value list (or a plain string)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item.get("@language") == language:
                return item.get("@value")
    return None
