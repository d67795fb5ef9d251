"""The `ledger` command as a user runs it: a real subprocess, real files, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ledger_service.core.config import Settings
from ledger_service.evidence.story import ENTERPRISES, score_event
from ledger_service.runtime.context import LedgerContext

from .conftest import Api, make_settings


def ledger(*args: str, data_dir: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "LEDGER_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "ledger_service.cli.main", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_keys_create_prints_the_key_alone_on_the_last_line(tmp_path: Path) -> None:
    r = ledger("keys", "create", "--role", "bank", "--org", "bank-of-fuzhou", data_dir=tmp_path)
    assert r.returncode == 0, r.stderr
    token = r.stdout.strip().splitlines()[-1]
    assert token.startswith("lk_") and " " not in token
    ctx = LedgerContext.open(Settings(data_dir=tmp_path))
    assert ctx.keys.authenticate(token).org == "bank-of-fuzhou"
    ctx.close()
    bad = ledger("keys", "create", "--role", "king", "--org", "x", data_dir=tmp_path)
    assert bad.returncode == 2
    assert "role" in bad.stderr


def test_orgs_add_refuses_a_bad_key(tmp_path: Path) -> None:
    assert ledger("orgs", "add", "bank-x", "--public-key", "AAAA", data_dir=tmp_path
                  ).returncode == 2
    good = "A" * 43 + "="
    assert ledger("orgs", "add", "bank-x", "--public-key", good, data_dir=tmp_path
                  ).returncode == 0


def test_verify_exit_codes(tmp_path: Path) -> None:
    ctx = LedgerContext.open(make_settings(tmp_path))
    api = Api(ctx)
    event_id = api.record("platform", score_event(ENTERPRISES[0].uscc, 1, "C", (1, 1, 1)))
    ctx.sealer.seal_all()
    bundle = api.get(f"/v1/events/{event_id}/proof").json()
    key = ctx.key.public_key_b64
    ctx.close()
    good = tmp_path / "good.json"
    good.write_text(json.dumps(bundle))
    r = ledger("verify", str(good), "--key", key, data_dir=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "VALID" in r.stdout
    bundle["event"]["payload"]["score"] = 2
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(bundle))
    r = ledger("verify", str(bad), "--key", key, "--json", data_dir=tmp_path)
    assert r.returncode == 1
    assert json.loads(r.stdout)["valid"] is False
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    assert ledger("verify", str(junk), data_dir=tmp_path).returncode == 2
    assert ledger("verify", str(tmp_path / "missing.json"), data_dir=tmp_path).returncode == 2
    other = tmp_path / "other.json"
    other.write_text('{"version": 9}')
    assert ledger("verify", str(other), data_dir=tmp_path).returncode == 2


@pytest.mark.slow
def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    r = ledger("demo", "--no-fabric", "--data-dir", str(tmp_path / "demo"), data_dir=tmp_path,
               timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "VALID" in r.stdout and "INVALID" in r.stdout
    assert list((tmp_path / "demo" / "proofs").glob("evt_*.json"))
    certificates = tmp_path / "demo" / "certificates"
    assert [p.suffix for p in sorted(certificates.glob("HXCR-*"))] in ([".json", ".pdf"],
                                                                      [".json"])


@pytest.mark.slow
def test_demo_serve_keeps_the_portal_up_with_a_key_per_role(tmp_path: Path) -> None:
    """`ledger demo --serve`: after the story, the portal answers at the printed URL, each
    printed key signs in as its role, and Ctrl-C ends the service cleanly."""
    import re
    import signal
    import time

    import httpx

    env = {**os.environ, "LEDGER_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "ledger_service.cli.main", "demo",
                             "--no-fabric", "--serve"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 300
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line, "".join(lines[-40:])
            lines.append(line)
            if "Ctrl-C" in line:
                break
        for _ in range(6):
            lines.append(proc.stdout.readline())
        text = "".join(lines)
        url = re.search(r"Portal\S* (http://127\.0\.0\.1:\d+)/", text)
        assert url, text[-2000:]
        keys = dict(re.findall(r"^\s+(platform|bank|auditor|enterprise)\s+\S+\s+(lk_\S+)",
                               text, re.M))
        assert set(keys) == {"platform", "bank", "auditor", "enterprise"}, text[-2000:]
        page = httpx.get(url.group(1) + "/", timeout=30)
        assert page.status_code == 200 and "portal-app.js" in page.text
        for role, token in keys.items():
            who = httpx.get(url.group(1) + "/v1/whoami", timeout=30,
                            headers={"Authorization": f"Bearer {token}"})
            assert who.json()["role"] == role
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
