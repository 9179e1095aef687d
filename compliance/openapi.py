"""The OpenAPI 3.1 document of /api/v1, generated from the URL map and the entity schemas.

An API view says what it takes and answers with `@documented(...)`; the generator walks every
rule of the API, so a route cannot be missing from the document, and a schema cannot say other
than what the code accepts: the request bodies, query strings and answers are the pydantic
schemas the views validate and serialise with.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from pydantic.json_schema import models_json_schema

__all__ = ["Doc", "document", "documented"]

API_PREFIX = "/api/v1"
_METHODS = ("get", "post", "put", "patch", "delete")
_CONVERTER = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
# Constraint names pydantic leaves as they are on a type wrapped in a validator.
_KEYWORDS = {
    "ge": "minimum",
    "le": "maximum",
    "gt": "exclusiveMinimum",
    "lt": "exclusiveMaximum",
    "max_length": "maxLength",
    "min_length": "minLength",
}


@dataclass
class Doc:
    """What an API view takes and answers."""

    summary: str | None = None
    body: type | None = None  # the request body's schema
    answer: type | None = None  # the answer's schema (one record)
    query: type | None = None  # the query string's schema (a list's filters)
    paged: bool = False  # the answer is a page of `answer`
    status: int | None = None  # the success status (default: 201 for POST, 204 when no answer)
    errors: tuple[int, ...] = ()  # more error statuses than the API's usual ones
    extra: dict[str, Any] = field(default_factory=dict)  # OpenAPI operation fields


def documented(**values) -> Callable:
    """Attach a `Doc` to an API view: `@documented(body=IncidentCreate, answer=IncidentRead)`."""
    doc = Doc(**values)

    def decorate(view):
        view.__api_doc__ = doc
        return view

    return decorate


def _path(rule) -> tuple[str, list[dict]]:
    parameters = []

    def replace(match):
        converter = match.group("converter") or "string"
        schema = {"type": "integer", "minimum": 1} if converter == "int" else {"type": "string"}
        parameters.append(
            {"name": match.group("name"), "in": "path", "required": True, "schema": schema}
        )
        return "{" + match.group("name") + "}"

    return _CONVERTER.sub(replace, rule.rule[len(API_PREFIX) :] or "/"), parameters


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _normalise(value):
    """Rename the raw constraint names pydantic leaves on validator-wrapped types."""
    if isinstance(value, dict):
        return {_KEYWORDS.get(key, key): _normalise(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalise(item) for item in value]
    return value


def _query_parameters(schema: type, definitions: dict) -> list[dict]:
    parameters = []
    properties = definitions.get(schema.__name__, {}).get("properties", {})
    for name, info in schema.model_fields.items():
        parameter = {"name": name, "in": "query", "schema": properties.get(name, {})}
        if info.description:
            parameter["description"] = info.description
        if name in getattr(schema, "__multiple__", ()):
            parameter.update(style="form", explode=True)
        parameters.append(parameter)
    return parameters


def _operation(endpoint: str, method: str, view, doc: Doc, names: dict, definitions: dict):
    summary = doc.summary or (view.__doc__ or endpoint).strip().splitlines()[0]
    operation: dict[str, Any] = {
        "operationId": endpoint.replace(".", "_") + ("" if method == "get" else f"_{method}"),
        "summary": summary,
        "tags": [endpoint.split(".")[-2] if "." in endpoint else "api"],
    }
    parameters = []
    if doc.query is not None:
        parameters += _query_parameters(doc.query, definitions)
    if doc.paged:
        parameters += [
            {"$ref": f"#/components/parameters/{name}"}
            for name in ("after", "per_page", "total", "page")
        ]
    if parameters:
        operation["parameters"] = parameters
    if doc.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(names[(doc.body, "validation")])}},
        }
    status = doc.status or (201 if method == "post" else 200 if doc.answer else 204)
    responses: dict[str, Any] = {}
    if doc.answer is not None:
        schema = _ref(names[(doc.answer, "serialization")])
        if doc.paged:
            schema = {
                "allOf": [
                    {"$ref": "#/components/schemas/Page"},
                    {"properties": {"items": {"type": "array", "items": schema}}},
                ]
            }
        responses[str(status)] = _json(schema, "OK")
    else:
        responses[str(status)] = {"description": "OK"}
    statuses = {401, 403, 404} | set(doc.errors)
    if doc.body is not None or doc.query is not None:
        statuses |= {400, 422}
    if doc.paged:
        statuses.add(400)
    if method in ("put", "patch", "delete") or doc.body is not None:
        statuses.add(409)
    for code in sorted(statuses):
        responses[str(code)] = {"$ref": f"#/components/responses/{code}"}
    operation["responses"] = responses
    operation.update(doc.extra)
    return operation


_ERRORS = {
    400: "Malformed request (not JSON, a bad query parameter)",
    401: "No valid API token",
    403: "The token's user may not do this",
    404: "No such record, or not visible to the token's user",
    409: "Conflict: the record changed since it was read (send its current version)",
    422: "Invalid values, field by field",
}


def document(
    app: Flask,
    *,
    title: str = "Registre API",
):
    """The OpenAPI 3.1 document of every /api/v1 rule of `app`'s URL map."""
    operations = []
    models: set[tuple[type, str]] = set()
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if not rule.rule.startswith(API_PREFIX):
            continue
        view = app.view_functions[rule.endpoint]
        doc = getattr(view, "__api_doc__", None) or Doc()
        for model, mode in (
            (doc.body, "validation"),
            (doc.query, "validation"),
            (doc.answer, "serialization"),
        ):
            if model is not None:
                models.add((model, mode))
        for method in sorted(rule.methods or ()):
            if method.lower() in _METHODS:
                operations.append((rule, method.lower(), view, doc))
    ordered = sorted(models, key=lambda pair: (pair[0].__name__, pair[1]))
    names: dict[tuple[type, str], str] = {}
    definitions: dict[str, Any] = {}
    if ordered:
        mapping, top = models_json_schema(ordered, ref_template="#/components/schemas/{model}")
        definitions = _normalise(top.get("$defs", {}))
        for key, reference in mapping.items():
            names[key] = reference["$ref"].rsplit("/", 1)[-1]
    paths: dict[str, dict] = {}
    for rule, method, view, doc in operations:
        path, parameters = _path(rule)
        item = paths.setdefault(path, {})
        if parameters:
            item["parameters"] = parameters
        item[method] = _operation(rule.endpoint, method, view, doc, names, definitions)
    definitions["Page"] = {
        "type": "object",
        "description": (
            "A page of a list. Follow `next` to read the next one (keyset pagination: page N "
            "costs what page 1 costs). `total` is there when asked for (`total=1`); `page` and "
            "`pages` only when the page was asked by number (`page=`)."
        ),
        "required": ["items", "per_page", "next"],
        "properties": {
            "items": {"type": "array"},
            "per_page": {"type": "integer"},
            "next": {
                "type": ["string", "null"],
                "description": (
                    "The next page's URL (absolute path, same filters, with its `after` "
                    "cursor); null on the last page"
                ),
            },
            "total": {"type": "integer", "description": "Every row of the list (`total=1`)"},
            "page": {"type": "integer", "description": "With `page=` only"},
            "pages": {"type": "integer", "description": "With `page=` only"},
        },
    }
    definitions["Errors"] = {
        "type": "object",
        "properties": {
            "error": {"type": "string"},
            "message": {"type": "string"},
            "errors": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1"},
        "servers": [{"url": API_PREFIX}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "parameters": {
                "after": {
                    "name": "after",
                    "in": "query",
                    "description": (
                        "The cursor of the row the page starts after, as the previous "
                        "answer's `next` link gives it (opaque; a malformed one is a 400). "
                        "Without it, the first page."
                    ),
                    "schema": {"type": "string"},
                },
                "per_page": {
                    "name": "per_page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
                },
                "total": {
                    "name": "total",
                    "in": "query",
                    "description": (
                        "1 to have the number of rows of the whole list in `total` "
                        "(one more COUNT of every visible row: ask for it once, not each page)"
                    ),
                    "schema": {"type": "integer", "enum": [0, 1], "default": 0},
                },
                "page": {
                    "name": "page",
                    "in": "query",
                    "deprecated": True,
                    "description": (
                        "The page by number (OFFSET), kept for older clients: it answers with "
                        "`page`, `total` and `pages`, and costs more the further the page; "
                        "follow `next` instead. Not with `after`."
                    ),
                    "schema": {"type": "integer", "minimum": 1},
                },
            },
            "responses": {
                str(code): _json(_ref("Errors"), description)
                for code, description in _ERRORS.items()
            },
            "schemas": definitions,
        },
    }
