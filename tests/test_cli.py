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
