"""Verifying files the way an auditor or a bank does: with what *they* pinned.

Shared by this distribution's ``credit-verify`` command and the service's
``ledger verify`` / ``ledger verify-certificate``, so both give the same
checks, verdicts and exit codes. Nothing here asks the platform's service:
keys come from the command line or from the Fabric channel, ledgers are
read through the verifier's own connections, and the status list is
fetched from the URL in the certificate (or read from a saved copy) and
must be signed by the pinned issuer.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger_proof.bundle import verify_bundle
from ledger_proof.certificates.verify import verify_certificate
from ledger_proof.ledgers.base import AnchorError
from ledger_proof.ledgers.pinned import LedgerReadError, PinnedLedgers
from ledger_proof.policy import PinnedKeys, TrustPolicy, Unpinned
from ledger_proof.signing import InvalidKey
from ledger_proof.verdict import Verdict

MAX_STATUS_LIST_BYTES = 4 * 1024 * 1024


class UsageError(Exception):
    """The input or a pinned source cannot be used (exit code 2)."""


@dataclass(frozen=True)
class Pins:
    """What the verifier pinned on the command line."""

    keys: tuple[str, ...] = ()
    fabric_profile: Path | None = None
    evm_url: str | None = None
    evm_registry: str | None = None
    evm_token: str | None = None
    evm_chain_id: int | None = None


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, ValueError, RecursionError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None


def _ledgers(pins: Pins) -> PinnedLedgers:
    if pins.evm_url is not None and pins.evm_registry is None and pins.evm_token is None:
        raise UsageError("--evm needs the contract to trust: --evm-registry ADDRESS (and, for "
                         "certificates, --evm-token ADDRESS); an address inside the document "
                         "is never trusted")
    try:
        return PinnedLedgers.open(fabric_profile=pins.fabric_profile, evm_url=pins.evm_url,
                                  evm_registry=pins.evm_registry,
                                  evm_chain_id=pins.evm_chain_id)
    except LedgerReadError as exc:
        raise UsageError(f"cannot read the ledger: {exc}") from None


def _policy(pins: Pins, ledgers: PinnedLedgers, ledger_id: Any) -> TrustPolicy:
    try:
        if pins.keys:
            return PinnedKeys.of(*pins.keys, source="--key")
    except InvalidKey as exc:
        raise UsageError(f"--key: {exc}") from None
    if isinstance(ledger_id, str):
        try:
            keys = ledgers.pinned_keys(ledger_id)
        except AnchorError as exc:
            raise UsageError(f"cannot read the ledger's keys from Fabric: {exc}") from None
        if keys:
            return PinnedKeys(keys, "the key the Fabric channel registered for the ledger")
    return Unpinned()


def _ledger_id(bundle: Any) -> Any:
    batch = bundle.get("batch") if isinstance(bundle, dict) else None
    header = batch.get("header") if isinstance(batch, dict) else None
    return header.get("ledger_id") if isinstance(header, dict) else None


def verify_bundle_document(doc: Any, pins: Pins) -> Verdict:
    """A proof bundle checked against the pins; raises BundleFormatError or UsageError."""
    ledgers = _ledgers(pins)
    try:
        return verify_bundle(doc, policy=_policy(pins, ledgers, _ledger_id(doc)), reader=ledgers)
    finally:
        ledgers.close()


def _evidence_bundle(doc: Any) -> Any:
    evidence = doc.get("evidence") if isinstance(doc, dict) else None
    item = evidence[0] if isinstance(evidence, list) and evidence else None
    return item.get("proofBundle") if isinstance(item, dict) else None


def fetch_status_list(url: str, saved: Path | None = None) -> dict[str, Any]:
    """The status list credential: a saved copy, or GET the http(s) URL the certificate names."""
    if saved is not None:
        doc = read_json(saved)
    else:
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"status list URL {url!r} is not http(s)")
        try:
            request = urllib.request.Request(url, headers={"Accept": "application/json"})
            with urllib.request.urlopen(request, timeout=10) as response:
                doc = json.loads(response.read(MAX_STATUS_LIST_BYTES + 1))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise ValueError(f"could not fetch the status list: {exc}") from None
    if not isinstance(doc, dict):
        raise ValueError("the status list is not a JSON object")
    return doc


def verify_certificate_document(doc: Any, pins: Pins, status_list: Path | None = None
                                ) -> Verdict:
    """A certificate checked against the pins; raises CertificateFormatError or UsageError."""
    ledgers = _ledgers(pins)
    try:
        policy = _policy(pins, ledgers, _ledger_id(_evidence_bundle(doc)))
        fabric = ledgers.readers.get("fabric")
        tokens = None
        if pins.evm_token is not None:
            from ledger_proof.ledgers.evm import EvmToken

            try:
                token = EvmToken(pins.evm_url or "", pins.evm_token, pins.evm_chain_id)
            except AnchorError as exc:
                raise UsageError(f"--evm-token: {exc}") from None

            def tokens(binding: dict[str, Any]) -> dict[str, Any]:
                return token.status(int(binding["tokenId"]))

        return verify_certificate(
            doc, policy=policy, status_fetcher=lambda url: fetch_status_list(url, status_list),
            fabric=fabric.get_certificate if fabric is not None else None, tokens=tokens,
            header_reader=ledgers)
    finally:
        ledgers.close()


def render(verdict: Verdict) -> str:
    """The verdict as plain text: one line per check, notes, then the answer."""
    rows = [(c.name, {"pass": "PASS", "fail": "FAIL", "not_checked": "NOT CHECKED"}[c.status],
             c.detail) for c in verdict.checks]
    width = max((len(r[0]) for r in rows), default=5)
    lines = [f"{name:<{width}}  {result:<11}  {detail}" for name, result, detail in rows]
    lines += [f"note: {w}" for w in verdict.warnings]
    lines.append(verdict.verdict)
    if verdict.verdict == "UNVERIFIED":
        lines.append(verdict.how_to_pin)
    return "\n".join(lines)
