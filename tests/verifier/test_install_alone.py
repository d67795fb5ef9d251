"""The verifier installs alone, into a fresh virtual environment, and checks real evidence.

An auditor installs `verifier/` (credit-evidence-verify) without the service:
only PyNaCl and rfc8785 come with it. The test builds such an environment,
proves that none of the service's heavy dependencies arrived, then verifies
a proof bundle and a certificate the real service produced (exit 0), and
tampered copies of both (exit 1), with the service's key pinned, and rescores a
score with the reference model shipped inside the wheel.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

import pytest

from ledger_proof.scoring import (
    REFERENCE_SPEC,
    Scorecard,
    inputs_digest,
    model_hash,
    score_payload,
)

from ..certificates.conftest import CertApi
from ..certificates.conftest import sqlite_capi as sqlite_capi
from ..scoring.builders import typical

ROOT = Path(__file__).resolve().parents[2]
SERVICE_ONLY = ("fastapi", "sqlalchemy", "web3", "grpcio", "reportlab", "orjson", "pydantic")


@pytest.fixture(scope="module")
def verifier_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("verifier-env")
    venv.EnvBuilder(with_pip=True, clear=True).create(where)
    pip = [str(where / "bin" / "python"), "-m", "pip", "install", "--quiet",
           "--disable-pip-version-check", str(ROOT / "verifier")]
    done = subprocess.run(pip, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        pytest.fail(f"pip install ./verifier failed:\n{done.stderr[-2000:]}")
    return where


def installed(env: Path) -> set[str]:
    out = subprocess.run([str(env / "bin" / "python"), "-m", "pip", "list", "--format=json",
                          "--disable-pip-version-check"], capture_output=True, text=True,
                         check=True).stdout
    return {p["name"].lower() for p in json.loads(out)}


def credit_verify(env: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(env / "bin" / "credit-verify"), *args], capture_output=True,
                          text=True, timeout=120, check=False)


def test_only_the_verifiers_dependencies_arrive(verifier_env: Path) -> None:
    packages = installed(verifier_env) - {"pip", "setuptools", "wheel"}
    assert {"credit-evidence-verify", "pynacl", "rfc8785"} <= packages
    assert not packages & set(SERVICE_ONLY), packages
    assert packages <= {"credit-evidence-verify", "pynacl", "rfc8785", "cffi", "pycparser"}


def test_verifies_the_services_bundle_and_certificate(verifier_env: Path, tmp_path: Path,
                                                     sqlite_capi: CertApi) -> None:
    score = sqlite_capi.scored()
    issued = sqlite_capi.issue()
    key = sqlite_capi.ctx.key.public_key_b64
    bundle = sqlite_capi.get(f"/v1/events/{score}/proof").json()
    listing = sqlite_capi.client.get("/v1/status-lists/0").json()

    def save(name: str, doc: Any) -> str:
        (tmp_path / name).write_text(json.dumps(doc, ensure_ascii=False))
        return str(tmp_path / name)

    ok = credit_verify(verifier_env, "bundle", save("bundle.json", bundle), "--key", key)
    assert ok.returncode == 0 and ok.stdout.strip().splitlines()[-1] == "VALID", ok.stdout
    tampered = copy.deepcopy(bundle)
    tampered["event"]["payload"]["score"] += 1
    bad = credit_verify(verifier_env, "bundle", save("bad.json", tampered), "--key", key,
                        "--json")
    assert bad.returncode == 1
    assert [c["name"] for c in json.loads(bad.stdout)["checks"] if c["status"] == "fail"] \
        == ["commitment"]

    cert_args = ["--key", key, "--status-list", save("list.json", listing)]
    ok = credit_verify(verifier_env, "certificate", save("cert.json", issued["credential"]),
                       *cert_args)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    forged = copy.deepcopy(issued["credential"])
    forged["credentialSubject"]["creditRating"]["grade"] = "AAA"
    bad = credit_verify(verifier_env, "certificate", save("forged.json", forged), *cert_args,
                        "--json")
    assert bad.returncode == 1
    failed = {c["name"] for c in json.loads(bad.stdout)["checks"] if c["status"] == "fail"}
    assert {"signature", "evidence.matches"} <= failed

    unpinned = credit_verify(verifier_env, "bundle", str(tmp_path / "bundle.json"))
    assert unpinned.returncode == 2 and "UNVERIFIED" in unpinned.stdout


def test_same_verdicts_as_the_service_cli(verifier_env: Path, tmp_path: Path,
                                         sqlite_capi: CertApi) -> None:
    """One implementation: `ledger verify --json` and `credit-verify bundle --json` agree."""
    score = sqlite_capi.scored()
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(sqlite_capi.get(f"/v1/events/{score}/proof").json()))
    key = sqlite_capi.ctx.key.public_key_b64
    for extra in ([], ["--key", key]):
        alone = credit_verify(verifier_env, "bundle", str(path), "--json", *extra)
        service = subprocess.run([sys.executable, "-m", "ledger_service.cli.main", "verify",
                                  str(path), "--json", *extra], capture_output=True, text=True,
                                 timeout=120, check=False)
        assert alone.returncode == service.returncode
        assert json.loads(alone.stdout) == json.loads(service.stdout)


def test_rescores_with_the_shipped_reference_model(verifier_env: Path, tmp_path: Path) -> None:
    """The reference spec ships in the wheel (package data) and hashes the same there."""
    python = str(verifier_env / "bin" / "python")
    shipped = subprocess.run([python, "-c", "from ledger_proof.scoring import REFERENCE_SPEC,"
                              " model_hash; print(model_hash(REFERENCE_SPEC))"],
                             capture_output=True, text=True, timeout=60, check=True)
    assert shipped.stdout.strip() == model_hash(REFERENCE_SPEC)
    card, inputs, salt = Scorecard.from_spec(REFERENCE_SPEC), typical(), bytes(32)
    payload = score_payload(card, card.compute(inputs), inputs_digest(inputs, salt))
    files = {}
    for name, doc in {"spec": REFERENCE_SPEC, "inputs": inputs,
                      "score": {"type": "score.computed", "payload": payload},
                      "forged": {"type": "score.computed",
                                 "payload": {**payload, "grade": "AAA"}}}.items():
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(json.dumps(doc, ensure_ascii=False))
    common = ["--spec", str(files["spec"]), "--inputs", str(files["inputs"]),
              "--inputs-salt", salt.hex()]
    ok = credit_verify(verifier_env, "rescore", str(files["score"]), *common)
    assert ok.returncode == 0 and json.loads(ok.stdout)["ok"] is True, ok.stdout + ok.stderr
    bad = credit_verify(verifier_env, "rescore", str(files["forged"]), *common)
    assert bad.returncode == 1 and json.loads(bad.stdout)["first_difference"] == "grade"
