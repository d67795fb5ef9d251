"""Issue 9, item 8 (this half): inputs that passed the schema and then broke the service,
a bulk retry that failed, timestamps stored a second off, unbounded headers, metrics for
anyone, unchecked signatures inside a signed bulk, and certificates left half issued."""

from __future__ import annotations

import base64
import contextlib
import socket
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from nacl.signing import SigningKey
from sqlalchemy import select

from ledger_proof.canonical import canonicalize
from ledger_service.api.app import create_app
from ledger_service.certificates.service import CertificateService
from ledger_service.evidence.story import PLATFORM_ORG, consent_event, score_event
from ledger_service.provenance.trail import encode_cursor
from ledger_service.runtime.context import LedgerContext
from ledger_service.store.tables import EVENTS, KV

from ..conftest import Api, make_settings
from ..reliability.harness import Service, service_env
from ..test_access import _count
from ..worlds import E1

EXTREMES = ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
            "0001-01-01T00:59:59.999999+01:00", "9999-12-31T23:00:00-23:59")


def test_instants_outside_the_representable_range_are_422(api: Api) -> None:
    before = _count(api)
    for moment in EXTREMES:
        score = {**score_event(E1, 1, "C", (1, 1, 1)), "occurred_at": moment}
        consent = consent_event(E1)
        consent["payload"]["expires_at"] = moment
        consent_late = {**consent_event(E1), "occurred_at": moment}
        for who, body in (("platform", score), (E1, consent), (E1, consent_late)):
            for path, doc in (("/v1/events", body), ("/v1/events/bulk", {"events": [body]})):
                r = api.post(path, who, doc)
                assert r.status_code == 422, (moment, path, r.status_code, r.text)
                assert r.json()["error"]["code"] == "validation_error"
        for name in ("occurred_from", "occurred_to"):
            r = api.get(f"/v1/enterprises/{E1}/events", params={name: moment})
            assert r.status_code == 422, (name, moment, r.text)
    assert _count(api) == before


def test_trail_cursor_beyond_any_position_is_a_4xx(api: Api) -> None:
    api.record("platform", score_event(E1, 1, "C", (1, 1, 1)))
    for pos in (9_999_999_999_999_999_999, 2**63, 10**30):
        r = api.get(f"/v1/enterprises/{E1}/events", params={"cursor": encode_cursor(pos)})
        assert 400 <= r.status_code < 500, (pos, r.status_code, r.text)
        assert r.json()["error"]["code"] == "validation_error"
    # The largest position a database column holds is still a cursor: an empty last page.
    r = api.get(f"/v1/enterprises/{E1}/events", params={"cursor": encode_cursor(2**63 - 1)})
    assert r.status_code == 200 and r.json()["events"] == []


def test_bulk_retry_citing_an_already_stored_event(api: Api) -> None:
    consent = {**consent_event(E1), "id": "evt_" + "1" * 32}
    first = api.post("/v1/events/bulk", E1, {"events": [consent]})
    assert first.status_code == 201, first.text
    revocation = {"type": "consent.revoked", "enterprise_id": E1, "id": "evt_" + "2" * 32,
                  "occurred_at": "2026-11-03T00:00:00Z", "refs": [consent["id"]],
                  "payload": {"consent_id": consent["id"]}}
    # The client retries the whole request with one more event citing the first.
    r = api.post("/v1/events/bulk", E1, {"events": [consent, revocation]})
    assert r.status_code == 201, r.text
    assert [e["id"] for e in r.json()["events"]] == [consent["id"], revocation["id"]]
    assert _count(api) == 2


@pytest.mark.parametrize("moment", ["1969-12-31T23:59:59.500000Z", "1900-06-01T12:00:00.000001Z",
                                    "1969-12-31T23:59:59.999999Z", "1970-01-01T00:00:00.000001Z"])
def test_instants_before_1970_are_stored_exactly(api: Api, moment: str) -> None:
    event_id = api.record("platform", {**score_event(E1, 1, "C", (1, 1, 1)),
                                       "occurred_at": moment})
    shown = api.get(f"/v1/events/{event_id}").json()
    assert shown["event"]["occurred_at"] == moment  # the committed body
    assert shown["occurred_at"] == moment  # the indexed column
    # Windows on the indexed column find it exactly at its instant.
    hit = api.get(f"/v1/enterprises/{E1}/events",
                  params={"occurred_from": moment, "occurred_to": "1970-01-01T00:00:01Z"}).json()
    assert [e["id"] for e in hit["events"]] == [event_id]
    miss = api.get(f"/v1/enterprises/{E1}/events", params={"occurred_to": moment}).json()
    assert miss["events"] == []
    # A consent expiring before 1970 is judged on the same exact instants.
    consent = consent_event(E1)
    consent["occurred_at"] = "1969-12-31T23:59:58.250000Z"
    consent["payload"]["expires_at"] = "1969-12-31T23:59:59.750000Z"
    consent_id = api.record(E1, consent)
    book = api.ctx.engine
    from ledger_service.access.consent import ConsentBook

    granted = next(c for c in ConsentBook(book).consents(E1) if c.id == consent_id)
    assert granted.expires_us == -250_000 and granted.occurred_us == -1_750_000


