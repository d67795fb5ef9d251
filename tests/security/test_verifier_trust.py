"""Issue 9, item 1: a forgery made without the platform's secrets is never VALID.

Driven through the real commands (`ledger verify`, `ledger verify-certificate`
and the stand-alone `credit-verify`), the Python API and the service's own
verification endpoints. Before the fix, `ledger verify` printed VALID and
exited 0 for the forged bundle, checking its signature with the key the
bundle itself carried.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ledger_proof import PinnedKeys, Unpinned, UnsafeNoOp, verify_bundle, verify_certificate
from ledger_proof.signing import ServiceKey

from ..conftest import Api
from .forgery import forged_bundle, forged_certificate

LEDGER = [sys.executable, "-m", "ledger_service.cli.main"]
CREDIT_VERIFY = [sys.executable, "-m", "ledger_proof.cli"]


def run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


def write(tmp_path: Path, name: str, doc: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return str(path)


@pytest.mark.parametrize("command", [[*LEDGER, "verify"], [*CREDIT_VERIFY, "bundle"]],
                         ids=["ledger verify", "credit-verify bundle"])
def test_forged_bundle_with_nothing_pinned_is_unverified(tmp_path: Path,
                                                         command: list[str]) -> None:
    bundle, _ = forged_bundle()
    done = run([*command, write(tmp_path, "forged.json", bundle)])
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert "UNVERIFIED" in lines[-2] and "--key" in lines[-1] and "--fabric" in lines[-1] \
        and "--evm-registry" in lines[-1]
    assert not any(line.strip() == "VALID" for line in lines)
    as_json = json.loads(run([*command, write(tmp_path, "f.json", bundle), "--json"]).stdout)
    checks = {c["name"]: c["status"] for c in as_json["checks"]}
    assert as_json["verdict"] == "UNVERIFIED" and as_json["valid"] is False
    assert checks["header_signature"] == "not_checked"
    assert {checks[n] for n in ("commitment", "leaf_hash", "inclusion", "header_hash")} \
        == {"pass"}


def test_forged_bundle_against_the_pinned_key_is_invalid(tmp_path: Path) -> None:
    bundle, _ = forged_bundle()
    platform = ServiceKey.generate()
    done = run([*LEDGER, "verify", write(tmp_path, "forged.json", bundle),
                "--key", platform.public_key_b64, "--json"])
    assert done.returncode == 1
    checks = {c["name"]: c["status"] for c in json.loads(done.stdout)["checks"]}
    assert checks["header_signature"] == "fail"


def test_python_api_policies() -> None:
    """Skipping the key check takes the loudly named UnsafeNoOp; the default is Unpinned."""
    bundle, attacker = forged_bundle()
    assert verify_bundle(bundle).verdict == "UNVERIFIED"
    assert verify_bundle(bundle, policy=Unpinned()).verdict == "UNVERIFIED"
    unsafe = verify_bundle(bundle, policy=UnsafeNoOp())
    assert unsafe.verdict == "VALID" and any("UnsafeNoOp" in w for w in unsafe.warnings)
    other = PinnedKeys.of(ServiceKey.generate().public_key_b64)
    assert verify_bundle(bundle, policy=other).verdict == "INVALID"
    mine = PinnedKeys.of(attacker.public_key_b64)
    assert verify_bundle(bundle, policy=mine).verdict == "VALID"


@pytest.mark.parametrize("command", [[*LEDGER, "verify-certificate"],
                                     [*CREDIT_VERIFY, "certificate"]],
                         ids=["ledger verify-certificate", "credit-verify certificate"])
def test_forged_certificate_with_nothing_pinned_is_unverified(tmp_path: Path,
                                                              command: list[str]) -> None:
    certificate, listing, _ = forged_certificate()
    done = run([*command, write(tmp_path, "cert.json", certificate),
                "--status-list", write(tmp_path, "list.json", listing), "--json"])
    assert done.returncode == 2, done.stdout + done.stderr
    verdict = json.loads(done.stdout)
    checks = {c["name"]: c["status"] for c in verdict["checks"]}
    assert verdict["verdict"] == "UNVERIFIED"
    assert checks["signature"] == checks["issuer"] == "not_checked"
    assert checks["status"] == "not_checked"  # the forger signed the list too
    assert checks["evidence.header_signature"] == "not_checked"
    assert checks["evidence.matches"] == "pass"


def test_forged_certificate_against_the_pinned_key_is_invalid(tmp_path: Path) -> None:
    certificate, listing, _ = forged_certificate()
    platform = ServiceKey.generate()
    done = run([*LEDGER, "verify-certificate", write(tmp_path, "cert.json", certificate),
                "--status-list", write(tmp_path, "list.json", listing),
                "--key", platform.public_key_b64, "--json"])
    assert done.returncode == 1
    checks = {c["name"]: c["status"] for c in json.loads(done.stdout)["checks"]}
    assert checks["issuer"] == "fail"
    verdict = verify_certificate(certificate, trusted_keys=[platform.public_key])
    assert verdict.verdict == "INVALID"


def test_service_endpoints_pin_the_service_key(sqlite_api: Api) -> None:
    """POST /v1/verify/* keep pinning the service's own key: the forgery fails there."""
    bundle, _ = forged_bundle()
    r = sqlite_api.client.post("/v1/verify/event", json=bundle)
    assert r.status_code == 200
    body = r.json()
    assert body["verdict"] == "INVALID" and body["valid"] is False
    assert {c["name"]: c["status"] for c in body["checks"]}["header_signature"] == "fail"
    certificate, _, _ = forged_certificate()
    r = sqlite_api.client.post("/v1/verify/certificate", json=certificate)
    body = r.json()
    assert r.status_code == 200 and body["verdict"] == "INVALID"
    assert {c["name"]: c["status"] for c in body["checks"]}["issuer"] == "fail"
