"""Wiring for `ledger verify-certificate`: the checker with what a bank itself can reach.

Nothing here trusts the platform's database. The issuer key is pinned from
--key or read from the Fabric channel (the keys the channel vouches for);
the token is read from an EVM node the bank chooses; the Fabric registry
and the anchored headers are read through the bank's own peer. Only the
status list comes from the URL in the certificate (or a saved copy), and it
must carry a valid proof by the certificate's own issuer key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from ledger_service.certificates.verify import verify_certificate
from ledger_service.pipeline.readback import LedgerReadError, ledger_reader
from ledger_service.proof.signing import b64d


class OfflineSetupError(Exception):
    """A ledger or key named on the command line cannot be used."""


def _bundle(doc: dict[str, Any]) -> dict[str, Any]:
    evidence = doc.get("evidence")
    if isinstance(evidence, list) and evidence and isinstance(evidence[0], dict):
        bundle = evidence[0].get("proofBundle")
        if isinstance(bundle, dict):
            return bundle
    return {}


def verify_file(doc: dict[str, Any], *, key_b64: str | None = None,
                fabric_profile: Path | None = None, evm_url: str | None = None,
                status_list_file: Path | None = None) -> dict[str, Any]:
    """The verdict (as a dict) of a certificate with the bank's own connections."""
    bundle = _bundle(doc)
    trusted: list[bytes] | None = None
    if key_b64:
        trusted = [b64d(key_b64)]
    fabric = None
    if fabric_profile is not None:
        from anchoring.fabric.backend import FabricBackend

        try:
            fabric = FabricBackend.from_profile(fabric_profile)
        except (OSError, ValueError, KeyError) as exc:
            raise OfflineSetupError(f"--fabric: {exc}") from exc
        ledger_id = ((bundle.get("batch") or {}).get("header") or {}).get("ledger_id")
        if trusted is None and ledger_id:
            keys = [b64d(k["public_key_b64"]) for k in fabric.ledger_keys(ledger_id)]
            trusted = keys or None
    has_evm_receipt = any(isinstance(a, dict) and a.get("backend") == "evm"
                          for a in bundle.get("anchors") or [])
    try:
        reader = ledger_reader(fabric_profile=fabric_profile,
                               evm_url=evm_url if has_evm_receipt else None, bundle=bundle)
    except LedgerReadError as exc:
        raise OfflineSetupError(str(exc)) from exc

    def fetch(url: str) -> dict[str, Any]:
        if status_list_file is not None:
            return json.loads(status_list_file.read_text())
        response = httpx.get(url, timeout=10)
        response.raise_for_status()
        return response.json()

    tokens = None
    if evm_url is not None:
        from anchoring.evm.chain import connect
        from anchoring.evm.token import CertificateToken

        try:
            chain = connect(evm_url)
        except Exception as exc:  # any connection failure is a setup error for the CLI
            raise OfflineSetupError(f"--evm {evm_url}: {exc}") from exc

        def tokens(binding: dict[str, Any]) -> dict[str, Any]:
            if binding.get("chain") != f"eip155:{chain.chain_id}":
                raise ValueError(f"the token is on {binding.get('chain')}; {evm_url} is "
                                 f"eip155:{chain.chain_id}")
            client = CertificateToken(chain, str(binding.get("contract")))
            return client.status(int(binding["tokenId"]))

    def fetch_safely(url: str) -> dict[str, Any]:
        try:
            return fetch(url)
        except httpx.HTTPError as exc:
            raise ValueError(f"could not fetch the status list: {exc}") from exc

    verdict = verify_certificate(
        doc, trusted_keys=trusted, status_fetcher=fetch_safely,
        fabric=fabric.get_certificate if fabric is not None else None,
        tokens=tokens, header_reader=reader)
    return verdict.as_dict()
