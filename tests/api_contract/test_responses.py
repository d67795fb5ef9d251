"""Real answers against the document: every operation called, every answer validated.

A ledger with the demo's story (EVM-anchored, a certificate issued) answers
each operation's success and the errors a client meets (refusals, unknown
ids, bad input, limits, a failing dependency). Each body is validated against
the schema the document gives for that operation, status and media type,
with undocumented fields forbidden (see ``contract.closed``). At the end,
every operation must have been called to its success statuses and every
error status the API uses must have been seen, so a new route or status
cannot slip past this test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from ledger_proof.scoring import REFERENCE_SPEC
from ledger_service.access.ratelimit import RateLimiter
from ledger_service.api.app import create_app
from ledger_service.certificates import pdf
from ledger_service.evidence.scoring import REFERENCE_REGISTERED_AT
from ledger_service.evidence.story import (
    BANK_ORG,
    ENTERPRISES,
    PLATFORM_ORG,
    consent_event,
    loan_event,
    score_event,
)
from ledger_service.pipeline.anchor_worker import anchor_pending
from ledger_service.pipeline.ledgers import evm_backend
from ledger_service.runtime.context import LedgerContext

from ..conftest import make_settings
from ..scoring_support import inputs_for
from .contract import Contract

E1, E2, E3 = (e.uscc for e in ENTERPRISES)
BODY_LIMIT = 200_000
#: Error statuses the API uses that this test must meet at least once.
ERROR_STATUSES = {400, 401, 403, 404, 409, 410, 413, 422, 429, 500, 503}


class Harness:
    """Calls operations by operationId and checks each answer against the document."""

    def __init__(self, ctx: LedgerContext) -> None:
        self.ctx = ctx
        self.app = create_app(ctx, background=False)
        self.client = TestClient(self.app, raise_server_exceptions=False)
        self.contract = Contract(self.client.get("/openapi.json").json())
        self.tokens = {"platform": ctx.keys.create("platform", PLATFORM_ORG)[1],
                       "bank": ctx.keys.create("bank", BANK_ORG)[1],
                       "auditor": ctx.keys.create("auditor", "cicpa-audit")[1]}
        for uscc in (E1, E2, E3):
            self.tokens[uscc] = ctx.keys.create("enterprise", uscc)[1]
        self.seen: set[tuple[str, int]] = set()

    def call(self, op_id: str, status: int, who: str | None = None, *,
             path: dict[str, Any] | None = None, code: str | None = None,
             **kw: Any) -> Any:
        """Call ``op_id``; assert the status (and error code); validate the answer."""
        op = self.contract.ops[op_id]
        url = op.path.format(**(path or {}))
        headers = dict(kw.pop("headers", {}))
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        r = self.client.request(op.method, url, headers=headers, **kw)
        assert r.status_code == status, f"{op_id}: {r.status_code} {r.text[:400]}"
        media = r.headers["content-type"].split(";")[0]
        schema = self.contract.response_schema(op_id, status, media)
        if media == "application/json":
            body = r.json()
            errors = self.contract.errors_of(schema, body)
            assert errors == [], f"{op_id} {status} differs from the document: {errors[:5]}"
            if code is not None:
                assert body["error"]["code"] == code, body
        self._check_headers(op_id, status, r)
        self.seen.add((op_id, status))
        return r.json() if media == "application/json" else r.content

    def _check_headers(self, op_id: str, status: int, r: Any) -> None:
        documented = self.contract.ops[op_id].spec["responses"][str(status)].get("headers", {})
        for name in documented:
            if status >= 400 or name != "X-Certificate-Status" or \
                    r.headers["content-type"].startswith("application/json"):
                assert name in r.headers, f"{op_id} {status}: header {name} missing"

    def settle(self) -> None:
        self.ctx.sealer.seal_all()
        for backend in self.ctx.backends:
            anchor_pending(self.ctx.engine, backend)


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    tmp: Path = tmp_path_factory.mktemp("responses")
    ctx = LedgerContext.open(make_settings(tmp, max_body_bytes=BODY_LIMIT))
    ctx.backends.append(evm_backend(ctx))
    yield Harness(ctx)
    ctx.close()


@pytest.fixture(scope="module")
def story(harness: Harness) -> dict[str, Any]:
    """The demo's story for E1 (score, consent, loan approved and disbursed), E2 scored twice."""
    h = harness
    ids: dict[str, Any] = {}
    ids["model"] = h.call("register_model", 201, "platform", json=REFERENCE_SPEC,
                          params={"occurred_at": REFERENCE_REGISTERED_AT})["event_id"]
    ids["score"] = h.call("post_event", 201, "platform",
                          json=score_event(E1, 742, "A", (78, 71, 66)))["id"]
    bulk = h.call("post_bulk", 201, "platform", json={"events": [
        score_event(E2, 801, "AA", (84, 79, 78)),
        score_event(E2, 815, "AA", (84, 80, 79), hours=24)]})
    ids["e2_score"] = bulk["events"][0]["id"]
    ids["consent"] = h.call("post_event", 201, E1, json=consent_event(E1))["id"]
    h.settle()  # a careful bank approves on a sealed score, as in the demo
    loan = "LN-2026-0001"
    ids["applied"] = h.call("post_event", 201, "bank", json=loan_event(
        "loan.applied", E1, loan, [], 3, amount_fen=500_000_00, currency="CNY",
        term_months=12, product="credit"))["id"]
    ids["approved"] = h.call("post_event", 201, "bank", json=loan_event(
        "loan.approved", E1, loan, [ids["score"], ids["consent"]], 30,
        amount_fen=500_000_00, rate_bp=385))["id"]
    ids["disbursed"] = h.call("post_event", 201, "bank", json=loan_event(
        "loan.disbursed", E1, loan, [ids["approved"]], 48, amount_fen=500_000_00))["id"]
    h.settle()
    ids["certificate"] = h.call("issue", 201, "platform", path={"uscc": E1},
                                json={"name_en": "Fuzhou Minjiang Precision Machinery"})
    h.settle()
    return ids


