"""Verify credit evidence without trusting the platform that produced it.

The public surface is small on purpose:

- ``verify_bundle(bundle, policy=..., reader=...)`` checks a v1 proof bundle;
- ``verify_certificate(doc, policy=..., ...)`` checks a credit certificate;
- policies say what is pinned: ``PinnedKeys``, ``Unpinned`` (the default),
  and the loudly named ``UnsafeNoOp``;
- ``PinnedLedgers.open(...)`` reads anchors back from ledgers you chose;
- verdicts are ``VALID``, ``INVALID`` or ``UNVERIFIED`` with every check by name.

Everything else (canonical JSON, RFC 9162 Merkle trees, headers, Ed25519,
eddsa-jcs-2022) lives in modules named for what they do.
"""

from ledger_proof.bundle import BundleFormatError, verify_bundle
from ledger_proof.certificates.verify import CertificateFormatError, verify_certificate
from ledger_proof.ledgers.pinned import LedgerReadError, PinnedLedgers
from ledger_proof.policy import PinnedKeys, TrustPolicy, Unpinned, UnsafeNoOp
from ledger_proof.verdict import INVALID, UNVERIFIED, VALID, Check, Verdict

__version__ = "0.2.0"

__all__ = ["INVALID", "UNVERIFIED", "VALID", "BundleFormatError", "CertificateFormatError",
           "Check", "LedgerReadError", "PinnedKeys", "PinnedLedgers", "TrustPolicy",
           "Unpinned", "UnsafeNoOp", "Verdict", "verify_bundle", "verify_certificate"]
