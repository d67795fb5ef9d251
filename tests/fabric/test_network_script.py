"""scripts/network.sh and the external builder, checked without Fabric binaries."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "network.sh"
BUILDER = REPO / "network" / "builder" / "bin"


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60, cwd=REPO
    )


@pytest.fixture
def bare_env(tmp_path) -> dict[str, str]:
    """PATH with the basic tools but no Fabric binaries, FABRIC_BIN unset."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}


@pytest.mark.parametrize("command", [["up"], ["env", "platform"]])
def test_missing_binaries_is_a_clear_message(bare_env, command):
    if command[0] == "env" and not (REPO / "network" / "run" / "crypto").exists():
        pytest.skip("env checks the generated network first")
    proc = run(command, bare_env)
    assert proc.returncode == 3
    for name in ("peer", "orderer", "configtxgen", "osnadmin", "cryptogen"):
        assert name in proc.stderr
    assert "https://github.com/hyperledger/fabric/releases" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_fabric_bin_pointing_nowhere(bare_env, tmp_path):
    proc = run(["up"], {**bare_env, "FABRIC_BIN": str(tmp_path / "nothing")})
    assert proc.returncode == 3
    assert "FABRIC_BIN=" in proc.stderr and "releases" in proc.stderr


def test_usage_errors(bare_env):
    assert run([], bare_env).returncode == 2
    assert run(["env"], bare_env).returncode == 2
    assert run(["env", "nobody"], bare_env).returncode == 2
    assert run(["down", "--everything"], bare_env).returncode == 2


def test_builder_detect(tmp_path):
    meta = tmp_path / "meta"
    meta.mkdir()
    (meta / "metadata.json").write_text('{"type": "ccaas", "label": "evidence_1"}')
    assert subprocess.run([BUILDER / "detect", tmp_path, meta]).returncode == 0
    (meta / "metadata.json").write_text('{"type": "golang", "label": "x"}')
    assert subprocess.run([BUILDER / "detect", tmp_path, meta]).returncode != 0


def test_builder_build_and_release_per_org_address(tmp_path):
    src, meta, out, rel = (tmp_path / d for d in ("src", "meta", "out", "rel"))
    for d in (src, meta, out, rel):
        d.mkdir()
    (src / "connection.json").write_text('{"address": "127.0.0.1:1", "tls_required": false}')
    (meta / "metadata.json").write_text('{"type": "ccaas", "label": "evidence_1"}')
    assert subprocess.run([BUILDER / "build", src, meta, out]).returncode == 0
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\nAAAA\n-----END CERTIFICATE-----\n"
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (tmp_path / name).write_text(pem)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "EVIDENCE_CCAAS_ADDRESS": "127.0.0.1:27062",
        "EVIDENCE_CCAAS_ROOT_CERT": str(tmp_path / "ca.pem"),
        "EVIDENCE_CCAAS_CLIENT_CERT": str(tmp_path / "cert.pem"),
        "EVIDENCE_CCAAS_CLIENT_KEY": str(tmp_path / "key.pem"),
    }
    assert subprocess.run([BUILDER / "release", out, rel], env=env).returncode == 0
    conn = json.loads((rel / "chaincode" / "server" / "connection.json").read_text())
    assert conn["address"] == "127.0.0.1:27062"
    assert conn["tls_required"] is True and conn["client_auth_required"] is True
    assert conn["root_cert"] == pem and conn["client_key"] == pem
    # Without the peer's variables the packaged connection.json is used as is.
    rel2 = tmp_path / "rel2"
    rel2.mkdir()
    assert (
        subprocess.run([BUILDER / "release", out, rel2], env={"PATH": env["PATH"]}).returncode == 0
    )
    conn2 = json.loads((rel2 / "chaincode" / "server" / "connection.json").read_text())
    assert conn2["address"] == "127.0.0.1:1"


def test_missing_binaries_helper(tmp_path):
    from anchoring.fabric.network import BINARIES, missing_binaries

    assert missing_binaries({"PATH": str(tmp_path)}) == list(BINARIES)
    for b in BINARIES:
        exe = tmp_path / b
        exe.write_text("#!/bin/sh\n")
        exe.chmod(0o755)
    assert missing_binaries({"FABRIC_BIN": str(tmp_path)}) == []
    assert missing_binaries({"PATH": str(tmp_path)}) == []
    (tmp_path / "osnadmin").unlink()
    assert missing_binaries({"FABRIC_BIN": str(tmp_path)}) == ["osnadmin"]


def test_ensure_network_without_binaries_says_what_is_missing(monkeypatch, tmp_path):
    from anchoring.fabric import network

    monkeypatch.setattr(network, "network_status", lambda timeout=60: False)
    monkeypatch.delenv("FABRIC_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(network.NetworkUnavailable) as info:
        network.ensure_network()
    assert "peer" in str(info.value) and network.RELEASES_URL in str(info.value)
