"""Issue 9, item 2: an EVM receipt is checked against the registry the verifier pins.

The platform (holding the real service key) signs a second header for a
sequence the real AnchorRegistry already holds; the real registry refuses it
as a fork, so the platform deploys a look-alike registry and anchors the
forked header there. Before the fix `ledger verify --evm URL` read the
header from whatever contract the receipt named, and both the genuine and
the forked bundle passed `anchor.evm`. Now the verifier reads only the
registry it pinned (`--evm-registry`), so the fork fails there, a receipt on
an unpinned ledger is never passed, and `--evm` without a pinned address is
refused as unusable.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from anchoring.backend import AnchorRefused
from anchoring.evm.backend import EvmBackend
from anchoring.evm.chain import ANVIL_DEV_KEY, connect, deploy_contracts
from ledger_proof.ledgers.evm import SELECTORS, EvmRegistry
from ledger_proof.signing import ServiceKey
from tests.evm.conftest import anvil_node  # noqa: F401  (session fixture: a real anvil node)

from .forgery import bundle_for, score_event

pytestmark = pytest.mark.evm
LEDGER = [sys.executable, "-m", "ledger_service.cli.main", "verify"]


def verify(tmp_path: Path, bundle: dict[str, Any], *extra: str) -> tuple[int, dict[str, Any]]:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    done = subprocess.run([*LEDGER, str(path), "--json", *extra], capture_output=True,
                          text=True, timeout=120, check=False)
    return done.returncode, (json.loads(done.stdout) if done.stdout.strip() else
                             {"stderr": done.stderr})


@pytest.fixture
def fork(anvil_node: Any) -> dict[str, Any]:  # noqa: F811
    """A genuine header anchored on the real registry and a fork anchored on a look-alike."""
    chain = connect(anvil_node.url, private_key=ANVIL_DEV_KEY)
    real = deploy_contracts(chain).anchor_registry
    lookalike = deploy_contracts(chain).anchor_registry
    key = ServiceKey.generate()
    ledger_id = "ledger-" + key.key_id[-8:]
    genuine = bundle_for(score_event(700, "A"), key, ledger_id=ledger_id)
    forged = bundle_for(score_event(999, "AAA"), key, ledger_id=ledger_id)
    assert genuine["batch"]["header"]["seq"] == forged["batch"]["header"]["seq"] == 0
    real_backend = EvmBackend(chain, real)
    genuine["anchors"] = [real_backend.anchor(genuine["batch"]["header"],
                                              genuine["batch"]["header_hash"],
                                              genuine["batch"]["signature"])]
    with pytest.raises(AnchorRefused) as refused:
        real_backend.anchor(forged["batch"]["header"], forged["batch"]["header_hash"],
                            forged["batch"]["signature"])
    assert refused.value.reason == "fork"
    forged["anchors"] = [EvmBackend(chain, lookalike).anchor(
        forged["batch"]["header"], forged["batch"]["header_hash"], forged["batch"]["signature"])]
    yield {"url": anvil_node.url, "real": real, "lookalike": lookalike, "key": key,
           "genuine": genuine, "forged": forged, "chain_id": chain.chain_id}
    chain.close()


def test_fork_in_a_lookalike_registry_fails_against_the_pinned_one(
        tmp_path: Path, fork: dict[str, Any]) -> None:
    key = fork["key"].public_key_b64
    pin = ["--evm", fork["url"], "--evm-registry", fork["real"]]
    code, genuine = verify(tmp_path, fork["genuine"], "--key", key, *pin)
    assert code == 0 and genuine["verdict"] == "VALID", genuine
    code, forged = verify(tmp_path, fork["forged"], "--key", key, *pin)
    checks = {c["name"]: c for c in forged["checks"]}
    assert code == 1 and forged["verdict"] == "INVALID"
    assert checks["anchor.evm"]["status"] == "fail"
    assert "different header" in checks["anchor.evm"]["detail"]
    assert checks["header_signature"]["status"] == "pass"  # signed by the real key


def test_the_pinned_registry_alone_is_a_trust_anchor(tmp_path: Path,
                                                    fork: dict[str, Any]) -> None:
    """No key: the header read back from the pinned registry is what makes it VALID."""
    pin = ["--evm", fork["url"], "--evm-registry", fork["real"],
           "--evm-chain-id", str(fork["chain_id"])]
    code, genuine = verify(tmp_path, fork["genuine"], *pin)
    assert code == 0 and genuine["verdict"] == "VALID"
    code, forged = verify(tmp_path, fork["forged"], *pin)
    assert code == 1 and forged["verdict"] == "INVALID"
    # Pinning the look-alike is the verifier's own mistake, and it is the only way the
    # fork could pass: the receipt's address is never used on its own.
    code, _lookalike = verify(tmp_path, fork["forged"], "--evm", fork["url"],
                             "--evm-registry", fork["lookalike"])
    assert code == 0


def test_receipts_on_unpinned_ledgers_are_not_checked(tmp_path: Path,
                                                      fork: dict[str, Any]) -> None:
    key = fork["key"].public_key_b64
    code, offline = verify(tmp_path, fork["forged"], "--key", key)
    checks = {c["name"]: c["status"] for c in offline["checks"]}
    assert checks["anchor.evm"] == "not_checked"
    assert code == 0  # the pinned key holds; the unread receipt is shown as not checked
    code, refused = verify(tmp_path, fork["forged"], "--key", key, "--evm", fork["url"])
    assert code == 2 and "--evm-registry" in refused["stderr"]
    code, wrong_chain = verify(tmp_path, fork["genuine"], "--evm", fork["url"],
                               "--evm-registry", fork["real"], "--evm-chain-id", "1")
    assert code == 2 and "chain" in wrong_chain["stderr"]


def test_selectors_match_the_compiled_abi() -> None:
    """The stdlib reader's hard-coded selectors are the contracts' real ones."""
    from eth_utils import function_signature_to_4byte_selector

    for signature, selector in SELECTORS.items():
        assert function_signature_to_4byte_selector(signature).hex() == selector


def test_stdlib_reader_agrees_with_the_anchor_writer(fork: dict[str, Any]) -> None:
    registry = EvmRegistry(fork["url"], fork["real"])
    header = fork["genuine"]["batch"]["header"]
    stored = registry.read_header(header["ledger_id"], 0)
    assert stored is not None and stored.header_hash == fork["genuine"]["batch"]["header_hash"]
    assert stored.receipt["block_number"] == fork["genuine"]["anchors"][0]["block_number"]
    assert registry.read_header(header["ledger_id"], 1) is None
