"""`ledger models`, `ledger score`, `ledger rescore` as a user runs them (a subprocess)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ledger_proof.scoring import REFERENCE_SPEC
from ledger_service.core.config import Settings
from ledger_service.evidence.story import ENTERPRISES, INPUT_FILES, demo_inputs
from ledger_service.runtime.context import LedgerContext
from ledger_service.store.tables import EVENTS

from .scoring_support import CARD, inputs_for
from .test_cli import ledger

E1 = ENTERPRISES[0].uscc


def count(data_dir: Path) -> int:
    ctx = LedgerContext.open(Settings(data_dir=data_dir, evm_node="off"))
    try:
        with ctx.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(EVENTS)).scalar_one()
    finally:
        ctx.close()


def write(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture
def scored(tmp_path: Path) -> tuple[Path, str, str, Path]:
    """A data dir where `ledger score` registered the reference model and scored E1."""
    inputs = write(tmp_path / "inputs.json", demo_inputs(E1))
    r = ledger("score", str(inputs), "--enterprise", E1, "--salt-out",
               str(tmp_path / "salt.txt"), data_dir=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "registered the reference model" in r.stderr
    event_id = r.stdout.split()[1].rstrip(":")
    assert event_id.startswith("evt_")
    salt = (tmp_path / "salt.txt").read_text().strip()
    return tmp_path, event_id, salt, inputs


def test_score_registers_the_reference_model_once_and_records_the_score(
        scored: tuple[Path, str, str, Path]) -> None:
    data_dir, _event_id, salt, inputs = scored
    assert len(bytes.fromhex(salt)) == 32
    assert count(data_dir) == 2  # the registration and the score
    again = ledger("score", str(inputs), "--enterprise", E1, data_dir=data_dir)
    assert again.returncode == 0 and "registered the reference model" not in again.stderr
    assert "inputs salt" in again.stdout
    listed = ledger("models", "list", data_dir=data_dir)
    assert CARD.model_id in listed.stdout
    same = ledger("models", "register", data_dir=data_dir)
    assert same.returncode == 0 and same.stdout.startswith("already registered")


def test_rescore_follows_and_names_the_first_difference(
        scored: tuple[Path, str, str, Path]) -> None:
    data_dir, event_id, salt, inputs = scored
    ok = ledger("rescore", event_id, "--inputs", str(inputs), "--inputs-salt", salt,
                data_dir=data_dir)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "FOLLOWS" in ok.stdout
    changed = demo_inputs(E1)
    changed["indicators"]["receivable_turnover_days"]["value"] += 40
    bad = ledger("rescore", event_id, "--inputs", str(write(data_dir / "c.json", changed)),
                 "--inputs-salt", salt, "--json", data_dir=data_dir)
    assert bad.returncode == 1
    report = json.loads(bad.stdout)
    assert report["first_difference"] == "factor:operating_efficiency"
    wrong_salt = ledger("rescore", event_id, "--inputs", str(inputs), "--inputs-salt",
                        "11" * 32, data_dir=data_dir)
    assert wrong_salt.returncode == 1 and "inputs_digest" in wrong_salt.stdout


def test_rescore_exit_2_for_a_missing_event_or_unreadable_input(
        scored: tuple[Path, str, str, Path]) -> None:
    data_dir, event_id, salt, inputs = scored
    missing = ledger("rescore", "evt_" + "0" * 32, "--inputs", str(inputs), "--inputs-salt",
                     salt, data_dir=data_dir)
    assert missing.returncode == 2 and "no event" in missing.stderr
    unreadable = ledger("rescore", event_id, "--inputs", str(data_dir / "nope.json"),
                        "--inputs-salt", salt, data_dir=data_dir)
    assert unreadable.returncode == 2
    bad_salt = ledger("rescore", event_id, "--inputs", str(inputs), "--inputs-salt", "xyz",
                      data_dir=data_dir)
    assert bad_salt.returncode == 2


def test_score_refuses_bad_inputs_naming_the_indicator_and_records_nothing(tmp_path: Path
                                                                           ) -> None:
    assert ledger("models", "register", data_dir=tmp_path).returncode == 0
    before = count(tmp_path)
    bad = write(tmp_path / "bad.json", inputs_for(litigation_cases=-3))
    r = ledger("score", str(bad), "--enterprise", E1, data_dir=tmp_path)
    assert r.returncode == 1
    assert "litigation_cases" in r.stderr and "out_of_range" in r.stderr
    r = ledger("score", str(write(tmp_path / "ok.json", inputs_for())), "--enterprise",
               "91350100M000100Y44", data_dir=tmp_path)
    assert r.returncode == 1
    assert count(tmp_path) == before


def test_models_register_a_spec_file_and_refuse_a_conflict(tmp_path: Path) -> None:
    spec = dict(REFERENCE_SPEC, model_version="2.0")
    path = write(tmp_path / "spec.json", spec)
    r = ledger("models", "register", "--spec", str(path), data_dir=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("registered tri-dim-scorecard 2.0")
    conflict = write(tmp_path / "other.json", dict(spec, scale="another scale"))
    r = ledger("models", "register", "--spec", str(conflict), data_dir=tmp_path)
    assert r.returncode == 1 and "registered already" in r.stderr
    assert count(tmp_path) == 1


def test_the_demo_inputs_are_shipped_for_every_enterprise() -> None:
    for ent in ENTERPRISES:
        result = CARD.compute(demo_inputs(ent.uscc))
        assert 0 < result.score < 1000, INPUT_FILES[ent.uscc]
