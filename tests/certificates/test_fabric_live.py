"""Certificates against the real two-org Fabric network: RegisterCertificate on issue,
GetCertificate in the verifier (service side and the bank's --fabric CLI path, with the
issuer key pinned from the channel), RevokeCertificate on revoke.

Uses a running network (scripts/network.sh status), or starts one when the Fabric
binaries are found and stops it afterwards; skipped with the reason otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from anchoring.backend import AnchorUnavailable
from ledger_proof.files import Pins, verify_certificate_document
from ledger_service.certificates.service import CertificateService, verify_here
from ledger_service.evidence.schemas import EVENT_ADAPTER
from ledger_service.evidence.story import ENTERPRISES, PLATFORM_ORG, score_event
from ledger_service.pipeline.anchor_worker import anchor_pending
from ledger_service.pipeline.ledgers import attach_backends
from ledger_service.runtime.context import LedgerContext

from ..conftest import make_settings
from ..scoring_support import register_reference

pytestmark = pytest.mark.fabric
REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "network.sh"
PROFILE = REPO / "network" / "run" / "profile.json"


def _binaries_found() -> bool:
    names = ("peer", "orderer", "configtxgen", "osnadmin", "cryptogen")
    env = os.environ.get("FABRIC_BIN")
    if env:
        return all((Path(env) / n).exists() for n in names)
    return all(shutil.which(n) for n in names)


@pytest.fixture(scope="module")
def profile() -> Iterator[Path]:
    up = subprocess.run([str(SCRIPT), "status"], capture_output=True, cwd=REPO).returncode == 0
    started = False
    if not up:
        if not _binaries_found():
            pytest.skip("no Fabric network running and no Fabric binaries on PATH or in "
                        "FABRIC_BIN (scripts/network.sh up)")
        proc = subprocess.run([str(SCRIPT), "up"], capture_output=True, text=True,
                              timeout=300, cwd=REPO)
        if proc.returncode != 0:
            pytest.fail(f"network.sh up failed:\n{proc.stdout}\n{proc.stderr}")
        started = True
    yield PROFILE
    if started and not os.environ.get("PYTEST_XDIST_WORKER"):
        subprocess.run([str(SCRIPT), "down"], capture_output=True, cwd=REPO, timeout=120)


def _when_ready(call: Callable[[], object], seconds: float = 45) -> None:
    """Retry while a peer is (re)starting or catching up, as the anchor worker would."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            call()
            return
        except AnchorUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def test_certificate_status_on_the_channel(profile: Path, tmp_path: Path) -> None:
    ctx = LedgerContext.open(make_settings(tmp_path, fabric_profile=profile,
                                           ledger_id=f"cert-test-{uuid.uuid4().hex[:10]}"))
    try:
        attach_backends(ctx)
        fabric = next(b for b in ctx.backends if b.name == "fabric")
        _when_ready(lambda: fabric.register_ledger(ctx.settings.ledger_id,
                                                   ctx.key.public_key_b64))
        uscc = ENTERPRISES[0].uscc
        register_reference(ctx)
        event = EVENT_ADAPTER.validate_json(json.dumps(score_event(uscc, 742, "A", (78, 71, 66))))
        ctx.recorder.record(PLATFORM_ORG, [event])
        ctx.sealer.seal_all()  # one batch: the model's registration and the score
        assert anchor_pending(ctx.engine, fabric) == 1
        service = CertificateService.of(ctx)
        record = service.issue(PLATFORM_ORG, uscc)
        assert record["fabric"]["validation_code"] == "VALID"
        on_chain = fabric.get_certificate(record["id"])
        assert on_chain["credential_hash"] == record["credential_hash"]

        verdict = verify_here(ctx, record["credential"]).as_dict()
        assert verdict["valid"] is True, verdict
        names = {c["name"] for c in verdict["checks"]}
        assert {"fabric.status", "evidence.anchor.fabric"} <= names

        listing = tmp_path / "status-list.json"
        listing.write_text(json.dumps(service.status_list_credential(0)))
        bank = verify_certificate_document(record["credential"], Pins(fabric_profile=profile),
                                           listing).as_dict()
        checks = {c["name"]: c for c in bank["checks"]}
        assert checks["issuer"]["ok"] and "platform" in checks["issuer"]["detail"]
        assert checks["fabric.status"]["ok"] and checks["evidence.anchor.fabric"]["ok"]

        service.revoke(record["id"], "test revocation", PLATFORM_ORG)
        assert fabric.get_certificate(record["id"])["status"] == "revoked"
        after = verify_here(ctx, record["credential"]).as_dict()
        assert {"fabric.status", "status"} <= {c["name"] for c in after["checks"]
                                               if c["status"] == "fail"}
    finally:
        ctx.close()
