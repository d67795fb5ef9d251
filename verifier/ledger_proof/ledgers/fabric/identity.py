"""A Fabric signing identity: MSP id, X.509 certificate, ECDSA P-256 key.

Fabric verifies signatures with low-S enforcement (ECDSA signatures are
malleable: (r, s) and (r, n-s) both verify), and the ``cryptography`` package
does not normalize S, so half of all raw signatures would be rejected by the
peer. ``sign`` therefore always returns the low-S DER form.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from fabric_protos.msp import identities_pb2

from ledger_proof.ledgers.fabric.errors import IdentityError

#: Order of the P-256 group.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
P256_HALF_ORDER = P256_ORDER >> 1


def to_low_s(der_signature: bytes) -> bytes:
    """Return the DER signature with S replaced by n-S when S is in the upper half."""
    r, s = decode_dss_signature(der_signature)
    if s > P256_HALF_ORDER:
        s = P256_ORDER - s
    return encode_dss_signature(r, s)


def is_low_s(der_signature: bytes) -> bool:
    _, s = decode_dss_signature(der_signature)
    return s <= P256_HALF_ORDER


@dataclass(frozen=True)
class SigningIdentity:
    """Who signs proposals, transactions and commit-status requests."""

    mspid: str
    cert_pem: bytes
    private_key: ec.EllipticCurvePrivateKey

    def creator(self) -> bytes:
        """Serialized msp.SerializedIdentity: the creator field of every header."""
        return identities_pb2.SerializedIdentity(
            mspid=self.mspid, id_bytes=self.cert_pem
        ).SerializeToString()

    def sign(self, message: bytes) -> bytes:
        """ECDSA P-256 / SHA-256, DER, low-S (what Fabric's MSP accepts)."""
        return to_low_s(self.private_key.sign(message, ec.ECDSA(hashes.SHA256())))

    @classmethod
    def from_pem(cls, mspid: str, cert_pem: bytes, key_pem: bytes) -> SigningIdentity:
        try:
            cert = x509.load_pem_x509_certificate(cert_pem)
            key = serialization.load_pem_private_key(key_pem, password=None)
        except ValueError as exc:
            raise IdentityError(f"cannot load identity of {mspid}: {exc}") from exc
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise IdentityError(f"identity of {mspid}: private key is not ECDSA P-256")
        if cert.public_key() != key.public_key():
            raise IdentityError(f"identity of {mspid}: certificate and private key do not match")
        return cls(mspid=mspid, cert_pem=cert_pem, private_key=key)

    @classmethod
    def from_files(cls, mspid: str, cert_path: Path, key_path: Path) -> SigningIdentity:
        try:
            cert_pem, key_pem = Path(cert_path).read_bytes(), Path(key_path).read_bytes()
        except OSError as exc:
            raise IdentityError(f"cannot read identity of {mspid}: {exc}") from exc
        return cls.from_pem(mspid, cert_pem, key_pem)