def _raw_request(port: int, header_bytes: int) -> bytes:
    """One GET /healthz over a raw socket with an X-Pad header of header_bytes."""
    pad = b"a" * header_bytes
    request = (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + pad +
               b"\r\nConnection: close\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        # The server may stop reading (and reset) once it has refused.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        chunks = []
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    return b"".join(chunks)


def test_request_headers_are_limited(tmp_path: Path) -> None:
    service = Service(service_env(tmp_path / "data"), log=tmp_path / "serve.log")
    try:
        service.start()
        answer = _raw_request(service.port, 8 * 1024 * 1024)
        assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
        assert b'"code":"header_too_large"' in answer
        assert _raw_request(service.port, 4096).startswith(b"HTTP/1.1 200")
    finally:
        service.stop()


def test_metrics_need_a_platform_or_auditor_key(api: Api) -> None:
    api.record("platform", score_event(E1, 1, "C", (1, 1, 1)))
    anonymous = api.client.get("/metrics")
    assert anonymous.status_code == 401
    assert "score.computed" not in anonymous.text
    for who in ("bank", E1):
        r = api.get("/metrics", who)
        assert r.status_code == 403
        assert r.json()["error"]["details"]["reason"] == "role_not_allowed"
    for who in ("platform", "auditor"):
        r = api.get("/metrics", who)
        assert r.status_code == 200
        assert 'ledger_events_recorded_total{type="score.computed"}' in r.text


def _sign(key: SigningKey, doc: dict[str, Any]) -> str:
    return base64.b64encode(key.sign(canonicalize(doc)).signature).decode()


def test_per_event_signatures_in_a_signed_bulk_are_checked(api: Api) -> None:
    key = SigningKey.generate()
    api.ctx.orgs.add(PLATFORM_ORG, base64.b64encode(bytes(key.verify_key)).decode())
    event = score_event(E1, 1, "C", (1, 1, 1))
    forged = {**event, "signature": _sign(SigningKey.generate(), event)}
    bulk = {"events": [forged]}
    r = api.post("/v1/events/bulk", "platform", {**bulk, "signature": _sign(key, bulk)})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "bad_signature"
    assert r.json()["error"]["details"]["index"] == 0
    assert _count(api) == 0
    garbage = {**event, "signature": "not a signature"}
    bulk = {"events": [garbage]}
    r = api.post("/v1/events/bulk", "platform", {**bulk, "signature": _sign(key, bulk)})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_signature"
    # A genuine per-event signature inside a signed bulk is checked and kept.
    signed = {**event, "signature": _sign(key, event)}
    bulk = {"events": [signed]}
    r = api.post("/v1/events/bulk", "platform", {**bulk, "signature": _sign(key, bulk)})
    assert r.status_code == 201, r.text
    with api.ctx.engine.connect() as conn:
        stored = conn.execute(select(EVENTS.c.org_signature)
                              .where(EVENTS.c.type != "model.registered")).scalars().all()
    assert stored == [signed["signature"]]


class Crash(BaseException):
    """The process dies here: no exception handler of the service runs."""


STEPS = ("mint", "register", "event", "final")


def _records(ctx: LedgerContext) -> list[dict[str, Any]]:
    with ctx.engine.connect() as conn:
        values = conn.execute(select(KV.c.value).where(KV.c.key.like("cert.record.%"))).scalars()
        return [orjson.loads(v) for v in values]


@pytest.mark.parametrize("step", STEPS)
def test_a_half_issued_certificate_is_revoked_on_start(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        step: str) -> None:
    """The process dies at each step of issuance (before the mint, before the Fabric
    registration, before the certificate.issued event, after it); the next start of the
    service revokes what was left half issued."""
    from ..certificates.conftest import CertApi, with_evm

    ctx = with_evm(LedgerContext.open(make_settings(tmp_path,
                                                    certificate_issue_timeout_seconds=0)))
    api = CertApi(ctx)
    api.scored()
    service = CertificateService.of(ctx)
    record_event = CertificateService._record

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise Crash

    def crash_after(self: Any, *args: Any, **kwargs: Any) -> Any:
        record_event(self, *args, **kwargs)
        raise Crash

    target, replacement = {"mint": ((type(service.token_client()), "mint"), crash),
                           "register": ((CertificateService, "fabric"), crash),
                           "event": ((CertificateService, "_record"), crash),
                           "final": ((CertificateService, "_record"), crash_after)}[step]
    monkeypatch.setattr(*target, replacement)
    with pytest.raises(Crash):
        service.issue(PLATFORM_ORG, E1)
    monkeypatch.undo()
    (left,) = _records(ctx)
    assert left["status"] == "issuing"
    # Restart: a new app on the same ledger; its start-up recovers the certificate.
    ctx.extras.pop("certificates", None)
    with TestClient(create_app(ctx, background=True)) as client:
        headers = {"Authorization": f"Bearer {api.tokens['platform']}"}
        record = client.get(f"/v1/certificates/{left['id']}/record", headers=headers).json()
        assert record["status"] == "revoked", record
        assert record["revocation"]["reason"] == "issuance_interrupted"
        assert record["revocation"]["event"] is not None
        verdict = client.post("/v1/verify/certificate", json={
            "id": left["id"], "credential_hash": left["credential_hash"]}).json()
        assert verdict["valid"] is False
        assert "status" in [c["name"] for c in verdict["checks"] if not c["ok"]]
        token = CertificateService.of(ctx).token_client().status(
            int(left["credential"]["tokenBinding"]["tokenId"]))
        # A token minted before the crash is revoked too; none is minted after it.
        assert token["revoked"] if token["exists"] else step == "mint"
    ctx.close()
