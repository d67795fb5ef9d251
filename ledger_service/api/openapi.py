"""The OpenAPI document banks generate clients from.

FastAPI builds it from the routes' declarations (``response_model=``,
``responses=``, request bodies); this module finishes it once, at first
request of ``/openapi.json``:

- request-body schemas built from pydantic adapters carry their own
  ``$defs`` while pointing into ``#/components/schemas``; the definitions
  are moved there, so every ``$ref`` resolves (generators refuse dangling refs);
- errors are JSON whatever an operation's success media type (/metrics is text);
- FastAPI's generic 422 (``HTTPValidationError``, a shape this API never
  answers) is dropped: operations declare their own 422 with the one error shape;
- each response model gets a real example, captured from the demo's story
  (``schemas/examples.json``, written by ``scripts/openapi_examples.py``); they are
  attached here because FastAPI drops ``null`` values from examples it renders;
- every operation documents 431 ``header_too_large``: the server answers it
  before routing, whatever the path (``api/limits.py``);
- the bearer API key becomes the document's default security requirement,
  and operations that need no key say so with ``security: []`` (taken from
  the routes' dependencies, so it cannot disagree with what the code checks).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from ledger_service.api.deps import API_KEY_SCHEME
from ledger_service.api.schemas.errors import error_responses

_FASTAPI_422 = "#/components/schemas/HTTPValidationError"
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def operation_id(route: APIRoute) -> str:
    """The handler's name (``get_proof``): what a generated client calls the method.

    FastAPI's default glues path and method on (``get_proof_v1_events__event_id__proof_get``).
    """
    return route.name


class SchemaNameClash(RuntimeError):
    """Two different schemas would be published under one component name."""


def _hoist_defs(node: Any, components: dict[str, Any]) -> None:
    """Move every nested ``$defs`` into components (in place)."""
    if isinstance(node, dict):
        defs = node.pop("$defs", None)
        if defs:
            for name, schema in defs.items():
                if name in components and components[name] != schema:
                    raise SchemaNameClash(f"component schema {name!r} defined twice, "
                                          "differently")
                components[name] = schema
                _hoist_defs(schema, components)
        for value in node.values():
            _hoist_defs(value, components)
    elif isinstance(node, list):
        for value in node:
            _hoist_defs(value, components)


@cache
def examples() -> dict[str, Any]:
    """Component name -> one real answer of that shape (from the demo's story)."""
    data = resources.files("ledger_service.api.schemas").joinpath("examples.json").read_bytes()
    return orjson.loads(data)


class UnknownExample(RuntimeError):
    """examples.json names a schema the document does not have."""


def build(app: FastAPI) -> dict[str, Any]:
    """The finished document for ``app`` (not cached; ``install`` caches)."""
    doc = get_openapi(title=app.title, version=app.version, openapi_version=app.openapi_version,
                      summary=app.summary, description=app.description, routes=app.routes,
                      tags=app.openapi_tags, servers=app.servers)
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    _hoist_defs(doc["paths"], schemas)
    _hoist_defs(schemas, schemas)
    for name, example in examples().items():
        if name not in schemas:
            raise UnknownExample(f"examples.json has an example for {name!r}, which is not a "
                                 "component schema; re-run scripts/openapi_examples.py")
        schemas[name]["examples"] = [example]
    doc["security"] = [{API_KEY_SCHEME: []}]
    for operations in doc["paths"].values():
        for method, operation in operations.items():
            if method not in _METHODS:
                continue
            if "security" not in operation:
                operation["security"] = []
            operation.setdefault("responses", {}).setdefault("431", _header_too_large())
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status >= "400" and "application/json" in content:
                    response["content"] = {"application/json": content["application/json"]}
            generic = operation.get("responses", {}).get("422", {})
            if _FASTAPI_422 in str(generic.get("content", {})):
                del operation["responses"]["422"]
    if _FASTAPI_422 not in str(doc["paths"]):
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
    return doc


def _header_too_large() -> dict[str, Any]:
    """The 431 entry every operation documents (as ``error_responses`` renders it)."""
    entry = dict(error_responses(("header_too_large",))[431])
    entry.pop("model")
    return entry


def install(app: FastAPI) -> None:
    """Serve ``build(app)`` at /openapi.json, built once."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
