"""``credit-verify rescore`` as an auditor runs it: a fresh process, files, exit codes."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ledger_proof.scoring import REFERENCE_SPEC, inputs_digest, model_hash, score_payload

from .builders import CARD, typical, with_value

SALT = bytes(range(100, 132))


def run(*args: str | Path) -> tuple[int, Any, str]:
    done = subprocess.run([sys.executable, "-m", "ledger_proof.cli", "rescore",
                           *map(str, args)], capture_output=True, text=True, timeout=120,
                          check=False)
    report = json.loads(done.stdout) if done.stdout.strip() else None
    return done.returncode, report, done.stderr


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    inputs = typical()
    payload = score_payload(CARD, CARD.compute(inputs), inputs_digest(inputs, SALT))
    event = {"id": "evt_" + "1" * 32, "type": "score.computed",
             "enterprise_id": "91350100M000100Y43", "occurred_at": "2026-11-26T10:00:00Z",
             "refs": ["evt_" + "2" * 32], "payload": payload}
    registration = {"id": "evt_" + "2" * 32, "type": "model.registered",
                    "payload": {"model_id": CARD.model_id, "model_version": CARD.model_version,
                                "model_hash": model_hash(REFERENCE_SPEC),
                                "spec": REFERENCE_SPEC}}
    paths = {}
    for name, doc in {"inputs": inputs, "event": event, "spec": REFERENCE_SPEC,
                      "registration": registration,
                      "bundle": {"version": 1, "event": event, "salt": "00" * 32}}.items():
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(json.dumps(doc, ensure_ascii=False, indent=1))
    return paths


def model_args(files: dict[str, Path]) -> list[Any]:
    return ["--spec", files["spec"], "--inputs", files["inputs"], "--inputs-salt", SALT.hex()]


def test_genuine_score_exits_0(files: dict[str, Path]) -> None:
    code, report, _ = run(files["event"], *model_args(files))
    assert code == 0 and report["ok"] is True and report["first_difference"] is None
    assert report["model"]["model_hash"] == CARD.hash
    assert [c["name"] for c in report["checks"]][:4] == ["model_hash", "model_id",
                                                         "model_version", "inputs"]
    assert report["checks"][-1]["name"] == "inputs_digest"
    assert report["recomputed"]["score"] == CARD.compute(typical()).score


def test_genuine_from_the_registration_and_the_bundle(files: dict[str, Path]) -> None:
    code, report, _ = run(files["bundle"], "--registration", files["registration"],
                          "--inputs", files["inputs"], "--inputs-salt", SALT.hex(), "--json")
    assert code == 0, report
    assert report["checks"][0] == {"name": "registration", "status": "pass",
                                   "detail": report["checks"][0]["detail"]}


def tamper(path: Path, change: Any) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False))


@pytest.mark.parametrize(("change", "named"), [
    (lambda e: e["payload"].update(score=e["payload"]["score"] + 1), "score"),
    (lambda e: e["payload"].update(grade="AAA"), "grade"),
    (lambda e: e["payload"]["factors"].update(compliance=0), "factor:compliance"),
    (lambda e: e["payload"]["dimensions"].update(growth_potential=999),
     "dimension:growth_potential"),
    (lambda e: e["payload"].update(inputs_digest="0" * 64), "inputs_digest"),
    (lambda e: e["payload"].update(model_hash="f" * 64), "model_hash"),
])
def test_tampered_score_exits_1_naming_the_difference(files: dict[str, Path], change: Any,
                                                      named: str) -> None:
    tamper(files["event"], change)
    code, report, _ = run(files["event"], *model_args(files))
    assert code == 1 and report["ok"] is False and report["first_difference"] == named


def test_a_changed_input_is_named_by_its_factor(files: dict[str, Path]) -> None:
    changed = with_value(typical(), "litigation_cases", 6)
    files["inputs"].write_text(json.dumps(changed))
    code, report, _ = run(files["event"], *model_args(files))
    assert code == 1 and report["first_difference"] == "factor:compliance"
    failed = next(c for c in report["checks"] if c["status"] == "fail")
    assert "litigation_cases" in failed["detail"]


def test_an_invalid_input_is_named_by_its_indicator(files: dict[str, Path]) -> None:
    tamper(files["inputs"], lambda d: d["indicators"]["rd_intensity"].update(unit="percent"))
    code, report, _ = run(files["event"], *model_args(files))
    assert code == 1 and report["first_difference"] == "indicator:rd_intensity"
    assert report["recomputed"] is None


def test_a_registration_whose_hash_is_not_its_specs(files: dict[str, Path]) -> None:
    tamper(files["registration"],
           lambda d: d["payload"]["spec"]["dimensions"][0].update(name_en="Finance"))
    code, report, _ = run(files["event"], "--registration", files["registration"],
                          "--inputs", files["inputs"], "--inputs-salt", SALT.hex())
    assert code == 1 and report["first_difference"] == "registration"


@pytest.mark.parametrize("problem", ["not json", "missing file", "bad salt", "short salt",
                                     "erased", "invalid spec", "not a score"])
def test_unusable_input_exits_2(files: dict[str, Path], tmp_path: Path, problem: str) -> None:
    args = [files["event"], *model_args(files)]
    if problem == "not json":
        files["inputs"].write_text("{not json")
    elif problem == "missing file":
        args[0] = tmp_path / "nowhere.json"
    elif problem == "bad salt":
        args[-1] = "zz" * 32
    elif problem == "short salt":
        args[-1] = SALT.hex()[:-2]
    elif problem == "erased":
        tamper(files["bundle"], lambda d: d.update(event=None))
        args[0] = files["bundle"]
    elif problem == "invalid spec":
        spec = copy.deepcopy(REFERENCE_SPEC)
        spec["dimensions"][0]["weight"] = 401
        files["spec"].write_text(json.dumps(spec))
    elif problem == "not a score":
        tamper(files["event"], lambda d: d.update(type="loan.applied"))
    code, report, stderr = run(*args)
    assert code == 2 and report is None, (problem, report)
    assert stderr.startswith("credit-verify: ")


def test_help_explains_the_command() -> None:
    done = subprocess.run([sys.executable, "-m", "ledger_proof.cli", "rescore", "--help"],
                          capture_output=True, text=True, timeout=60, check=True)
    for words in ("--registration", "--inputs-salt", "first_difference", "Exit codes"):
        assert words in done.stdout
