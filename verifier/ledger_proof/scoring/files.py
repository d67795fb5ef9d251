"""``credit-verify rescore``: the files an auditor holds, read and handed to ``rescore``.

The score may come as the ``score.computed`` event, as its proof bundle (the
``event`` inside it; an erased event cannot be rescored), or as the bare
payload. The model comes either as a spec file or as the ``model.registered``
event (or its bundle) that put the spec on the ledger; a registration whose
``model_hash`` is not its spec's hash is itself a difference, reported first as
``registration``. Anything that is not usable at all (unreadable JSON, a spec
that is not a valid model, a salt that is not 32 bytes of hex) is a UsageError:
exit code 2, not a verdict.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ledger_proof.files import UsageError, read_json
from ledger_proof.scoring.rescore import FAIL, PASS, RescoreCheck, RescoreReport, rescore
from ledger_proof.scoring.spec import SpecError, model_hash

SCORE_TYPE = "score.computed"
MODEL_TYPE = "model.registered"


def _event_of(doc: Any, path: Path) -> Any:
    """The event itself when ``doc`` is a proof bundle, else ``doc``."""
    if isinstance(doc, dict) and "event" in doc and "payload" not in doc:
        if doc["event"] is None:
            raise UsageError(f"{path}: the bundle's event was erased; it cannot be rescored")
        return doc["event"]
    return doc


def score_payload_of(doc: Any, path: Path) -> dict[str, Any]:
    """The ``score.computed`` payload from an event, a proof bundle or the payload itself."""
    doc = _event_of(doc, path)
    if isinstance(doc, dict) and isinstance(doc.get("payload"), dict):
        if doc.get("type", SCORE_TYPE) != SCORE_TYPE:
            raise UsageError(f"{path}: a {doc.get('type')!r} event, not {SCORE_TYPE}")
        return doc["payload"]
    if isinstance(doc, dict) and "model_hash" in doc:
        return doc
    raise UsageError(f"{path}: not a {SCORE_TYPE} event, its proof bundle or its payload")


def registration_spec(doc: Any, path: Path) -> tuple[dict[str, Any], RescoreCheck]:
    """The spec inside a ``model.registered`` event (or bundle) and the check of its hash."""
    event = _event_of(doc, path)
    payload = event.get("payload") if isinstance(event, dict) else None
    if (not isinstance(payload, dict) or not isinstance(payload.get("spec"), dict)
            or event.get("type", MODEL_TYPE) != MODEL_TYPE):
        raise UsageError(f"{path}: not a {MODEL_TYPE} event (or its proof bundle) with a spec")
    spec = payload["spec"]
    try:
        actual = model_hash(spec)
    except SpecError as exc:
        raise UsageError(f"{path}: {exc}") from None
    claimed = payload.get("model_hash")
    ok = claimed == actual
    return spec, RescoreCheck("registration", PASS if ok else FAIL,
                              f"the registration's model_hash {claimed!r}, its spec hashes to "
                              f"{actual!r}")


def parse_salt(text: str) -> bytes:
    try:
        salt = bytes.fromhex(text)
    except ValueError:
        salt = b""
    if len(salt) != 32:
        raise UsageError("--inputs-salt must be 64 hex characters (32 bytes)")
    return salt


def rescore_files(score_file: Path, *, spec: Path | None, registration: Path | None,
                  inputs: Path, salt_hex: str) -> dict[str, Any]:
    """The rescore report (JSON values) for the files given; UsageError when unusable."""
    salt = parse_salt(salt_hex)
    payload = score_payload_of(read_json(score_file), score_file)
    first: list[RescoreCheck] = []
    if registration is not None:
        model, check = registration_spec(read_json(registration), registration)
        first.append(check)
    elif spec is not None:
        model = read_json(spec)
    else:
        raise UsageError("give the model: --spec SPEC or --registration EVENT")
    document = read_json(inputs)
    try:
        report = rescore(model, document, salt, payload)
    except SpecError as exc:
        raise UsageError(f"the model is not usable: {exc}") from None
    if first:
        report = RescoreReport(report.model_id, report.model_version, report.model_hash,
                               [*first, *report.checks], report.recomputed)
    return report.to_json()