def test_events(harness: Harness, story: dict[str, Any]) -> None:
    h = harness
    approved = story["approved"]
    again = loan_event("loan.closed", E1, "LN-2026-0001", [approved], 24 * 365)
    again["id"] = "evt_" + "c1" * 16
    h.call("post_event", 201, "bank", json=again)
    h.call("post_event", 200, "bank", json=again)  # a retry: answered, not duplicated
    h.call("post_event", 409, "bank", json={**again, "occurred_at": "2027-12-01T00:00:00Z"},
           code="duplicate_id")
    h.call("post_event", 400, "bank", content=b"{not json",
           headers={"Content-Type": "application/json"}, code="invalid_json")
    h.call("post_event", 422, "platform", json=score_event(E1, 1001, "A", (1, 2, 3)),
           code="validation_error")
    h.call("post_event", 422, "bank", json=loan_event(
        "loan.disbursed", E1, "LN-2026-0001", ["evt_" + "0" * 32], 50, amount_fen=1),
        code="unknown_ref")
    h.call("post_event", 422, "bank", json=loan_event(
        "loan.approved", E1, "LN-2026-0009", [story["score"]], 31, amount_fen=1, rate_bp=1),
        code="ref_rule")
    h.call("post_event", 403, "bank", json=score_event(E1, 700, "A", (1, 2, 3)),
           code="forbidden")
    h.call("post_event", 401, None, json=score_event(E1, 700, "A", (1, 2, 3)),
           code="unauthorized")
    h.call("post_bulk", 400, "platform", content=b"[", headers={
        "Content-Type": "application/json"}, code="invalid_json")
    h.call("post_bulk", 413, "platform", content=b" " * (BODY_LIMIT + 1), headers={
        "Content-Type": "application/json"}, code="payload_too_large")
    h.call("post_bulk", 403, E2, json={"events": [consent_event(E1)]}, code="forbidden")

    h.call("get_event", 200, "bank", path={"event_id": approved})
    h.call("get_event", 404, "auditor", path={"event_id": "evt_" + "f" * 32},
           code="not_found")
    # No relationship with E2: the unknown id's 404, not a 403 that confirms it exists.
    h.call("get_event", 404, "bank", path={"event_id": story["e2_score"]}, code="not_found")
    bundle = h.call("get_proof", 200, "bank", path={"event_id": approved})
    assert bundle["anchors"] and bundle["anchors"][0]["backend"] == "evm"
    h.call("get_proof", 404, E2, path={"event_id": approved}, code="not_found")
    pending = h.call("post_event", 201, "platform", json=score_event(E3, 388, "CCC", (3, 4, 1)))
    h.call("get_proof", 404, "auditor", path={"event_id": pending["id"]}, code="not_found")

    erased = h.call("erase_event", 200, "platform", path={"event_id": story["disbursed"]},
                    json={"reason": "pipl_deletion_request"})
    assert erased["erased"] is True
    h.call("erase_event", 409, "platform", path={"event_id": story["disbursed"]},
           json={"reason": "pipl_deletion_request"}, code="already_erased")
    h.call("erase_event", 403, "bank", path={"event_id": approved}, json={"reason": "x"},
           code="forbidden")
    h.call("erase_event", 404, "platform", path={"event_id": "evt_" + "e" * 32},
           json={"reason": "x"}, code="not_found")
    h.call("erase_event", 422, "platform", path={"event_id": approved},
           json={"reason": "no spaces allowed"}, code="validation_error")
    h.call("erase_event", 400, "platform", path={"event_id": approved}, content=b"{",
           headers={"Content-Type": "application/json"}, code="invalid_json")
    h.call("get_event", 200, "auditor", path={"event_id": story["disbursed"]})  # erased view
    h.call("get_proof", 200, "auditor", path={"event_id": story["disbursed"]})


