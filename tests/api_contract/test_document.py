"""The OpenAPI document as a contract: valid OpenAPI 3.1, every operation typed, every
error status listed with its codes, security declared, examples true to the schemas.

``EXPECTED`` pins, for every operation of the app, its success statuses and the
error statuses it documents. A route added without documentation, or an
operation that loses its response model or an error status, fails here.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi import FastAPI
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from ledger_service.api.deps import API_KEY_SCHEME
from ledger_service.api.schemas.errors import CODES

from .contract import Contract, app_operations, closed, operations

KEYED = {401, 429, 500}
BODY = {413, 422}
#: operationId -> (success statuses, error statuses)
EXPECTED: dict[str, tuple[set[int], set[int]]] = {
    "post_event": ({200, 201}, {400, 403, 409, *BODY, *KEYED}),
    "post_bulk": ({201}, {400, 403, 409, *BODY, *KEYED}),
    "get_event": ({200}, {403, 404, *KEYED}),
    "get_proof": ({200}, {403, 404, *KEYED}),
    "erase_event": ({200}, {400, 403, 404, 409, *BODY, *KEYED}),
    "list_batches": ({200}, {422, *KEYED}),
    "get_batch": ({200}, {404, 422, *KEYED}),
    "verify_event": ({200}, {400, *BODY, 429, 500}),
    "keys": ({200}, {500}),
    "healthz": ({200}, {500}),
    "readyz": ({200}, {500, 503}),
    "metrics": ({200}, {403, *KEYED}),
    "enterprise_trail": ({200}, {403, 422, *KEYED}),
    "enterprise_provenance": ({200}, {403, 404, 422, *KEYED}),
    "issue": ({201}, {403, 409, *BODY, 503, *KEYED}),
    "get_pdf": ({200}, {403, 404, 410, 503, *KEYED}),
    "get_certificate": ({200}, {403, 404, 410, 503, *KEYED}),
    "get_record": ({200}, {403, 404, *KEYED}),
    "revoke": ({200}, {403, 404, *BODY, 503, *KEYED}),
    "status_list": ({200}, {404, 422, 429, 500}),
    "verify_certificate": ({200}, {400, *BODY, 429, 500}),
    "list_certificates": ({200}, {403, 422, *KEYED}),
    "list_consents": ({200}, {403, 422, *KEYED}),
    "whoami": ({200}, {*KEYED}),
    "list_orgs": ({200}, {403, *KEYED}),
    "add_org": ({201}, {403, *BODY, *KEYED}),
    "list_keys": ({200}, {403, *KEYED}),
    "create_key": ({201}, {403, *BODY, *KEYED}),
    "rotate_key": ({201}, {403, 404, 409, *BODY, *KEYED}),
    "revoke_key": ({200}, {403, 404, 409, 422, *KEYED}),
    "register_model": ({200, 201}, {400, 403, 409, *BODY, *KEYED}),
    "list_models": ({200}, {*KEYED}),
    "get_model": ({200}, {404, *KEYED}),
    "post_score": ({201}, {400, 403, *BODY, *KEYED}),
    "rescore": ({200}, {400, 403, 404, 409, *BODY, *KEYED}),
}
#: Every operation: the server answers 431 header_too_large before routing (api/limits.py).
EXPECTED = {op_id: (success, {*errors, 431}) for op_id, (success, errors) in EXPECTED.items()}
ANONYMOUS = {"verify_event", "verify_certificate", "status_list", "keys", "healthz", "readyz"}
#: Non-error-shaped answers at error statuses: readiness says why it is not ready.
NOT_ERROR_SHAPED = {("readyz", 503)}
#: Served but deliberately not in the API document: the verification web page and the
#: portal's page and its static assets (HTML, JS, CSS).
NOT_API = {("GET", "/verify"), ("GET", "/"), ("GET", "/portal/{name}")}
ERROR_REF = "#/components/schemas/Error"


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def problems(doc: dict[str, Any], app: FastAPI) -> list[str]:
    """Everything wrong with the document as a contract (empty: nothing)."""
    out: list[str] = []
    ops = operations(doc)
    served = app_operations(app)
    documented = {(op.method, op.path) for op in ops.values()}
    out += [f"{m} {p} is served but not documented"
            for m, p in sorted(served - documented - NOT_API)]
    out += [f"{op} is not in EXPECTED: document it and pin it there"
            for op in sorted(set(ops) - set(EXPECTED))]
    out += [f"{op} is expected but gone" for op in sorted(set(EXPECTED) - set(ops))]
    for ref in sorted(set(_refs(doc))):
        try:
            _resolve(doc, ref)
        except (KeyError, TypeError):
            out.append(f"$ref {ref} does not resolve")
    for op_id, op in sorted(ops.items()):
        where = f"{op.method} {op.path}"
        if op_id in EXPECTED:
            success, errors = EXPECTED[op_id]
            if op.success != success:
                out.append(f"{where}: success statuses {sorted(op.success)}, expected "
                           f"{sorted(success)}")
            if op.errors != errors:
                out.append(f"{where}: error statuses {sorted(op.errors)}, expected "
                           f"{sorted(errors)} (missing {sorted(errors - op.errors)})")
        if (op_id in ANONYMOUS) != op.anonymous:
            out.append(f"{where}: security {op.spec.get('security')!r}")
        if not op.anonymous and 401 not in op.errors:
            out.append(f"{where}: needs a key but documents no 401")
        if "requestBody" in op.spec and not op.errors >= BODY:
            out.append(f"{where}: takes a body but does not document 413 and 422")
        for status in sorted(op.success):
            content = op.spec["responses"][str(status)].get("content", {})
            if not content:
                out.append(f"{where} {status}: no content documented")
            json_schema = content.get("application/json", {}).get("schema")
            if "application/json" in content and not (json_schema or {}).get("$ref"):
                out.append(f"{where} {status}: JSON answer without a response model")
            for media, spec in content.items():
                if not spec.get("schema"):
                    out.append(f"{where} {status} {media}: no schema")
        for status in sorted(op.errors):
            if (op_id, status) in NOT_ERROR_SHAPED:
                continue
            out += _error_problems(where, status, op.spec["responses"][str(status)])
    return out


def _error_problems(where: str, status: int, response: dict[str, Any]) -> list[str]:
    out: list[str] = []
    content = response.get("content", {})
    if list(content) != ["application/json"] or \
            content["application/json"].get("schema", {}).get("$ref") != ERROR_REF:
        return [f"{where} {status}: not the Error shape"]
    examples = content["application/json"].get("examples", {})
    if not examples:
        out.append(f"{where} {status}: no example error")
    for name, example in examples.items():
        code = example["value"]["error"]["code"]
        if code != name or CODES.get(code) is None or CODES[code].status != status:
            out.append(f"{where} {status}: example {name!r} has code {code!r}")
        if f"`{code}`" not in response.get("description", ""):
            out.append(f"{where} {status}: description does not list `{code}`")
        if status == 403 and "reason" not in example["value"]["error"]["details"]:
            out.append(f"{where} 403: example without details.reason")
    if status == 403 and "reasons (`details.reason`)" not in response.get("description", ""):
        out.append(f"{where} 403: reasons not listed")
    wanted_header = {401: "WWW-Authenticate", 429: "Retry-After"}.get(status)
    if wanted_header and wanted_header not in response.get("headers", {}):
        out.append(f"{where} {status}: header {wanted_header} not documented")
    return out


def test_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1.")
    validate(document)


def test_validator_rejects_a_broken_document(document: dict[str, Any]) -> None:
    """The validator is not a rubber stamp: a response without its description fails."""
    broken = copy.deepcopy(document)
    del broken["paths"]["/v1/events/{event_id}/proof"]["get"]["responses"]["200"][
        "description"]
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_every_operation_documented(document: dict[str, Any], doc_app: FastAPI) -> None:
    assert problems(document, doc_app) == []


def test_security_schemes(document: dict[str, Any]) -> None:
    scheme = document["components"]["securitySchemes"][API_KEY_SCHEME]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert document["security"] == [{API_KEY_SCHEME: []}]
    anonymous = {op_id for op_id, op in operations(document).items() if op.anonymous}
    assert anonymous == ANONYMOUS


@pytest.mark.parametrize(("mutation", "expected"), [
    (lambda d: d["paths"]["/v1/events/{event_id}/proof"]["get"]["responses"].pop("404"),
     "GET /v1/events/{event_id}/proof: error statuses"),
    (lambda d: d["paths"]["/v1/events/{event_id}/proof"]["get"]["responses"]["200"]
     ["content"]["application/json"].update(schema={"type": "object"}),
     "GET /v1/events/{event_id}/proof 200: JSON answer without a response model"),
    (lambda d: d["paths"]["/v1/verify/event"]["post"].update(security=[{"ApiKey": []}]),
     "POST /v1/verify/event: security"),
    (lambda d: d["paths"]["/v1/events"]["post"]["responses"]["429"].pop("headers"),
     "POST /v1/events 429: header Retry-After not documented"),
    (lambda d: d["paths"]["/v1/batches"]["get"]["responses"]["401"]["content"]
     ["application/json"].update(schema={"type": "object"}),
     "GET /v1/batches 401: not the Error shape"),
    (lambda d: d["paths"].pop("/healthz"), "GET /healthz is served but not documented"),
])
def test_problems_catch_a_regression(document: dict[str, Any], doc_app: FastAPI,
                                     mutation: Any, expected: str) -> None:
    broken = copy.deepcopy(document)
    mutation(broken)
    found = problems(broken, doc_app)
    assert any(p.startswith(expected) for p in found), found


def _examples(node: Any, trail: str = "") -> list[tuple[str, dict[str, Any], Any]]:
    """(where, schema, example) for every schema-level ``examples`` list in the tree."""
    out: list[tuple[str, dict[str, Any], Any]] = []
    if isinstance(node, dict):
        examples = node.get("examples")
        if isinstance(examples, list) and any(k in node for k in (
                "type", "$ref", "properties", "anyOf", "oneOf", "enum", "const", "pattern")):
            schema = {k: v for k, v in node.items() if k != "examples"}
            out += [(trail, schema, example) for example in examples]
        if isinstance(examples, dict) and isinstance(node.get("schema"), dict):
            out += [(f"{trail}/examples/{name}", node["schema"], ex["value"])
                    for name, ex in examples.items()]
        for key, value in node.items():
            out += _examples(value, f"{trail}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _examples(value, f"{trail}/{i}")
    return out


def test_examples_match_their_schemas(document: dict[str, Any]) -> None:
    contract = Contract(document)
    found = _examples(document)
    assert len(found) > 40, "the document lost its examples"
    bad = [f"{where}: {err}" for where, schema, example in found
           for err in contract.errors_of(schema, example)]
    assert bad == []


def test_closed_schema_rejects_an_undocumented_field(document: dict[str, Any]) -> None:
    """The drift tests' validator catches a field the service sends but does not document."""
    contract = Contract(document)
    receipt = {"id": "evt_" + "0" * 32, "leaf_hash": "a" * 64, "status": "pending"}
    ref = {"$ref": "#/components/schemas/EventReceipt"}
    assert contract.errors_of(ref, receipt) == []
    assert contract.errors_of(ref, {**receipt, "extra": 1})
    assert contract.errors_of(ref, {k: v for k, v in receipt.items() if k != "status"})
    assert "additionalProperties" not in document["components"]["schemas"]["EventReceipt"]
    assert closed(document["components"]["schemas"]["EventReceipt"])[
        "additionalProperties"] is False
