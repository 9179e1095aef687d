"""The OpenAPI description of the application map's endpoints (merged into /api/v1/openapi.json)."""

from __future__ import annotations

from registers.applications import fields as f
from registers.applications.models import (
    ApplicationStatus,
    DpaStatus,
    Hosting,
    InterfaceDirection,
)


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "schema": schema, "description": description}


def _enum(enum_cls) -> dict:
    return {"type": "string", "enum": [member.value for member in enum_cls]}


PAGE = [{"$ref": "#/components/parameters/page"}, {"$ref": "#/components/parameters/per_page"}]
ID = [{"name": "record_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
ARCHIVED = _query("include_archived", {"type": "boolean"}, "include archived records")
ERRORS = {
    "400": {
        "description": "Malformed request or filter",
        "content": {"application/json": {"schema": _ref("Error")}},
    },
    "401": {"description": "No valid API token"},
    "403": {"description": "The token's user may not do this"},
    "404": {"description": "No such record, or not visible to the token's user"},
    "422": {
        "description": "Invalid values, by field",
        "content": {"application/json": {"schema": _ref("Error")}},
    },
}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _page_of(name: str) -> dict:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": _ref(name)},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "pages": {"type": "integer"},
        },
    }


def _collection(name: str, summary: str, parameters: list, write: str) -> dict:
    return {
        "get": {
            "summary": summary,
            "parameters": PAGE + parameters,
            "responses": {"200": {"description": "A page", **_json(_page_of(name))}, **ERRORS},
        },
        "post": {
            "summary": f"Create: {write}",
            "requestBody": {"required": True, **_json(_ref(f"{name}Input"))},
            "responses": {"201": {"description": "Created", **_json(_ref(name))}, **ERRORS},
        },
    }


def _item(name: str, summary: str) -> dict:
    return {
        "get": {
            "summary": summary,
            "parameters": ID,
            "responses": {"200": {"description": name, **_json(_ref(name))}, **ERRORS},
        },
        "patch": {
            "summary": f"Update some fields of a {name.lower()}; `version` (as read) is required, "
            "`archived` archives or restores it",
            "parameters": ID,
            "requestBody": {"required": True, **_json(_ref(f"{name}Input"))},
            "responses": {
                "200": {"description": "Updated", **_json(_ref(name))},
                "409": {"description": "Changed meanwhile: the body holds the current record"},
                **ERRORS,
            },
        },
    }


CATALOGUE = "needs create/edit on applications in the host organisation"
PATHS = {
    "/applications": _collection(
        "Application",
        "Applications the token's user may see (the whole catalogue from the host organisation, "
        "otherwise those their organisations use)",
        [
            _query("q", {"type": "string"}, "search in name, vendor and functions"),
            _query("domain", {"type": "string"}),
            _query("vendor_id", {"type": "integer"}),
            _query("hosting", _enum(Hosting)),
            _query("organisation_id", {"type": "integer"}, "used by this organisation"),
            _query("status", _enum(ApplicationStatus)),
            _query("sort", {"type": "string"}, "name, domain, vendor, status, updated; -desc"),
            ARCHIVED,
        ],
        CATALOGUE,
    ),
    "/applications/{record_id}": _item(
        "Application", "One application, its visible deployments and interfaces"
    ),
    "/vendors": _collection(
        "Vendor",
        "Vendors of the visible applications",
        [_query("q", {"type": "string"}), _query("dpa_status", _enum(DpaStatus)), ARCHIVED],
        CATALOGUE,
    ),
    "/vendors/{record_id}": _item("Vendor", "One vendor and its visible applications"),
    "/deployments": _collection(
        "Deployment",
        "Deployments in the organisations the token's user may read",
        [
            _query("application_id", {"type": "integer"}),
            _query("organisation_id", {"type": "integer"}),
            ARCHIVED,
        ],
        "needs create on applications in the deployment's organisation",
    ),
    "/deployments/{record_id}": _item("Deployment", "One deployment"),
    "/interfaces": _collection(
        "Interface",
        "Interfaces between two visible applications",
        [_query("application_id", {"type": "integer"}, "as source or target")],
        CATALOGUE,
    ),
    "/interfaces/{record_id}": _item("Interface", "One interface"),
}


def _properties(spec: dict, overrides: dict) -> dict:
    return {name: overrides.get(name, {"type": ["string", "null"]}) for name in spec}


INTEGER = {"type": ["integer", "null"]}
NEED = {"type": ["integer", "null"], "minimum": 1, "maximum": 4}
RECORD = {
    "id": {"type": "integer", "readOnly": True},
    "version": {"type": "integer", "description": "optimistic locking: send it back on PATCH"},
    "archived": {"type": "boolean"},
    "archived_at": {"type": ["string", "null"], "format": "date-time", "readOnly": True},
    "created_at": {"type": "string", "format": "date-time", "readOnly": True},
    "updated_at": {"type": "string", "format": "date-time", "readOnly": True},
}
FUNCTIONS = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"domain": {"type": "string"}, "name": {"type": "string"}},
    },
}
APPLICATION = _properties(
    f.APPLICATION_FIELDS,
    {
        "vendor_id": INTEGER,
        "status": _enum(ApplicationStatus),
        "hosting": _enum(Hosting),
        "hds_required": {"type": "boolean"},
        "hds_certified": {"type": ["boolean", "null"]},
        "availability": NEED,
        "integrity": NEED,
        "confidentiality": NEED,
        "traceability": NEED,
        "rto_hours": INTEGER,
        "rpo_hours": INTEGER,
    },
)
VENDOR = _properties(f.VENDOR_FIELDS, {"dpa_status": _enum(DpaStatus)})
DEPLOYMENT = _properties(
    f.DEPLOYMENT_CREATE_FIELDS,
    {
        "organisation_id": {"type": "integer"},
        "application_id": {"type": "integer"},
        "functions": {"type": "array", "items": {"type": "string"}},
        "hosting": {"oneOf": [_enum(Hosting), {"type": "null"}]},
        "since": {"type": ["string", "null"], "format": "date"},
    },
)
INTERFACE = _properties(
    f.INTERFACE_FIELDS,
    {
        "source_application_id": {"type": "integer"},
        "target_application_id": {"type": "integer"},
        "direction": _enum(InterfaceDirection),
    },
)

SCHEMAS = {
    "Error": {
        "type": "object",
        "properties": {
            "error": {"type": "string"},
            "message": {"type": "string"},
            "errors": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    "Application": {
        "type": "object",
        "properties": {**APPLICATION, "functions": FUNCTIONS, **RECORD},
    },
    "ApplicationInput": {
        "type": "object",
        "properties": {
            **APPLICATION,
            "functions": FUNCTIONS,
            "vendor_name": {"type": "string", "description": "found or created by its key"},
            "version": RECORD["version"],
            "archived": RECORD["archived"],
        },
    },
    "Vendor": {"type": "object", "properties": {**VENDOR, **RECORD}},
    "VendorInput": {"type": "object", "properties": {**VENDOR, "version": RECORD["version"]}},
    "Deployment": {"type": "object", "properties": {**DEPLOYMENT, **RECORD}},
    "DeploymentInput": {
        "type": "object",
        "properties": {**DEPLOYMENT, "version": RECORD["version"]},
    },
    "Interface": {"type": "object", "properties": {**INTERFACE, **RECORD}},
    "InterfaceInput": {"type": "object", "properties": {**INTERFACE, "version": RECORD["version"]}},
}