def test_batches(harness: Harness, story: dict[str, Any]) -> None:
    h = harness
    page = h.call("list_batches", 200, "auditor", params={"limit": 1})
    assert page["next_after"] == 0
    h.call("list_batches", 422, "auditor", params={"limit": 0}, code="validation_error")
    h.call("get_batch", 200, "bank", path={"seq": 0})
    h.call("get_batch", 404, "bank", path={"seq": 10_000}, code="not_found")
    h.call("get_batch", 422, "bank", path={"seq": -1}, code="validation_error")
    h.call("list_batches", 401, None, code="unauthorized")


def test_verify(harness: Harness, story: dict[str, Any]) -> None:
    h = harness
    bundle = h.call("get_proof", 200, "auditor", path={"event_id": story["approved"]})
    assert h.call("verify_event", 200, json=bundle)["verdict"] == "VALID"
    tampered = {**bundle, "event": {**bundle["event"], "org": "someone-else"}}
    assert h.call("verify_event", 200, json=tampered)["verdict"] == "INVALID"
    event = h.call("get_event", 200, "auditor", path={"event_id": story["approved"]})
    h.call("verify_event", 200, json={"event": event["event"], "salt": bundle["salt"]})
    h.call("verify_event", 400, content=b"nope", headers={"Content-Type": "application/json"},
           code="invalid_json")
    h.call("verify_event", 422, json={"version": 1, "commitment": "x"},
           code="validation_error")
    h.call("verify_event", 413, content=b"[" * (BODY_LIMIT + 1),
           headers={"Content-Type": "application/json"}, code="payload_too_large")


def test_enterprises(harness: Harness, story: dict[str, Any]) -> None:
    h = harness
    page = h.call("enterprise_trail", 200, "bank", path={"uscc": E1}, params={"limit": 2})
    assert page["next_cursor"]
    h.call("enterprise_trail", 200, "bank", path={"uscc": E1},
           params={"cursor": page["next_cursor"], "type": ["loan.approved"]})
    h.call("enterprise_trail", 403, "bank", path={"uscc": E2}, code="forbidden")
    h.call("enterprise_trail", 422, "bank", path={"uscc": "91350100M000100Y44"},
           code="validation_error")
    graph = h.call("enterprise_provenance", 200, "bank",
                   path={"uscc": E1, "event_id": story["approved"]})
    assert graph["verdict"] == "valid"
    h.call("enterprise_provenance", 200, E1,  # the enterprise sees its own, nodes redacted
           path={"uscc": E1, "event_id": story["approved"]})
    h.call("enterprise_provenance", 404, "auditor",
           path={"uscc": E1, "event_id": "evt_" + "d" * 32}, code="not_found")
    h.call("enterprise_provenance", 403, E2,
           path={"uscc": E1, "event_id": story["approved"]}, code="forbidden")
    h.call("enterprise_provenance", 422, "auditor",
           path={"uscc": "nope", "event_id": story["approved"]}, code="validation_error")


