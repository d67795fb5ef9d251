"""Capture the OpenAPI document's examples from a run of the demo's story.

Runs the service in this process (SQLite in a temporary folder, the embedded
EVM chain as anchor and token ledger), records the demo's evidence over the
real HTTP API, and saves one real answer per response model to
``ledger_service/api/schemas/examples.json``, which the document attaches to
its component schemas. The tests validate every example against its schema,
so re-run this after changing a response's shape:

    .venv/bin/python scripts/openapi_examples.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from ledger_proof.scoring import REFERENCE_SPEC
from ledger_service.api.app import create_app
from ledger_service.api.server import BackgroundServer, free_port
from ledger_service.core.config import Settings
from ledger_service.evidence.scoring import REFERENCE_REGISTERED_AT
from ledger_service.evidence.story import (
    BANK_ORG,
    ENTERPRISES,
    PLATFORM_ORG,
    YELLOW_ALERT,
    at,
    consent_event,
    demo_inputs,
    loan_event,
    score_event,
)
from ledger_service.pipeline.ledgers import evm_backend
from ledger_service.runtime.context import LedgerContext

OUT = Path(__file__).resolve().parent.parent / "ledger_service/api/schemas/examples.json"


class Capture:
    def __init__(self, client: httpx.Client, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens
        self.examples: dict[str, Any] = {}

    def call(self, model: str | None, method: str, path: str, who: str | None = None,
             body: Any = None, status: int = 200) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        r = self.client.request(method, path, json=body, headers=headers)
        if r.status_code != status:
            raise SystemExit(f"{method} {path} answered {r.status_code}: {r.text[:300]}")
        if model is not None:
            self.examples[model] = r.json()
        return r.json()

    def wait_anchored(self, event_id: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.call(None, "GET", f"/v1/events/{event_id}", "auditor")["status"] == \
                    "anchored":
                return
            time.sleep(0.1)
        raise SystemExit(f"{event_id} was not anchored within 60 s")


def capture(client: httpx.Client, tokens: dict[str, str]) -> dict[str, Any]:
    e1, e2, _ = ENTERPRISES
    c = Capture(client, tokens)
    model = c.call("ModelRecord", "POST", f"/v1/models?occurred_at={REFERENCE_REGISTERED_AT}",
                   "platform", REFERENCE_SPEC, 201)
    c.call("ModelList", "GET", "/v1/models", "bank")
    scored = c.call("ScoreRecord", "POST", "/v1/scores", "platform", {
        "enterprise_id": e1.uscc, "inputs": demo_inputs(e1.uscc), "occurred_at": at(0)}, 201)
    score = scored["id"]
    c.call("RescoreReport", "POST", f"/v1/scores/{score}/rescore", e1.uscc,
           {"inputs": demo_inputs(e1.uscc), "inputs_salt": scored["inputs_salt"]})
    assert model["event_id"] in scored["event"]["refs"]
    c.call("EventReceipt", "POST", "/v1/events", "platform", {
        "type": "risk.alert", "enterprise_id": e1.uscc, "occurred_at": at(12),
        "refs": [score], "payload": YELLOW_ALERT}, 201)
    c.call("BulkReceipt", "POST", "/v1/events/bulk", "platform", {"events": [
        score_event(e2.uscc, 815, "AA", (84, 80, 79))]}, 201)
    consent = c.call(None, "POST", "/v1/events", e1.uscc, consent_event(e1.uscc), 201)["id"]
    loan = "LN-2026-0001"
    c.call(None, "POST", "/v1/events", "bank", loan_event(
        "loan.applied", e1.uscc, loan, [], 3, amount_fen=500_000_00, currency="CNY",
        term_months=12, product="credit"), 201)
    approval = c.call(None, "POST", "/v1/events", "bank", loan_event(
        "loan.approved", e1.uscc, loan, [score, consent], 30, amount_fen=500_000_00,
        rate_bp=385), 201)["id"]
    overdue = c.call(None, "POST", "/v1/events", "bank", loan_event(
        "loan.overdue", e1.uscc, loan, [approval], 24 * 31, days_overdue=5), 201)["id"]
    c.wait_anchored(overdue)
    c.call("EventRecord", "GET", f"/v1/events/{approval}", "bank")
    bundle = c.call("ProofBundle", "GET", f"/v1/events/{approval}/proof", "bank")
    c.call("VerificationResult", "POST", "/v1/verify/event", body=bundle)
    c.call("BatchPage", "GET", "/v1/batches?limit=1", "auditor")
    c.call("Batch", "GET", "/v1/batches/0", "auditor")
    c.call("TrailPage", "GET", f"/v1/enterprises/{e1.uscc}/events?limit=2", "bank")
    c.call("ProvenanceGraph", "GET", f"/v1/enterprises/{e1.uscc}/provenance/{approval}", "bank")
    issued = c.call("IssuedCertificate", "POST", f"/v1/enterprises/{e1.uscc}/certificates",
                    "platform", {}, 201)
    credential = c.call("Credential", "GET", f"/v1/certificates/{issued['id']}", e1.uscc)
    c.call("CertificateRecord", "GET", f"/v1/certificates/{issued['id']}/record", e1.uscc)
    c.call("CertificateVerification", "POST", "/v1/verify/certificate", body=credential)
    c.call("StatusListCredential", "GET", "/v1/status-lists/0")
    c.call("ErasureReceipt", "POST", f"/v1/events/{overdue}/erase", "platform",
           {"reason": "pipl_deletion_request"})
    c.call("KeyList", "GET", "/v1/keys")
    c.call("Health", "GET", "/healthz")
    c.call("Readiness", "GET", "/readyz")
    return c.examples


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="ledger-examples-") as tmp:
        port = free_port()
        settings = Settings(data_dir=Path(tmp), database_url=None, signing_key=None,
                            ledger_id="demo-credit-evidence", batch_max_events=8,
                            batch_max_seconds=0.3, public_url=f"http://127.0.0.1:{port}")
        ctx = LedgerContext.open(settings)
        ctx.backends.append(evm_backend(ctx))
        tokens = {"platform": ctx.keys.create("platform", PLATFORM_ORG)[1],
                  "bank": ctx.keys.create("bank", BANK_ORG)[1],
                  "auditor": ctx.keys.create("auditor", "cicpa-audit")[1]}
        for ent in ENTERPRISES:
            tokens[ent.uscc] = ctx.keys.create("enterprise", ent.uscc)[1]
        try:
            with BackgroundServer(create_app(ctx), port=port) as url, \
                    httpx.Client(base_url=url, timeout=60) as client:
                examples = capture(client, tokens)
        finally:
            ctx.close()
    OUT.write_text(json.dumps(examples, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"wrote {len(examples)} examples to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
