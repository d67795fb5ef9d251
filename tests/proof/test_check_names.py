"""Every check name the verifier can emit has a test where that check fails alone.

The names are read from the source with ``ast`` (``verdict.add("name", ...)``
calls, f-string names with their placeholders as ``<...>``, and the token
checks' ``"name"`` entries), so a new check added without a single-failure
case here fails CI.
"""

from __future__ import annotations

import ast
from pathlib import Path

import ledger_proof

from . import test_bundle_checks as bundle_tests
from . import test_certificate_checks as cert_tests

CORE = Path(ledger_proof.__file__).parent
MODULES = ["bundle.py", "certificates/verify.py", "certificates/token.py"]

#: Check name -> the test that makes that check (and only it, or the ones it names) fail.
SINGLE_FAILURE_TESTS = {
    "commitment": "test_only_the_named_check_fails[commitment-event]",
    "leaf_hash": "test_only_the_named_check_fails[leaf_hash-leaf]",
    "header_format": "test_header_format_stops_checking",
    "inclusion": "test_only_the_named_check_fails[inclusion-path_hash]",
    "header_hash": "test_only_the_named_check_fails[header_hash-stated_hash]",
    "header_signature": "test_only_the_named_check_fails[header_signature-signature]",
    "anchor": "test_receipt_without_backend_fails_as_anchor",
    "anchor.<backend>": "test_anchor_holding_another_header_fails",
    "format": "test_format",
    "signature": "test_signature_and_what_depends_on_it",
    "issuer": "test_issuer_is_not_the_signer",
    "validity_window": "test_validity_window",
    "evidence": "test_no_evidence",
    "evidence.matches": "test_evidence_matches",
    "evidence.<check.name>": "test_evidence_bundle_checks",
    "evidence.anchor": "test_evidence_not_anchored",
    "format.id": "test_format_id",
    "status": "test_status_revoked",
    "fabric.status": "test_fabric_status",
    "token.exists": "test_token_exists",
    "token.locked": "test_token_locked",
    "token.not_revoked": "test_token_not_revoked",
    "token.uri_matches": "test_token_uri_matches",
}


def _name_of(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = [part for part in node.values
                 if isinstance(part, ast.Constant | ast.FormattedValue)]
        return "".join(part.value if isinstance(part, ast.Constant)
                       else f"<{ast.unparse(part.value)}>" for part in parts)
    return None


def emitted_names() -> set[str]:
    """Names of every check the verification code can add to a verdict."""
    names: set[str] = set()
    for module in MODULES:
        tree = ast.parse((CORE / module).read_text(encoding="utf-8"))
        # names held in a variable first (name = f"anchor.{backend}"; verdict.add(name, ...))
        assigned = {node.targets[0].id: node.value for node in ast.walk(tree)
                    if isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "add" and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Name) and arg.id in assigned:
                    arg = assigned[arg.id]
                name = _name_of(arg)
                if name is not None and name != "<check['name']>":
                    names.add(name)
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "name":
                        name = _name_of(value)
                        if name is not None:
                            names.add(name)
    return names


def test_scan_finds_the_known_names() -> None:
    """The scan itself works: a few names it must see, in each module."""
    names = emitted_names()
    assert {"commitment", "anchor.<backend>", "issuer", "token.uri_matches"} <= names


def test_every_check_name_has_a_single_failure_test() -> None:
    assert emitted_names() == set(SINGLE_FAILURE_TESTS)


def test_each_named_test_exists() -> None:
    defined = set(vars(bundle_tests)) | set(vars(cert_tests))
    for name, test in SINGLE_FAILURE_TESTS.items():
        assert test.split("[")[0] in defined, name


def test_every_bundle_check_has_a_parametrized_single_failure() -> None:
    """Each bundle check except the early-exit and anchor ones is in SINGLE_FAILURES,
    which the certificate tests reuse for the evidence.* checks."""
    covered = {name for name, _ in bundle_tests.SINGLE_FAILURES}
    assert covered == {n for n in SINGLE_FAILURE_TESTS
                       if n in {"commitment", "leaf_hash", "inclusion", "header_hash",
                                "header_signature"}}