def test_certificates(harness: Harness, story: dict[str, Any]) -> None:
    h = harness
    cert = story["certificate"]
    ref = {"certificate_id": cert["id"]}
    credential = h.call("get_certificate", 200, E1, path=ref)
    pdf = h.call("get_certificate", 200, E1, path=ref, headers={"Accept": "application/pdf"})
    assert pdf.startswith(b"%PDF")
    assert h.call("get_pdf", 200, "auditor", path=ref).startswith(b"%PDF")
    h.call("get_record", 200, "platform", path=ref)
    h.call("get_record", 404, E2, path=ref, code="not_found")
    h.call("get_record", 403, "bank", path=ref, code="forbidden")
    h.call("get_certificate", 404, "auditor", path={"certificate_id": "crt-nope"},
           code="not_found")
    h.call("get_pdf", 404, "auditor", path={"certificate_id": "crt-nope"}, code="not_found")
    verdict = h.call("verify_certificate", 200, json=credential)
    assert verdict["verdict"] == "VALID", verdict
    h.call("verify_certificate", 200, json={"id": cert["id"],
                                            "credential_hash": cert["credential_hash"]})
    h.call("verify_certificate", 200, json={"id": "crt-" + "0" * 8 + "-0000-0000-0000-"
                                            + "0" * 12, "credential_hash": "0" * 64})
    h.call("verify_certificate", 400, content=b"{", headers={
        "Content-Type": "application/json"}, code="invalid_json")
    h.call("verify_certificate", 422, json=[1], code="validation_error")
    h.call("status_list", 200, path={"list_id": 0})
    h.call("status_list", 404, path={"list_id": 7}, code="not_found")
    h.call("status_list", 422, path={"list_id": "x"}, code="validation_error")
    # E3's only score is sealed but not yet anchored (test_events recorded it last).
    h.call("issue", 409, "platform", path={"uscc": ENTERPRISES[2].uscc},
           code="not_anchored")
    h.call("issue", 403, "bank", path={"uscc": E1}, code="forbidden")
    h.call("issue", 422, "platform", path={"uscc": E1}, json={"colour": "red"},
           code="validation_error")
    revoked = h.call("revoke", 200, "platform", path=ref, json={"reason": "superseded"})
    assert revoked["status"] == "revoked" and revoked["revocation"]["token"]
    assert h.call("verify_certificate", 200, json=credential)["verdict"] == "INVALID"
    h.call("revoke", 404, "platform", path={"certificate_id": "crt-nope"},
           json={"reason": "x"}, code="not_found")
    h.call("revoke", 422, "platform", path=ref, json={}, code="validation_error")
    h.call("revoke", 403, "auditor", path=ref, json={"reason": "x"}, code="forbidden")


def test_system(harness: Harness) -> None:
    h = harness
    assert h.call("keys", 200)["keys"][0]["current"] is True
    h.call("healthz", 200)
    assert h.call("readyz", 200)["ready"] is True
    ready = h.call("readyz", 200)
    assert "anchoring" in ready["checks"]
    assert b"ledger_" in h.call("metrics", 200, "auditor")
    h.call("metrics", 401, None, code="unauthorized")
    h.call("metrics", 403, "bank", code="forbidden")


