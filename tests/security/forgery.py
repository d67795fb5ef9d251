"""What an attacker can make without any of the platform's secrets: self-consistent forgeries.

A one-leaf tree over a payload of the attacker's choosing, a header signed
with the attacker's own Ed25519 key (carried in the bundle), and a credit
certificate issued under the attacker's own did:key with a status list the
attacker signs. Every hash in them is right; only a pinned key or ledger
can tell them from genuine evidence.
"""

from __future__ import annotations

from typing import Any

from ledger_proof import merkle
from ledger_proof.bundle import build_bundle
from ledger_proof.certificates import status_list
from ledger_proof.certificates.dataintegrity import add_proof
from ledger_proof.certificates.multibase import did_key, did_key_method
from ledger_proof.commitment import commit
from ledger_proof.headers import GENESIS_PREV_HASH, header_bytes, header_hash, make_header
from ledger_proof.signing import ServiceKey
from ledger_service.certificates import credential as cred

USCC = "91350100M000100Y43"
LIST_URL = "https://attacker.example/status/0"


def score_event(score: int = 999, grade: str = "AAA") -> dict[str, Any]:
    return {"id": "evt_" + "ab" * 16, "type": "score.computed", "enterprise_id": USCC,
            "org": "platform", "occurred_at": "2026-11-26T10:00:00Z",
            "recorded_at": "2026-11-26T10:00:01Z", "refs": [],
            "payload": {"model_id": "tri-dim", "model_version": "3.1", "score": score,
                        "grade": grade, "inputs_digest": "cd" * 32,
                        "dimensions": {"financial_health": 99, "operating_activity": 99,
                                       "growth_potential": 99}}}


def signed_header(key: ServiceKey, *, merkle_root: str, seq: int = 0, size: int = 1,
                  ledger_id: str = "credit-evidence", prev: str = GENESIS_PREV_HASH,
                  event_id: str = "evt_" + "ab" * 16) -> tuple[dict[str, Any], str, str]:
    header = make_header(ledger_id=ledger_id, seq=seq, prev_header_hash=prev,
                         merkle_root=merkle_root, size=size, first_event=event_id,
                         last_event=event_id, sealed_at="2026-11-26T10:00:02Z")
    return header, header_hash(header), key.sign(header_bytes(header))


def bundle_for(event: dict[str, Any], key: ServiceKey, *, anchors: list[Any] | None = None,
               **header_args: Any) -> dict[str, Any]:
    """A one-leaf bundle over ``event`` whose header ``key`` signed (and which it carries)."""
    c = commit(event)
    header, hh, signature = signed_header(key, merkle_root=merkle.root([c.leaf_hash]).hex(),
                                          event_id=event["id"], **header_args)
    return build_bundle(event=event, salt=c.salt, commitment=c.commitment,
                        leaf_hash=c.leaf_hash, leaf_index=0, tree_size=1, path=[],
                        header=header, header_hash_hex=hh, signature=signature,
                        key_id=key.key_id, public_key_b64=key.public_key_b64,
                        anchors=anchors or [])


#: A receipt the attacker writes: its own contract, which it controls.
FAKE_RECEIPT = {"backend": "evm", "chain_id": 31337,
                "contract": "0x" + "ee" * 20, "tx_hash": "0x" + "ee" * 32, "block_number": 7}


def forged_bundle(anchors: list[Any] | None = None) -> tuple[dict[str, Any], ServiceKey]:
    attacker = ServiceKey.generate()
    return bundle_for(score_event(), attacker, anchors=anchors), attacker


def forged_certificate() -> tuple[dict[str, Any], dict[str, Any], ServiceKey]:
    """(certificate, the status list the attacker serves for it, the attacker's key)."""
    bundle, attacker = forged_bundle(anchors=[FAKE_RECEIPT])
    issuer = {"id": did_key(attacker.public_key), "name": "Haixi Credit Service Platform"}
    _certificate_id, credential_id = cred.new_ids()
    unsigned = cred.build(
        credential_id=credential_id, number="HXCR-2026-000001", issuer=issuer,
        subject=cred.Subject(USCC, "福州示例科技有限公司", "Fuzhou Example Tech"),
        score_event=bundle["event"], bundle=bundle, valid_from="2026-11-26T00:00:00Z",
        valid_until="2099-01-01T00:00:00Z", status=status_list.entry(LIST_URL, 7), token=None)
    method = did_key_method(attacker.public_key)
    certificate = add_proof(unsigned, attacker.signing_key, verification_method=method,
                            created="2026-11-26T00:00:00Z")
    listing = add_proof(status_list.list_credential(LIST_URL, issuer, [], "2026-11-26T00:00:00Z"),
                        attacker.signing_key, verification_method=method,
                        created="2026-11-26T00:00:00Z")
    return certificate, listing, attacker
