"""The OpenAPI document is generated from the URL map and the schemas: every /api/v1 rule is
in it, it is valid OpenAPI 3.1, and what it says of a body is what the API accepts."""

from __future__ import annotations

import re

from openapi_spec_validator import validate
from sqlmodel import Field

from compliance.openapi import API_PREFIX, document, documented
from compliance.schemas import Input
from compliance.types import WholeNumber


class Level(Input):
    level: WholeNumber | None = Field(default=None, ge=1, le=4)


def _document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _path(rule) -> str:
    return re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule[len(API_PREFIX) :])


def test_every_api_rule_is_in_the_document(app, client):
    paths = _document(client)["paths"]
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in paths.get(_path(rule), {}):
                missing.append(f"{method} {rule.rule}")
    assert missing == []


def test_the_document_is_valid_openapi_3_1(client):
    document = _document(client)
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_reference_resolves(client):
    document = _document(client)
    text = str(document)
    names = set(re.findall(r"#/components/schemas/([\w.-]+)", text))
    assert names <= set(document["components"]["schemas"])
    responses = set(re.findall(r"#/components/responses/(\w+)", text))
    assert responses <= set(document["components"]["responses"])


def test_the_kernel_answers_are_described_by_their_schemas(client):
    document = _document(client)
    me = document["paths"]["/me"]["get"]["responses"]["200"]
    assert me["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/MeRead"}
    properties = document["components"]["schemas"]["MeRead"]["properties"]
    assert {"id", "email", "name", "language", "memberships"} <= set(properties)
    assert "security" in document["paths"]["/openapi.json"]["get"]


def test_constraints_use_json_schema_keywords(app):
    """pydantic leaves `ge`/`le` raw on a validator-wrapped number; the generator renames them."""
    view = app.view_functions["api.me"]
    saved = getattr(view, "__api_doc__", None)
    documented(body=Level)(view)
    try:
        schema = document(app)["components"]["schemas"]["Level"]["properties"]["level"]
    finally:
        view.__api_doc__ = saved
    assert {"minimum": 1, "maximum": 4, "type": "integer"} in schema["anyOf"]
    assert not {"ge", "le"} & set(schema["anyOf"][0])


def test_lists_document_the_keyset_pagination(client):
    document = _document(client)
    operation = document["paths"]["/processing-activities"]["get"]
    references = {parameter.get("$ref") for parameter in operation["parameters"]}
    assert {f"#/components/parameters/{name}" for name in ("after", "total", "page")} <= references
    assert "400" in operation["responses"]
    page = document["components"]["schemas"]["Page"]
    assert page["required"] == ["items", "per_page", "next"]
    assert page["properties"]["next"]["type"] == ["string", "null"]
    assert document["components"]["parameters"]["page"]["deprecated"] is True
