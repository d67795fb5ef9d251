"""Reading the OpenAPI document as a contract: operations, closed schemas, validators.

"Closed" means every object schema that lists its properties and says nothing
about others gets ``additionalProperties: false``. The published document stays
open (adding a field later must not break generated clients), but the tests
validate real responses against the closed form, so a field the service sends
and the document does not describe fails them, as does a documented field the
service stopped sending.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi import routing as fastapi_routing
from fastapi.routing import APIRoute
from jsonschema import Draft202012Validator

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def statuses(self) -> set[int]:
        return {int(s) for s in self.spec.get("responses", {})}

    @property
    def success(self) -> set[int]:
        return {s for s in self.statuses if s < 300}

    @property
    def errors(self) -> set[int]:
        return {s for s in self.statuses if s >= 400}

    @property
    def anonymous(self) -> bool:
        return self.spec.get("security") == []


def operations(doc: dict[str, Any]) -> dict[str, Operation]:
    out: dict[str, Operation] = {}
    for path, item in doc["paths"].items():
        for method, spec in item.items():
            if method in METHODS:
                op = Operation(spec["operationId"], method.upper(), path, spec)
                assert op.operation_id not in out, f"operationId {op.operation_id} twice"
                out[op.operation_id] = op
    return out


def app_operations(app: FastAPI) -> set[tuple[str, str]]:
    """(METHOD, path) of every API route the app serves, whether it documents it or not.

    Newer FastAPI keeps included routers nested and flattens them with
    ``iter_route_contexts``; older versions list the routes flat.
    """
    iter_contexts = getattr(fastapi_routing, "iter_route_contexts", None)
    if iter_contexts is not None:
        pairs = [(c.original_route, c.path_format) for c in iter_contexts(app.routes)]
    else:  # pragma: no cover - FastAPI before nested routers
        pairs = [(r, r.path) for r in app.routes]
    return {(method, path) for route, path in pairs if isinstance(route, APIRoute)
            for method in route.methods if method not in ("HEAD", "OPTIONS")}


def closed(node: Any) -> Any:
    """A deep copy of a schema with every open-by-omission object closed."""
    node = copy.deepcopy(node)

    def walk(item: Any) -> None:
        if isinstance(item, dict):
            if "properties" in item and "additionalProperties" not in item:
                item["additionalProperties"] = False
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(node)
    return node


class Contract:
    """Validators for one document: ``check(op, status, content_type, body)``."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.ops = operations(doc)
        self.components = closed(doc.get("components", {}))

    def validator(self, schema: dict[str, Any]) -> Draft202012Validator:
        root = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                "components": self.components, "allOf": [closed(schema)]}
        return Draft202012Validator(root)

    def response_schema(self, operation_id: str, status: int, media_type: str
                        ) -> dict[str, Any]:
        op = self.ops[operation_id]
        responses = op.spec["responses"]
        assert str(status) in responses, (
            f"{op.method} {op.path} answered {status}, which its responses do not list "
            f"({sorted(responses)})")
        content = responses[str(status)].get("content", {})
        assert media_type in content, (
            f"{op.method} {op.path} {status} answered {media_type}, documented: {sorted(content)}")
        return content[media_type].get("schema", {})

    def errors_of(self, schema: dict[str, Any], body: Any) -> list[str]:
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in self.validator(schema).iter_errors(body)]
