"""`ledger verify-certificate` as a bank runs it: a subprocess, its own EVM node connection,
the status list fetched from the URL in the certificate, exit codes 0 / 1 / 2."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from anchoring.evm.anvil import AnvilFailed, AnvilNode, find_anvil, start_anvil
from anchoring.evm.chain import ANVIL_DEV_KEY

from .live import live_service


def verify_cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "DATABASE"))}
    return subprocess.run([sys.executable, "-m", "ledger_service.cli.main", "verify-certificate",
                           *args], env=env, capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def anvil() -> Iterator[AnvilNode]:
    if find_anvil() is None:
        pytest.skip("anvil not installed (npm ci --prefix anchoring/evm, scripts/setup.sh --dev)")
    try:
        node = start_anvil()
    except AnvilFailed as exc:
        pytest.fail(str(exc))
    yield node
    node.stop()


@pytest.mark.evm
def test_cli_verifies_against_a_real_node(tmp_path: Path, anvil: AnvilNode) -> None:
    with live_service(tmp_path / "svc", evm_rpc_url=anvil.url,
                      evm_private_key=ANVIL_DEV_KEY) as live:
        out = live.issue()
        cert = tmp_path / "certificate.json"
        cert.write_text(json.dumps(out["credential"], ensure_ascii=False))
        key = live.ctx.key.public_key_b64
        deployment = live.ctx.extras["evm_deployment"]
        # The bank pins the contracts it trusts; addresses inside the certificate are claims.
        evm = ["--evm", anvil.url, "--evm-registry", deployment.anchor_registry,
               "--evm-token", deployment.certificate_token]

        ok = verify_cli(str(cert), *evm, "--key", key, "--json")
        assert ok.returncode == 0, ok.stdout + ok.stderr
        verdict = json.loads(ok.stdout)
        assert verdict["valid"] is True
        names = {c["name"] for c in verdict["checks"]}
        assert {"signature", "status", "evidence.anchor.evm", "token.locked",
                "token.uri_matches"} <= names

        table = verify_cli(str(cert), *evm, "--key", key)
        assert table.returncode == 0 and "VALID" in table.stdout

        # Ledgers pinned but not the issuer: the evidence is genuine, but who issued the
        # certificate is unknown, so it is UNVERIFIED (exit 2), never VALID.
        unpinned = verify_cli(str(cert), *evm, "--json")
        assert unpinned.returncode == 2
        statuses = {c["name"]: c["status"] for c in json.loads(unpinned.stdout)["checks"]}
        assert statuses["issuer"] == "not_checked" and statuses["evidence.anchor.evm"] == "pass"

        # --evm without the addresses to trust is refused, not read from the certificate.
        assert verify_cli(str(cert), "--evm", anvil.url, "--key", key).returncode == 2

        no_node = verify_cli(str(cert), "--key", key, "--json")
        assert no_node.returncode == 0
        statuses = {c["name"]: c["status"] for c in json.loads(no_node.stdout)["checks"]}
        assert statuses["token.exists"] == statuses["evidence.anchor.evm"] == "not_checked"

        tampered = copy.deepcopy(out["credential"])
        tampered["credentialSubject"]["creditRating"]["grade"] = "AAA"
        bad = tmp_path / "tampered.json"
        bad.write_text(json.dumps(tampered))
        r = verify_cli(str(bad), *evm, "--key", key, "--json")
        assert r.returncode == 1
        assert "signature" in [c["name"] for c in json.loads(r.stdout)["checks"]
                               if c["status"] == "fail"]

        revoked = live.http.post(f"/v1/certificates/{out['id']}/revoke",
                                 json={"reason": "test"})
        assert revoked.status_code == 200
        r = verify_cli(str(cert), *evm, "--key", key, "--json")
        assert r.returncode == 1
        failed = {c["name"] for c in json.loads(r.stdout)["checks"] if c["status"] == "fail"}
        assert failed == {"status", "token.not_revoked"}

    (tmp_path / "junk.json").write_text("[1, 2")
    assert verify_cli(str(tmp_path / "junk.json")).returncode == 2
    assert verify_cli(str(tmp_path / "missing.json")).returncode == 2
