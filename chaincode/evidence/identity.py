"""Who is calling: MSP id and whether the certificate is an org admin.

Authorization in Fabric chaincode is the chaincode's own job. The peer has
already checked that the creator's certificate chains to a channel MSP, so the
chaincode only needs the MSP id and the NodeOU role in the certificate subject
(cryptogen and Fabric CA put ``OU=admin`` in admin certificates when NodeOUs are on).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

#: MSP id of the platform organization; overridable so another deployment can rename it.
PLATFORM_MSPID_ENV = "EVIDENCE_PLATFORM_MSPID"
DEFAULT_PLATFORM_MSPID = "PlatformMSP"


def platform_mspid() -> str:
    """The MSP whose admin may register ledgers and whose members may anchor."""
    return os.environ.get(PLATFORM_MSPID_ENV, DEFAULT_PLATFORM_MSPID)


@dataclass(frozen=True)
class Caller:
    """The submitting identity as the chaincode sees it."""

    mspid: str
    roles: frozenset[str]
    subject: str

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


def _roles_of(cert_pem: bytes) -> tuple[frozenset[str], str]:
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
    except ValueError:
        return frozenset(), ""
    ous = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    return frozenset(str(ou.value).lower() for ou in ous), cert.subject.rfc4514_string()


def caller_of(stub: Any) -> Caller:
    """Read the creator the shim decoded from the signed proposal."""
    creator = stub.get_creator() or {}
    mspid = str(creator.get("mspid") or "")
    id_bytes = creator.get("idBytes") or b""
    if isinstance(id_bytes, str):
        id_bytes = id_bytes.encode()
    roles, subject = _roles_of(bytes(id_bytes)) if id_bytes else (frozenset(), "")
    return Caller(mspid=mspid, roles=roles, subject=subject)