def test_portal_operations(harness: Harness, story: dict[str, Any]) -> None:
    """The portal's API: who am I, an enterprise's certificates and consents, orgs, keys."""
    h = harness
    assert h.call("whoami", 200, "bank")["role"] == "bank"
    h.call("whoami", 401, None, code="unauthorized")

    certs = h.call("list_certificates", 200, E1, path={"uscc": E1})
    assert certs["certificates"]
    h.call("list_certificates", 200, "auditor", path={"uscc": E1}, params={"limit": 1})
    h.call("list_certificates", 403, "bank", path={"uscc": E1}, code="forbidden")
    h.call("list_certificates", 403, E2, path={"uscc": E1}, code="forbidden")
    h.call("list_certificates", 422, "auditor", path={"uscc": "nope"},
           code="validation_error")

    consents = h.call("list_consents", 200, E1, path={"uscc": E1})
    assert consents["consents"]
    h.call("list_consents", 200, "bank", path={"uscc": E1})
    h.call("list_consents", 403, E2, path={"uscc": E1}, code="forbidden")
    h.call("list_consents", 422, "auditor", path={"uscc": "nope"}, code="validation_error")

    h.call("list_orgs", 200, "platform")
    h.call("list_orgs", 403, "bank", code="forbidden")
    org = h.call("add_org", 201, "platform", json={"name": "portal-test-bank"})
    assert org["name"] == "portal-test-bank"
    h.call("add_org", 403, "auditor", json={"name": "x"}, code="forbidden")
    h.call("add_org", 422, "platform", json={"name": "no spaces"}, code="validation_error")
    h.call("add_org", 413, "platform", content=b" " * (BODY_LIMIT + 1), headers={
        "Content-Type": "application/json"}, code="payload_too_large")

    h.call("list_keys", 200, "platform")
    h.call("list_keys", 403, "bank", code="forbidden")
    new = h.call("create_key", 201, "platform", json={"role": "bank", "org": BANK_ORG,
                                                       "label": "contract"})
    key_id = new["key"]["id"]
    h.call("create_key", 403, "bank", json={"role": "bank", "org": BANK_ORG},
           code="forbidden")
    h.call("create_key", 422, "platform", json={"role": "root", "org": "x"},
           code="validation_error")
    h.call("create_key", 413, "platform", content=b" " * (BODY_LIMIT + 1), headers={
        "Content-Type": "application/json"}, code="payload_too_large")
    rotated = h.call("rotate_key", 201, "platform", path={"key_id": key_id},
                     json={"revoke_old": False})
    assert rotated["replaces"] == key_id
    h.call("rotate_key", 403, "bank", path={"key_id": key_id}, code="forbidden")
    h.call("rotate_key", 404, "platform", path={"key_id": 10**9}, code="not_found")
    platform_id = h.call("whoami", 200, "platform")["key_id"]
    h.call("rotate_key", 409, "platform", path={"key_id": platform_id},
           json={"revoke_old": True}, code="conflict")
    h.call("rotate_key", 422, "platform", path={"key_id": key_id}, json={"x": 1},
           code="validation_error")
    h.call("rotate_key", 413, "platform", path={"key_id": key_id},
           content=b" " * (BODY_LIMIT + 1), headers={"Content-Type": "application/json"},
           code="payload_too_large")
    assert h.call("revoke_key", 200, "platform", path={"key_id": key_id})["revoked"] is True
    h.call("revoke_key", 403, "bank", path={"key_id": key_id}, code="forbidden")
    h.call("revoke_key", 404, "platform", path={"key_id": 10**9}, code="not_found")
    h.call("revoke_key", 409, "platform", path={"key_id": platform_id}, code="conflict")
    h.call("revoke_key", 422, "platform", path={"key_id": 0}, code="validation_error")


def test_erased_certificate(harness: Harness, story: dict[str, Any]) -> None:
    """Erasing the score a certificate stated leaves the certificate's PDF gone (410)."""
    h = harness
    cert = h.call("issue", 201, "platform", path={"uscc": E2}, json={})
    ref = {"certificate_id": cert["id"]}
    erased = h.call("erase_event", 200, "platform", path={"event_id": cert["score_event"]},
                    json={"reason": "pipl_deletion_request"})
    assert erased["certificates_revoked"] == [cert["id"]]
    h.call("get_pdf", 410, "auditor", path=ref, code="certificate_erased")
    h.call("get_certificate", 410, "auditor", path=ref, headers={"Accept": "application/pdf"},
           code="certificate_erased")


