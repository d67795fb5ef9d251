"""Real bundles and certificates for the named-check tests, built with the verifier's own code.

No database and no service: events are committed, batched into an RFC 9162
tree, the header signed with a PyNaCl key, and certificates secured with an
eddsa-jcs-2022 proof, exactly as the issuing side does. Each builder returns
a document every check passes on, so a test can break one thing at a time.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from nacl.signing import SigningKey

from ledger_proof import merkle
from ledger_proof.bundle import build_bundle
from ledger_proof.certificates import status_list
from ledger_proof.certificates.dataintegrity import add_proof
from ledger_proof.certificates.model import credential_hash
from ledger_proof.certificates.multibase import did_key, did_key_method
from ledger_proof.certificates.token import URI_PREFIX, token_id_for_certificate
from ledger_proof.commitment import commit
from ledger_proof.headers import header_bytes, header_hash, make_header
from ledger_proof.ledgers.base import AnchorError, StoredHeader
from ledger_proof.signing import ServiceKey

SEED = bytes(range(32))
OTHER_SEED = bytes(range(1, 33))
AT = datetime(2026, 6, 1, tzinfo=UTC)
STATUS_URL = "https://ledger.example/status/1"
CERT_UUID = "58172aac-d8ba-11ed-83dd-0b3aef56cc33"


def service_key(seed: bytes = SEED) -> ServiceKey:
    return ServiceKey(SigningKey(seed))


def score_event(index: int = 1) -> dict[str, Any]:
    return {"id": f"evt-{index}", "type": "score.computed", "enterprise_id": "91350100M000100Y43",
            "payload": {"grade": "AA", "score": 812, "model_id": "m1", "model_version": "2",
                        "dimensions": {"financial_health": 80, "operating_activity": 75,
                                       "growth_potential": 70}}}


def make_bundle(*, key: ServiceKey | None = None, index: int = 1, size: int = 5,
                anchors: list[dict[str, Any]] | None = None,
                leaf: bytes | None = None) -> dict[str, Any]:
    """A bundle for event ``index`` of a batch of ``size`` events, every check passing.

    ``leaf`` puts another leaf in the tree (and the bundle) in place of the
    commitment's, so that only ``leaf_hash`` can notice.
    """
    key = key or service_key()
    commits = [commit(score_event(i), salt=bytes([i]) * 32) for i in range(size)]
    leaves = [c.leaf_hash for c in commits]
    if leaf is not None:
        leaves[index] = leaf
    levels = merkle.build_levels(leaves)
    header = make_header(ledger_id="ledger-test", seq=3, prev_header_hash="ab" * 32,
                         merkle_root=levels[-1][0].hex(), size=size, first_event="evt-0",
                         last_event=f"evt-{size - 1}", sealed_at="2026-05-01T00:00:00Z")
    mine = commits[index]
    return build_bundle(event=score_event(index), salt=mine.salt, commitment=mine.commitment,
                        leaf_hash=leaves[index], leaf_index=index, tree_size=size,
                        path=merkle.inclusion_path_from_levels(levels, index), header=header,
                        header_hash_hex=header_hash(header),
                        signature=key.sign(header_bytes(header)), key_id=key.key_id,
                        public_key_b64=key.public_key_b64,
                        anchors=[{"backend": "evm", "tx": "0x01"}] if anchors is None
                        else anchors)


@dataclass
class Reader:
    """A pinned-ledger reader: which backends it reads and what each holds."""

    stored: dict[str, StoredHeader | None] = field(default_factory=dict)
    error: bool = False
    calls: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)

    def reads(self, backend: Any) -> bool:
        return backend in self.stored

    def describe(self, backend: str) -> str:
        return f"pinned {backend} ledger"

    def __call__(self, receipt: dict[str, Any], header: dict[str, Any]) -> StoredHeader | None:
        self.calls.append((receipt, header))
        if self.error:
            raise AnchorError("node unreachable")
        return self.stored[receipt["backend"]]


def holding(bundle: dict[str, Any], *, backend: str = "evm", full: bool = False) -> Reader:
    """A reader whose pinned ``backend`` holds the bundle's header (hash only unless full)."""
    header = bundle["batch"]["header"]
    return Reader({backend: StoredHeader(copy.deepcopy(header) if full else None,
                                         header_hash(header))})


def issuer_key(seed: bytes = SEED) -> SigningKey:
    return SigningKey(seed)


def sign_doc(doc: dict[str, Any], key: SigningKey, *, method: str | None = None
             ) -> dict[str, Any]:
    return add_proof(doc, key, verification_method=method or did_key_method(
        bytes(key.verify_key)), created="2026-05-01T00:00:00Z")


def make_certificate(*, key: SigningKey | None = None, bundle: dict[str, Any] | None = None,
                     token: bool = True) -> dict[str, Any]:
    """A credit certificate whose evidence is a bundle signed by the same key."""
    key = key or issuer_key()
    pub = bytes(key.verify_key)
    bundle = bundle if bundle is not None else make_bundle(key=ServiceKey(key))
    event = bundle["event"]
    payload = event["payload"]
    doc: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": f"urn:uuid:{CERT_UUID}",
        "type": ["VerifiableCredential", "CreditRatingCertificate"],
        "issuer": {"id": did_key(pub), "name": "Ledger"},
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
        "credentialSubject": {
            "unifiedSocialCreditCode": event["enterprise_id"],
            "creditRating": {
                "scoreEvent": event["id"], "grade": payload["grade"], "score": payload["score"],
                "model": {"id": payload["model_id"], "version": payload["model_version"]},
                "dimensions": {"financialHealth": 80, "operatingActivity": 75,
                               "growthPotential": 70}}},
        "credentialStatus": status_list.entry(STATUS_URL, 7),
        "evidence": [{"type": "LedgerProofBundle", "proofBundle": bundle}],
    }
    if token:
        doc["tokenBinding"] = {"chain": "eip155:31337",
                               "tokenId": str(token_id_for_certificate(f"crt-{CERT_UUID}"))}
    return sign_doc(doc, key)


def status_fetcher(key: SigningKey | None = None, revoked: tuple[int, ...] = (),
                   url: str = STATUS_URL):
    """A fetcher returning the status list signed by ``key``."""
    key = key or issuer_key()
    listing = sign_doc(status_list.list_credential(
        url, {"id": did_key(bytes(key.verify_key))}, revoked, "2026-01-01T00:00:00Z"), key)

    def fetch(requested: str) -> dict[str, Any]:
        if requested != STATUS_URL:  # the URL the certificates name, whatever the list says
            raise OSError(f"nothing at {requested}")
        return copy.deepcopy(listing)
    return fetch


def fabric_reader(cert: dict[str, Any], *, status: str = "active"):
    record = {"credential_hash": credential_hash(cert), "status": status,
              "registered_tx": "tx1", "revocation_reason": "fraud"}
    return lambda certificate_id: dict(record) if certificate_id == f"crt-{CERT_UUID}" else None


def token_reader(cert: dict[str, Any], **override: Any):
    state = {"exists": True, "locked": True, "revoked": False,
             "token_uri": URI_PREFIX + credential_hash(cert), "token_id": 1, "chain_id": 31337,
             "contract": "0xc0"}
    state.update(override)

    def read(binding: dict[str, Any]) -> dict[str, Any]:
        if binding != cert.get("tokenBinding"):
            raise LookupError(f"no token for {binding!r}")
        return dict(state)
    return read
