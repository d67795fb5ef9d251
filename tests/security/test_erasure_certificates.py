"""Issue 9, item 7: erasing the score a certificate rests on revokes the certificate
everywhere (status list, token, Fabric when configured, a certificate.revoked event) and
takes the score out of the stored certificate; the org signature over the plaintext goes
with the payload. Over HTTP (SQLite and PostgreSQL) and with the `ledger erase` CLI."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import orjson
import pytest
from nacl.signing import SigningKey
from sqlalchemy import select

from ledger_proof.canonical import canonicalize
from ledger_proof.certificates import status_list
from ledger_service.certificates.service import CertificateService
from ledger_service.evidence.story import PLATFORM_ORG, score_event
from ledger_service.runtime.context import LedgerContext
from ledger_service.store.tables import EVENTS

from ..certificates.conftest import CertApi, with_evm
from ..conftest import Api, make_settings
from ..test_cli import ledger
from ..worlds import E1


@pytest.fixture
def capi(ctx: LedgerContext) -> CertApi:
    return CertApi(with_evm(ctx))


def _bit_set(api: Api, index: int) -> bool:
    doc = api.client.get("/v1/status-lists/0").json()
    return status_list.bit(status_list.decode(doc["credentialSubject"]["encodedList"]), index)


def _assert_score_gone(api: Api, record: dict[str, Any], salt: str) -> None:
    """Neither the stored certificate nor anything served about it still holds the score."""
    cert_id, digest = record["id"], record["credential_hash"]
    r = api.get(f"/v1/certificates/{cert_id}", "platform")
    assert r.status_code == 200, r.text
    assert r.headers["X-Certificate-Status"] == "revoked"
    credential = r.json()
    bundle = credential["evidence"][0]["proofBundle"]
    assert bundle["event"] is None and bundle["salt"] is None
    rating = credential["credentialSubject"]["creditRating"]
    assert not {"score", "grade", "dimensions", "gradeDefinition", "model"} & set(rating)
    assert salt not in r.text and '"score":742' not in r.text
    # The PDF would print the score: it is gone, not rendered from a redacted record.
    assert api.get(f"/v1/certificates/{cert_id}.pdf", "platform").status_code == 410
    # Anonymous verification by reference (what the QR code carries).
    anon = api.client.post("/v1/verify/certificate", json={"id": cert_id,
                                                           "credential_hash": digest})
    assert anon.status_code == 200, anon.text
    verdict = anon.json()
    assert verdict["valid"] is False
    shown = verdict.get("certificate") or {}
    assert shown.get("score") is None and shown.get("grade") is None
    assert '"grade":"A"' not in anon.text and "742" not in anon.text
    stored = CertificateService.of(api.ctx).get(cert_id)
    assert stored["status"] == "revoked"
    assert _bit_set(api, stored["status_index"])


def test_erasing_the_score_revokes_and_redacts_its_certificates(capi: CertApi) -> None:
    score = capi.scored()
    first, second = capi.issue(), capi.issue()
    salt = capi.get(f"/v1/events/{score}/proof").json()["salt"]
    assert first["credential"]["evidence"][0]["proofBundle"]["salt"] == salt
    r = capi.post(f"/v1/events/{score}/erase", "platform", {"reason": "pipl_request"})
    assert r.status_code == 200, r.text
    assert sorted(r.json()["certificates_revoked"]) == sorted([first["id"], second["id"]])
    tokens = CertificateService.of(capi.ctx).token_client()
    for record in (first, second):
        _assert_score_gone(capi, record, salt)
        summary = capi.get(f"/v1/certificates/{record['id']}/record", "platform").json()
        assert summary["status"] == "revoked"
        assert summary["revocation"]["token"] is not None
        assert tokens.status(int(record["credential"]["tokenBinding"]["tokenId"]))["revoked"]
        event = capi.get(f"/v1/events/{summary['revocation']['event']}").json()
        assert event["type"] == "certificate.revoked"
    # The holder's own copy of the credential no longer verifies: its status bit is set.
    verdict = capi.verify(first["credential"])
    assert verdict["valid"] is False


def test_erasure_takes_the_org_signature_with_the_payload(api: Api) -> None:
    key = SigningKey.generate()
    api.ctx.orgs.add(PLATFORM_ORG, base64.b64encode(bytes(key.verify_key)).decode())
    event = score_event(E1, 3, "C", (1, 1, 1))
    signature = base64.b64encode(key.sign(canonicalize(event)).signature).decode()
    event_id = api.record("platform", {**event, "signature": signature})
    with api.ctx.engine.connect() as conn:
        assert conn.execute(select(EVENTS.c.org_signature).where(EVENTS.c.id == event_id)
                            ).scalar_one() == signature
    assert api.post(f"/v1/events/{event_id}/erase", "platform",
                    {"reason": "pipl_request"}).status_code == 200
    with api.ctx.engine.connect() as conn:
        row = conn.execute(select(EVENTS).where(EVENTS.c.id == event_id)).one()
    assert row.body is None and row.salt is None and row.org_signature is None
    assert signature not in api.get(f"/v1/events/{event_id}").text


def test_ledger_erase_cli_revokes_and_redacts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    from ..certificates.conftest import CertApi, with_evm

    ctx = LedgerContext.open(make_settings(data, certificate_tokens=False))
    api = CertApi(with_evm(ctx))  # certificates rest only on anchored scores
    score = api.record("platform", score_event(E1, 742, "A", (78, 71, 66)))
    api.settle()
    r = api.post(f"/v1/enterprises/{E1}/certificates", "platform", {})
    assert r.status_code == 201, r.text
    record = r.json()
    salt = api.get(f"/v1/events/{score}/proof").json()["salt"]
    ctx.close()
    out = ledger("erase", score, "--reason", "pipl_request", "--org", PLATFORM_ORG,
                 data_dir=data)
    assert out.returncode == 0, out.stdout + out.stderr
    assert record["id"] in out.stdout
    ctx = LedgerContext.open(make_settings(data, certificate_tokens=False))
    try:
        api = Api(ctx)
        _assert_score_gone(api, record, salt)
        stored = CertificateService.of(ctx).get(record["id"])
        assert stored["revocation"]["event"] is not None
        assert salt not in orjson.dumps(stored).decode()
    finally:
        ctx.close()