def test_scoring(harness: Harness, story: dict[str, Any]) -> None:
    h = harness
    h.call("register_model", 200, "platform", json=REFERENCE_SPEC)  # the same: answered
    h.call("register_model", 409, "platform", json={**REFERENCE_SPEC, "scale": "other"},
           code="model_conflict")
    h.call("register_model", 422, "platform", json={"kind": "scorecard/v1"},
           code="invalid_model")
    h.call("register_model", 400, "platform", content=b"{", headers={
        "Content-Type": "application/json"}, code="invalid_json")
    h.call("register_model", 403, "bank", json=REFERENCE_SPEC, code="forbidden")
    h.call("register_model", 401, None, json=REFERENCE_SPEC, code="unauthorized")
    listed = h.call("list_models", 200, "bank")["models"]
    assert [m["event_id"] for m in listed] == [story["model"]]
    h.call("get_model", 200, E2, path={"model_id": listed[0]["model_id"],
                                       "model_version": listed[0]["model_version"]})
    h.call("get_model", 404, "bank", path={"model_id": "x", "model_version": "1"},
           code="not_found")
    scored = h.call("post_score", 201, "platform", json={
        "enterprise_id": E3, "inputs": inputs_for(), "occurred_at": "2026-11-02T09:00:00Z"})
    bad = inputs_for(patent_stock=-1)
    failed = h.call("post_score", 422, "platform", json={"enterprise_id": E3, "inputs": bad},
                    code="invalid_inputs")
    assert failed["error"]["details"] == {"indicator": "patent_stock", "reason": "out_of_range"}
    h.call("post_score", 422, "platform", json={
        "enterprise_id": E3, "inputs": inputs_for(), "model_id": "x", "model_version": "1"},
        code="unregistered_model")
    h.call("post_score", 403, "bank", json={"enterprise_id": E3, "inputs": inputs_for()},
           code="forbidden")
    h.call("post_score", 400, "platform", content=b"[", headers={
        "Content-Type": "application/json"}, code="invalid_json")
    body = {"inputs": inputs_for(), "inputs_salt": scored["inputs_salt"]}
    report = h.call("rescore", 200, E3, path={"event_id": scored["id"]}, json=body)
    assert report["ok"] is True
    changed = {**body, "inputs": inputs_for(patent_stock=25)}
    report = h.call("rescore", 200, "auditor", path={"event_id": scored["id"]}, json=changed)
    assert report["first_difference"] == "factor:innovation"
    h.call("rescore", 404, "bank", path={"event_id": scored["id"]}, json=body,
           code="not_found")
    h.call("rescore", 422, "auditor", path={"event_id": scored["id"]},
           json={**body, "inputs_salt": "zz"}, code="validation_error")


def test_dependencies_failing(harness: Harness, story: dict[str, Any],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The errors a client meets when something behind the API fails, or it calls too fast."""
    h = harness
    ref = {"certificate_id": story["certificate"]["id"]}
    # As on a host without the font: nothing registered yet, and the configured file missing.
    monkeypatch.setattr(pdf, "_registered", {})
    monkeypatch.setattr(h.ctx.settings, "cjk_font", Path("/nonexistent/font.ttf"))
    h.call("get_pdf", 503, "auditor", path=ref, code="pdf_unavailable")
    h.call("get_certificate", 503, "auditor", path=ref, headers={"Accept": "application/pdf"},
           code="pdf_unavailable")

    def broken(seq: int) -> dict[str, Any]:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(h.ctx.reader, "batch", broken)
    body = h.call("get_batch", 500, "auditor", path={"seq": 0}, code="internal")
    assert "disk" not in orjson.dumps(body).decode()

    monkeypatch.setattr(h.app.state, "limiter", RateLimiter(0.001, 1))
    h.call("keys", 200)  # not rate limited
    h.call("get_event", 200, "auditor", path={"event_id": story["approved"]})
    h.call("get_event", 429, "auditor", path={"event_id": story["approved"]},
           code="rate_limited")
    h.call("verify_event", 200, json={"event": {"id": story["approved"]}, "salt": "00" * 32})
    h.call("verify_event", 429, json={}, code="rate_limited")


def test_every_operation_and_error_status_met(harness: Harness) -> None:
    """Runs last in this module: the calls above covered the whole document."""
    h = harness
    missing = sorted((op_id, status) for op_id, op in h.contract.ops.items()
                     for status in op.success if (op_id, status) not in h.seen)
    assert missing == [], f"never called to success: {missing}"
    statuses = {status for _, status in h.seen}
    assert statuses >= ERROR_STATUSES, f"never met: {sorted(ERROR_STATUSES - statuses)}"
