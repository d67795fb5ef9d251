"""W3C Bitstring Status List v1.0: revocation a verifier checks without naming the certificate.

Each certificate gets an index in a list of 131,072 bits (the spec's minimum
size, 16 KiB, so a list does not betray how few certificates exist); the bit
at that index is 1 once the certificate is revoked. The list is published as
a credential of its own (BitstringStatusListCredential), signed like every
certificate, so a cached or mirrored copy is as trustworthy as the service.

Encoding per the spec: GZIP of the bitstring, base64url without padding,
multibase prefix 'u'; index 0 is the most significant bit of the first byte.
GZIP's timestamp is fixed at 0 so the same bits always give the same bytes.
"""

from __future__ import annotations

import base64
import gzip
import zlib
from collections.abc import Iterable
from typing import Any

LIST_BITS = 131_072
PURPOSE = "revocation"
ENTRY_TYPE = "BitstringStatusListEntry"
LIST_TYPE = "BitstringStatusList"
CREDENTIAL_TYPE = "BitstringStatusListCredential"


class StatusListError(ValueError):
    """A status list or entry is malformed."""


class MalformedStatusEntry(StatusListError):
    """The credentialStatus entry itself has the wrong shape (not a revocation check result)."""


def encode(revoked: Iterable[int], size: int = LIST_BITS) -> str:
    bits = bytearray(size // 8)
    for index in revoked:
        if not 0 <= index < size:
            raise StatusListError(f"index {index} is outside a list of {size} bits")
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)  # level 9, gzip's default
    return "u" + base64.urlsafe_b64encode(packed).decode().replace("=", "")  # unpadded


def decode(encoded: str) -> bytes:
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise StatusListError("encodedList must be multibase base64url (leading 'u')")
    body = encoded[1:]
    try:
        packed = base64.urlsafe_b64decode(body + "==")  # surplus padding is ignored
        return gzip.decompress(packed)
    except (ValueError, OSError, EOFError, zlib.error) as exc:
        raise StatusListError(f"encodedList does not decode: {exc}") from None


def bit(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise StatusListError(f"statusListIndex {index} is outside the list "
                              f"({len(bits) * 8} bits)")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def entry(list_url: str, index: int) -> dict[str, Any]:
    """The credentialStatus of a certificate at ``index`` of the list at ``list_url``."""
    return {"id": f"{list_url}#{index}", "type": ENTRY_TYPE, "statusPurpose": PURPOSE,
            "statusListIndex": str(index), "statusListCredential": list_url}


def list_credential(list_url: str, issuer: dict[str, Any], revoked: Iterable[int],
                    valid_from: str) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential for a list."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {"id": f"{list_url}#list", "type": LIST_TYPE,
                              "statusPurpose": PURPOSE, "encodedList": encode(revoked)},
    }


def parse_entry(status: Any) -> tuple[str, int]:
    """(status list credential URL, index) of a credentialStatus; raises StatusListError."""
    entries = status if isinstance(status, list) else [status]
    for item in entries:
        if isinstance(item, dict) and item.get("type") == ENTRY_TYPE \
                and item.get("statusPurpose") == PURPOSE:
            url, raw = item.get("statusListCredential"), item.get("statusListIndex")
            if not isinstance(url, str) or not isinstance(raw, str) \
                    or not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
                raise MalformedStatusEntry("statusListCredential must be a URL and "
                                           "statusListIndex a decimal string")
            return url, int(raw)
    raise StatusListError("no BitstringStatusListEntry with statusPurpose revocation")


def is_revoked(list_doc: Any, index: int) -> bool:
    """Read a (verified) status list credential's bit for ``index``."""
    subject = list_doc.get("credentialSubject") if isinstance(list_doc, dict) else None
    if not isinstance(subject, dict) or subject.get("type") != LIST_TYPE:
        raise StatusListError("not a BitstringStatusListCredential")
    if subject.get("statusPurpose") != PURPOSE:
        raise StatusListError(f"status list purpose is {subject.get('statusPurpose')!r}")
    return bit(decode(subject.get("encodedList")), index)
