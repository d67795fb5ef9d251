"""Issue, download, verify and revoke credit certificates through the API, on SQLite and
PostgreSQL, with tokens on the embedded EVM chain."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from nacl.signing import SigningKey

from anchoring.evm.errors import ContractReverted
from anchoring.evm.token import token_id_for_certificate
from ledger_proof.certificates import status_list
from ledger_proof.certificates.dataintegrity import add_proof, verify_proof
from ledger_proof.certificates.multibase import did_key, did_key_method
from ledger_service.certificates.credential import certificate_id_of, credential_hash
from ledger_service.evidence.story import score_event
from ledger_service.runtime.context import LedgerContext

from .conftest import E1, E2, CertApi, failed, with_evm


def test_issue_states_the_latest_sealed_score(capi: CertApi) -> None:
    capi.scored(score=600, grade="BBB", dims=(60, 61, 62))
    latest = capi.scored(score=742, grade="A", dims=(78, 71, 66))
    capi.record("platform", score_event(E1, 900, "AAA", (99, 99, 99), hours=5))
    out = capi.issue()  # the AAA score is still pending: not certifiable yet
    vc = out["credential"]
    rating = vc["credentialSubject"]["creditRating"]
    assert (rating["grade"], rating["score"], rating["scoreEvent"]) == ("A", 742, latest)
    # Story scores put every factor (so every dimension) at the score.
    assert rating["dimensions"] == {"financialHealth": 742, "operatingActivity": 742,
                                    "growthPotential": 742}
    assert rating["model"] == {"id": "tri-dim-scorecard", "version": "1.0"}
    assert vc["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert vc["type"] == ["VerifiableCredential", "CreditRatingCertificate"]
    assert vc["credentialSubject"]["unifiedSocialCreditCode"] == E1
    assert {"@value": "福州闽江精密机械有限公司", "@language": "zh"} in \
        vc["credentialSubject"]["name"]
    assert vc["issuer"]["id"] == did_key(capi.ctx.key.public_key)
    assert vc["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert vc["proof"]["verificationMethod"] == did_key_method(capi.ctx.key.public_key)
    assert vc["credentialStatus"]["type"] == "BitstringStatusListEntry"
    assert vc["evidence"][0]["proofBundle"]["event"]["id"] == latest
    assert out["number"].startswith("HXCR-") and out["number"] == vc["certificateNumber"]
    assert out["id"] == certificate_id_of(vc)
    assert out["credential_hash"] == credential_hash(vc)
    assert vc["tokenBinding"]["tokenId"] == str(token_id_for_certificate(out["id"]))
    assert out["token"]["backend"] == "evm"
    assert verify_proof(vc) == capi.ctx.key.public_key
    issued = capi.get(f"/v1/events/{out['issued_event']}").json()
    assert issued["type"] == "certificate.issued"
    assert issued["event"]["refs"] == [latest]
    assert issued["event"]["payload"] == {"certificate_id": out["id"],
                                          "credential_hash": out["credential_hash"]}


def test_valid_certificate_passes_every_check(capi: CertApi) -> None:
    capi.scored()
    out = capi.issue()
    verdict = capi.verify(out["credential"])
    assert verdict["valid"] is True, failed(verdict)
    names = {c["name"] for c in verdict["checks"]}
    assert {"signature", "issuer", "validity_window", "evidence.matches", "evidence.inclusion",
            "evidence.header_signature", "evidence.anchor", "evidence.anchor.evm", "status",
            "token.exists", "token.locked", "token.not_revoked",
            "token.uri_matches"} <= names
    assert verdict["certificate"]["grade"] == "A"
    by_ref = capi.verify({"id": out["id"], "credential_hash": out["credential_hash"]})
    assert by_ref["valid"] is True
    wrong = capi.verify({"id": out["id"], "credential_hash": "0" * 64})
    assert wrong["valid"] is False and failed(wrong) == ["registered"]


def _set(path: str, value: Any) -> Any:
    def mutate(doc: dict[str, Any]) -> None:
        parts = path.split(".")
        target: Any = doc
        for part in parts[:-1]:
            target = target[int(part)] if isinstance(target, list) else target[part]
        target[parts[-1]] = value(target[parts[-1]]) if callable(value) else value
    return mutate


TAMPERING = {
    "grade": _set("credentialSubject.creditRating.grade", "AAA"),
    "score": _set("credentialSubject.creditRating.score", 999),
    "dimension": _set("credentialSubject.creditRating.dimensions.financialHealth", 100),
    "model": _set("credentialSubject.creditRating.model.version", "9.9"),
    "enterprise": _set("credentialSubject.unifiedSocialCreditCode", E2),
    "name": _set("credentialSubject.name", [{"@value": "别的公司", "@language": "zh"}]),
    "number": _set("certificateNumber", "HXCR-2026-999999"),
    "valid_until": _set("validUntil", "2099-01-01T00:00:00Z"),
    "valid_from": _set("validFrom", "2020-01-01T00:00:00Z"),
    "issuer_name": _set("issuer.name", "Someone else"),
    "status_index": _set("credentialStatus.statusListIndex", "7"),
    "token_id": _set("tokenBinding.tokenId", "1"),
    "evidence_event": _set("evidence.0.proofBundle.event.payload.score", 999),
    "evidence_path": _set("evidence.0.proofBundle.inclusion.leaf_index", 3),
    "proof_created": _set("proof.created", "2020-01-01T00:00:00Z"),
    "proof_value": _set("proof.proofValue", lambda v: v[:-2] + ("11" if v[-2:] != "11"
                                                               else "22")),
}


@pytest.mark.parametrize("field", sorted(TAMPERING))
def test_tampering_with_any_field_fails(sqlite_capi: CertApi, field: str) -> None:
    sqlite_capi.scored()
    doc = copy.deepcopy(sqlite_capi.issue()["credential"])
    TAMPERING[field](doc)
    verdict = sqlite_capi.verify(doc)
    assert verdict["valid"] is False
    assert "signature" in failed(verdict)


def test_resigned_forgery_fails_on_issuer_and_evidence(sqlite_capi: CertApi) -> None:
    sqlite_capi.scored()
    doc = sqlite_capi.issue()["credential"]
    forger = SigningKey.generate()
    pk = bytes(forger.verify_key)
    forged = {k: v for k, v in copy.deepcopy(doc).items() if k != "proof"}
    forged["credentialSubject"]["creditRating"]["grade"] = "AAA"
    forged["issuer"] = {"id": did_key(pk), "name": doc["issuer"]["name"]}
    forged = add_proof(forged, forger, verification_method=did_key_method(pk),
                       created=doc["proof"]["created"])
    verdict = sqlite_capi.verify(forged)
    assert verdict["valid"] is False
    assert "signature" not in failed(verdict)  # self-consistent, but...
    assert {"issuer", "evidence.matches", "evidence.header_signature"} <= set(failed(verdict))


def test_revocation_is_visible_to_the_verifier(capi: CertApi) -> None:
    capi.scored()
    out = capi.issue()
    assert capi.post(f"/v1/certificates/{out['id']}/revoke", E1,
                     {"reason": "x"}).status_code == 403
    r = capi.post(f"/v1/certificates/{out['id']}/revoke", "platform",
                  {"reason": "评级数据更正 / rating data corrected"})
    assert r.status_code == 200, r.text
    record = r.json()
    assert record["status"] == "revoked"
    assert record["revocation"]["token"]["backend"] == "evm"
    verdict = capi.verify(out["credential"])
    assert verdict["valid"] is False
    assert set(failed(verdict)) == {"status", "token.not_revoked"}
    listing = capi.client.get("/v1/status-lists/0").json()
    assert verify_proof(listing) == capi.ctx.key.public_key
    index = int(out["credential"]["credentialStatus"]["statusListIndex"])
    assert status_list.is_revoked(listing, index)
    event = capi.get(f"/v1/events/{record['revocation']['event']}").json()
    assert event["type"] == "certificate.revoked"
    assert event["event"]["refs"] == [out["score_event"]]
    again = capi.post(f"/v1/certificates/{out['id']}/revoke", "platform", {"reason": "again"})
    assert again.status_code == 200
    assert again.json()["revocation"]["event"] == record["revocation"]["event"]


def test_other_certificates_stay_valid_after_a_revocation(sqlite_capi: CertApi) -> None:
    sqlite_capi.scored(E1)
    sqlite_capi.scored(E2, 815, "AA", (84, 80, 79))
    one, two = sqlite_capi.issue(E1), sqlite_capi.issue(E2)
    assert one["number"] != two["number"]
    sqlite_capi.post(f"/v1/certificates/{one['id']}/revoke", "platform", {"reason": "r"})
    assert sqlite_capi.verify(two["credential"])["valid"] is True


def test_token_is_locked_and_transfer_reverts(sqlite_capi: CertApi) -> None:
    sqlite_capi.scored()
    out = sqlite_capi.issue()
    from ledger_service.certificates.service import CertificateService

    tokens = CertificateService.of(sqlite_capi.ctx).token_client()
    token_id = int(out["credential"]["tokenBinding"]["tokenId"])
    status = tokens.status(token_id)
    assert status["locked"] is True
    assert status["owner"] == tokens.chain.sender
    assert status["token_uri"] == "urn:credential:sha256:" + out["credential_hash"]
    other = tokens.chain.w3.eth.accounts[1]
    with pytest.raises(ContractReverted):
        tokens.chain.transact(tokens.contract.functions.transferFrom(
            tokens.chain.sender, other, token_id))


def test_holder_address_receives_the_token(sqlite_capi: CertApi) -> None:
    sqlite_capi.scored()
    holder = "0x000000000000000000000000000000000000dEaD"
    out = sqlite_capi.issue(body={"holder_address": holder, "name_zh": "测试企业"})
    from ledger_service.certificates.service import CertificateService

    tokens = CertificateService.of(sqlite_capi.ctx).token_client()
    assert tokens.status(int(out["credential"]["tokenBinding"]["tokenId"]))["owner"] == holder
    assert out["credential"]["credentialSubject"]["name"][0]["@value"] == "测试企业"
    bad = sqlite_capi.post(f"/v1/enterprises/{E1}/certificates", "platform",
                           {"holder_address": "nope"})
    assert bad.status_code == 422


def test_refusals(capi: CertApi) -> None:
    r = capi.post(f"/v1/enterprises/{E1}/certificates", "platform", {})
    assert r.status_code == 409 and r.json()["error"]["code"] == "no_sealed_score"
    capi.scored()
    assert capi.post(f"/v1/enterprises/{E1}/certificates", "bank", {}).status_code == 403
    assert capi.post(f"/v1/enterprises/{E1}/certificates", E1, {}).status_code == 403
    assert capi.post("/v1/enterprises/91350100M000100Y44/certificates", "platform",
                     {}).status_code == 422
    out = capi.issue()
    assert capi.get(f"/v1/certificates/{out['id']}", E1).status_code == 200
    # issue 9: another enterprise is not told the certificate exists (404, not 403)
    assert capi.get(f"/v1/certificates/{out['id']}", E2).status_code == 404
    assert capi.get(f"/v1/certificates/{out['id']}.pdf", E2).status_code == 404
    assert capi.get(f"/v1/certificates/{out['id']}", "bank").status_code == 403
    assert capi.client.get(f"/v1/certificates/{out['id']}").status_code == 401
    assert capi.get("/v1/certificates/crt-00000000-0000-0000-0000-000000000000").status_code \
        == 404
    assert capi.get("/v1/certificates/nonsense").status_code == 404
    assert capi.client.post("/v1/verify/certificate", content=b"{").status_code == 400
    assert capi.client.post("/v1/verify/certificate", json={"a": 1}).status_code == 422


def test_download_json_is_the_credential(capi: CertApi) -> None:
    capi.scored()
    out = capi.issue()
    r = capi.get(f"/v1/certificates/{out['id']}", E1)
    assert r.json() == out["credential"]
    assert r.headers["x-certificate-status"] == "active"
    record = capi.get(f"/v1/certificates/{out['id']}/record", "auditor").json()
    assert record["credential_hash"] == out["credential_hash"]


def test_issue_without_a_body(sqlite_capi: CertApi) -> None:
    sqlite_capi.scored()
    r = sqlite_capi.client.post(f"/v1/enterprises/{E1}/certificates",
                                headers=sqlite_capi.headers("platform"))
    assert r.status_code == 201, r.text


def test_an_unreachable_chain_is_a_503_and_nothing_is_claimed_as_issued(
        sqlite_capi: CertApi) -> None:
    from anchoring.evm.errors import EvmUnavailable
    from ledger_service.certificates.service import CertificateService

    sqlite_capi.scored()
    service = CertificateService.of(sqlite_capi.ctx)
    tokens = service.token_client()

    def down(*_: Any) -> None:
        raise EvmUnavailable("node down")

    tokens.mint = down
    r = sqlite_capi.post(f"/v1/enterprises/{E1}/certificates", "platform", {})
    assert r.status_code == 503 and r.json()["error"]["code"] == "ledger_unavailable"
    del tokens.mint
    retry = sqlite_capi.issue()
    assert retry["status"] == "active" and retry["number"].endswith("000002")


def test_certificate_only_from_an_anchored_score(sqlite_ctx: LedgerContext) -> None:
    """Sealed is not enough: 409 not_anchored until a configured ledger holds the batch,
    and the certificate issued then verifies valid at once."""
    bare = CertApi(sqlite_ctx)  # no ledger attached
    bare.record("platform", score_event(E1, 742, "A", (78, 71, 66)))
    bare.ctx.sealer.seal_all()
    r = bare.post(f"/v1/enterprises/{E1}/certificates", "platform", {})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_anchored"
    assert "configure" in r.json()["error"]["message"]
    with_evm(sqlite_ctx)
    newer = bare.record("platform", score_event(E1, 801, "AA", (80, 80, 80), hours=1))
    bare.ctx.sealer.seal_all()
    r = bare.post(f"/v1/enterprises/{E1}/certificates", "platform", {})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_anchored"
    assert r.json()["error"]["details"]["ledgers"] == ["evm"]
    bare.settle()
    issued = bare.issue()
    assert issued["score_event"] == newer
    verdict = bare.verify(issued["credential"])
    assert verdict["valid"] is True, failed(verdict)
