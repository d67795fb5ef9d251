"""A client generated from the served document drives the main path against a live service.

At test time (nothing generated is committed) ``openapi-python-client`` turns
/openapi.json of a running service into a Python package, exactly as a bank
would; the generator must not skip any operation. The typed client then
records the demo's evidence, waits for the batcher and the anchor worker,
fetches a proof and has the service verify it, reads the provenance of the
approval, issues and fetches a certificate and verifies it, downloads the
PDF, and gets typed errors for refused requests.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from ledger_service.api.app import create_app
from ledger_service.api.server import BackgroundServer, free_port
from ledger_service.evidence.story import (
    BANK_ORG,
    ENTERPRISES,
    PLATFORM_ORG,
    consent_event,
    loan_event,
    score_event,
)
from ledger_service.pipeline.ledgers import evm_backend
from ledger_service.runtime.context import LedgerContext

from ..conftest import make_settings
from ..scoring_support import REFERENCE_MODEL_ID, register_reference

PACKAGE = "ledger_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
#: The generator maps a PDF answer to bytes only when told PDF is binary.
CONFIG = f"""package_name_override: {PACKAGE}
project_name_override: ledger-client
content_type_overrides:
  application/pdf: application/octet-stream
"""
E1, E2 = ENTERPRISES[0].uscc, ENTERPRISES[1].uscc


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`ledger serve` in this process: API, batcher and EVM anchor worker on a real socket."""
    tmp = tmp_path_factory.mktemp("client-service")
    port = free_port()
    ctx = LedgerContext.open(make_settings(tmp, batch_max_events=8, batch_max_seconds=0.2,
                                           public_url=f"http://127.0.0.1:{port}"))
    ctx.backends.append(evm_backend(ctx))
    register_reference(ctx)  # the scores below cite the reference model
    tokens = {"platform": ctx.keys.create("platform", PLATFORM_ORG)[1],
              "bank": ctx.keys.create("bank", BANK_ORG)[1],
              E1: ctx.keys.create("enterprise", E1)[1]}
    try:
        with BackgroundServer(create_app(ctx), port=port) as url:
            yield {"url": url, "tokens": tokens}
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def client_package(service: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
                   ) -> Iterator[ModuleType]:
    """The package openapi-python-client generates from the live /openapi.json."""
    if not GENERATOR.exists():
        pytest.fail(f"{GENERATOR.name} is missing: install the dev extra (scripts/setup.sh "
                    "--dev)")
    out = tmp_path_factory.mktemp("generated")
    spec = out / "openapi.json"
    spec.write_bytes(httpx.get(f"{service['url']}/openapi.json").content)
    config = out / "config.yml"
    config.write_text(CONFIG)
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = subprocess.run([str(GENERATOR), "generate", "--path", str(spec), "--output-path",
                          str(out / PACKAGE), "--meta", "none", "--config", str(config)],
                         capture_output=True, text=True, env=env, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    # The generator reports what it could not handle and skips it: nothing may be skipped.
    assert "WARNING" not in run.stdout + run.stderr, run.stdout + run.stderr
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _mod(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


class _Tag:
    """``events.post_event`` for the generated ``ledger_client.api.events.post_event``."""

    def __init__(self, tag: str) -> None:
        self.tag = tag

    def __getattr__(self, operation: str) -> Any:
        return _mod(f"api.{self.tag}.{operation}")


def test_generated_client_drives_the_main_path(service: dict[str, Any],
                                               client_package: ModuleType) -> None:
    models = _mod("models")
    events, verify = _Tag("events"), _Tag("verify")
    enterprises, certificates = _Tag("enterprises"), _Tag("certificates")
    url, tokens = service["url"], service["tokens"]

    def as_(who: str) -> Any:
        return client_package.AuthenticatedClient(base_url=url, token=tokens[who], timeout=60)

    anyone = client_package.Client(base_url=url, timeout=60)
    platform, bank, enterprise = as_("platform"), as_("bank"), as_(E1)

    # Any key reads the registered scoring models, typed.
    listed = _Tag("scoring").list_models.sync(client=bank)
    assert isinstance(listed, models.ModelList), listed
    assert [m.event_id for m in listed.models] == [REFERENCE_MODEL_ID]

    # Record: the platform scores, the enterprise consents, the bank applies and approves.
    score = events.post_event.sync(client=platform, body=models.ScoreComputed.from_dict(
        score_event(E1, 742, "A", (78, 71, 66))))
    assert isinstance(score, models.EventReceipt), score
    consent = events.post_event.sync(client=enterprise, body=models.ConsentGranted.from_dict(
        consent_event(E1)))
    assert isinstance(consent, models.EventReceipt), consent
    score_record = _wait(lambda: events.get_event.sync(event_id=score.id, client=bank),
                         {"sealed", "anchored"})
    assert score_record.batch.seq >= 0
    loan = "LN-2026-0001"
    applied = events.post_event.sync(client=bank, body=models.LoanApplied.from_dict(loan_event(
        "loan.applied", E1, loan, [], 3, amount_fen=500_000_00, currency="CNY",
        term_months=12, product="credit")))
    approved = events.post_event.sync(client=bank, body=models.LoanApproved.from_dict(
        loan_event("loan.approved", E1, loan, [score.id, consent.id], 30,
                   amount_fen=500_000_00, rate_bp=385)))
    assert isinstance(applied, models.EventReceipt) and isinstance(approved,
                                                                   models.EventReceipt)
    assert approved.status.value == "pending"

    # Wait for sealing and anchoring, then fetch the proof and have it verified.
    record = _wait(lambda: events.get_event.sync(event_id=approved.id, client=bank),
                   {"anchored"})
    assert record.leaf_hash == approved.leaf_hash
    bundle = events.get_proof.sync(event_id=approved.id, client=bank)
    assert isinstance(bundle, models.ProofBundle), bundle
    assert bundle.anchors[0].backend == "evm" and bundle.inclusion.tree_size >= 1
    verdict = verify.verify_event.sync(client=anyone, body=bundle)
    assert isinstance(verdict, models.VerificationResult), verdict
    assert verdict.verdict.value == "VALID", [c.to_dict() for c in verdict.checks]
    assert {c.name for c in verdict.checks} >= {"inclusion", "header_signature"}

    # Provenance of the approval, as the bank asks it.
    graph = enterprises.enterprise_provenance.sync(uscc=E1, event_id=approved.id, client=bank)
    assert isinstance(graph, models.ProvenanceGraph), graph
    assert graph.verdict.value == "valid", [r.to_dict() for r in graph.reasons]
    assert {e.kind for e in graph.edges} == {"score", "consent", "model"}

    # A certificate: issue, fetch (JSON and PDF), verify.
    issued = certificates.issue.sync(uscc=E1, client=platform, body=models.IssueIn())
    assert isinstance(issued, models.IssuedCertificate), issued
    assert issued.score_event == score.id and issued.status.value == "active"
    credential = certificates.get_certificate.sync(certificate_id=issued.id, client=enterprise)
    assert isinstance(credential, models.Credential), credential
    assert credential.credential_subject.credit_rating.grade == "A"
    checked = certificates.verify_certificate.sync(client=anyone, body=credential)
    assert isinstance(checked, models.CertificateVerification), checked
    assert checked.verdict.value == "VALID", [c.to_dict() for c in checked.checks]
    record = certificates.get_record.sync(certificate_id=issued.id, client=enterprise)
    assert record.credential_hash == issued.credential_hash
    pdf = certificates.get_pdf.sync(certificate_id=issued.id, client=enterprise)
    assert pdf.payload.read(5) == b"%PDF-"


def test_generated_client_gets_typed_errors(service: dict[str, Any],
                                            client_package: ModuleType) -> None:
    models, events = _mod("models"), _Tag("events")
    url, tokens = service["url"], service["tokens"]
    bank = client_package.AuthenticatedClient(base_url=url, token=tokens["bank"])
    platform = client_package.AuthenticatedClient(base_url=url, token=tokens["platform"])
    stranger = client_package.AuthenticatedClient(base_url=url, token="lk_not-a-key")

    # The bank has no relationship with E2: the 404 of an unknown id, typed, which does
    # not confirm that the event exists.
    scored = events.post_event.sync(client=platform, body=models.ScoreComputed.from_dict(
        score_event(E2, 815, "AA", (84, 80, 79))))
    refused = events.get_event.sync_detailed(event_id=scored.id, client=bank)
    assert refused.status_code == 404
    assert isinstance(refused.parsed, models.Error)
    assert refused.parsed.error.code == "not_found"
    assert refused.parsed.error.details["id"] == scored.id

    # A role that may never read an event type's records still gets a typed 403 with
    # its reason (a bank asking for a certificate's record).
    cert_refused = _Tag("certificates").get_record.sync_detailed(
        certificate_id="crt-00000000-0000-0000-0000-000000000000", client=bank)
    assert cert_refused.status_code == 403
    assert isinstance(cert_refused.parsed, models.Error)
    assert cert_refused.parsed.error.code == "forbidden"
    assert cert_refused.parsed.error.details["reason"] == "role_not_allowed"

    unknown = events.get_event.sync_detailed(event_id="evt_" + "0" * 32, client=stranger)
    assert unknown.status_code == 401 and isinstance(unknown.parsed, models.Error)
    assert unknown.parsed.error.code == "unauthorized"

    bad = events.post_event.sync_detailed(client=platform, body=models.ScoreComputed.from_dict(
        score_event(E2, 1001, "AA", (84, 80, 79))))
    assert bad.status_code == 422 and isinstance(bad.parsed, models.Error)
    assert bad.parsed.error.code == "validation_error"
    assert bad.parsed.error.details["error_count"] >= 1


def _wait(read: Any, wanted: set[str], timeout: float = 60) -> Any:
    """Poll an event until its status is one of ``wanted`` (the batcher seals every 0.2 s)."""
    deadline = time.monotonic() + timeout
    while True:
        record = read()
        if record.status.value in wanted:
            return record
        if time.monotonic() > deadline:
            raise AssertionError(f"still {record.status.value} after {timeout} s")
        time.sleep(0.1)
