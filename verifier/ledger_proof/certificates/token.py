"""The soulbound certificate token as a verifier sees it: its id and the checks on its state.

A token's id is derived from the certificate id alone, so a holder of the
credential finds the token without asking the issuer; the token URI names
the credential hash, so the token commits to one exact signed document.
"""

from __future__ import annotations

import hashlib
from typing import Any

URI_PREFIX = "urn:credential:sha256:"


def token_id_for_certificate(certificate_id: str) -> int:
    """uint256 token id of a certificate: SHA-256(utf8(certificate_id)) big-endian."""
    # str.encode and int.from_bytes default to UTF-8 and big-endian
    return int.from_bytes(hashlib.sha256(certificate_id.encode()).digest())


def token_checks(status: dict[str, Any], credential_hash: str) -> list[dict[str, Any]]:
    """The verifier's token checks over a ``CertificateToken.status`` result.

    Names follow the certificate verdict: token.exists, token.locked,
    token.not_revoked, token.uri_matches; each ``{"name", "ok", "detail"}``.
    """
    exists = bool(status.get("exists"))
    expected_uri = URI_PREFIX + credential_hash
    where = f"token {status.get('token_id')} on chain {status.get('chain_id')}"
    return [
        {"name": "token.exists", "ok": exists,
         "detail": f"{where} at {status.get('contract')}" if exists
         else f"{where} was never minted"},
        {"name": "token.locked", "ok": exists and status.get("locked") is True,
         "detail": "ERC-5192 locked (non-transferable)" if status.get("locked")
         else "not locked"},
        {"name": "token.not_revoked", "ok": exists and status.get("revoked") is False,
         "detail": "revoked on chain" if status.get("revoked") else "not revoked"},
        {"name": "token.uri_matches", "ok": exists and status.get("token_uri") == expected_uri,
         "detail": f"token URI {status.get('token_uri')!r}, expected {expected_uri!r}"},
    ]
