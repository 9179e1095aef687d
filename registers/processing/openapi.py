"""The OpenAPI description of the processing-activities endpoints (merged into
/api/v1/openapi.json)."""

from __future__ import annotations

from registers.processing.fields import CHILD_FIELDS
from registers.processing.reference import (
    DpiaStatus,
    ProcessingRole,
    ProcessingStatus,
)
from registers.processing.spreadsheet import PARTS


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _enum(enum_cls) -> dict:
    return {"type": "string", "enum": [member.value for member in enum_cls]}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


PAGE = [{"$ref": "#/components/parameters/page"}, {"$ref": "#/components/parameters/per_page"}]
ID = [{"name": "record_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
ERRORS = {
    "401": {"description": "No valid API token"},
    "403": {"description": "The token's user may not do this"},
    "404": {"description": "No such activity, or not visible to the token's user"},
    "422": {"description": "Invalid values, by field", **_json(_ref("Errors"))},
}
ONE = {"200": {"description": "The activity", **_json(_ref("ProcessingActivity"))}, **ERRORS}
FILTERS = [
    {"name": "organisation", "in": "query", "schema": {"type": "integer"}},
    {"name": "status", "in": "query", "schema": _enum(ProcessingStatus)},
    {"name": "application", "in": "query", "schema": {"type": "integer"}},
    {"name": "dpia_required", "in": "query", "schema": {"type": "boolean"}},
    {"name": "q", "in": "query", "schema": {"type": "string"}},
    {"name": "include_archived", "in": "query", "schema": {"type": "boolean"}},
]


def _child_schema(name: str) -> dict:
    spec, required = CHILD_FIELDS[name]
    return {
        "type": "array",
        "items": {
            "type": "object",
            "required": list(required),
            "properties": {key: {} for key in spec},
        },
    }


WRITE_SCHEMA = {
    "type": "object",
    "description": "Only the keys sent change. Child lists replace the stored rows; items "
    "take the parts described for the spreadsheet: "
    + "; ".join(f"{name}: {', '.join(parts)}" for name, parts in PARTS.items()),
    "properties": {
        "organisation_id": {"type": "integer", "description": "On creation only"},
        "version": {"type": "integer", "description": "The version read (required to update)"},
        "reference": {"type": "string"},
        "name": {"type": "string"},
        "description": {"type": "string"},
        "responsible_service": {"type": "string"},
        "contact": {"type": "string"},
        "role": _enum(ProcessingRole),
        "application_ids": {"type": "array", "items": {"type": "integer"}},
        "dpia_criteria": {"type": "array", "items": {"type": "string"}},
        "dpia_cnil_types": {"type": "array", "items": {"type": "string"}},
        "dpia_art35_cases": {"type": "array", "items": {"type": "string"}},
        "dpia_status": _enum(DpiaStatus),
        **{name: _child_schema(name) for name in CHILD_FIELDS},
    },
}

SCHEMAS = {
    "ProcessingActivity": {
        "type": "object",
        "properties": {
            **WRITE_SCHEMA["properties"],
            "id": {"type": "integer"},
            "status": _enum(ProcessingStatus),
            "dpia_required": {"type": "boolean"},
            "organisation": {"type": "object"},
            "applications": {"type": "array", "items": {"type": "object"}},
            "completeness": {"type": "object"},
            "warnings": {"type": "array", "items": {"type": "object"}},
            "dpia_screening": {"type": "object"},
            "inherited_measures": {"type": "array", "items": {"type": "object"}},
        },
    },
    "ProcessingActivityWrite": WRITE_SCHEMA,
}

PATHS = {
    "/processing-activities": {
        "get": {
            "summary": "Processing activities the token's user may read",
            "parameters": [*PAGE, *FILTERS],
            "responses": {
                "200": {"description": "A page of activities"},
                "400": {"description": "A bad filter"},
                "401": ERRORS["401"],
            },
        },
        "post": {
            "summary": "Create a draft activity in an organisation",
            "requestBody": _json(_ref("ProcessingActivityWrite")),
            "responses": {"201": ONE["200"], **ERRORS},
        },
    },
    "/processing-activities/{record_id}": {
        "get": {"summary": "One activity", "parameters": ID, "responses": ONE},
        "patch": {
            "summary": "Update an activity (send the version read: 409 if it changed)",
            "parameters": ID,
            "requestBody": _json(_ref("ProcessingActivityWrite")),
            "responses": {**ONE, "409": {"description": "Changed meanwhile"}},
        },
    },
    "/processing-activities/{record_id}/submit": {
        "post": {"summary": "Submit a draft to the DPO", "parameters": ID, "responses": ONE}
    },
    "/processing-activities/{record_id}/validate": {
        "post": {
            "summary": "Validate an activity (the DPO): remarks, next_review_on",
            "parameters": ID,
            "responses": ONE,
        }
    },
    "/processing-activities/{record_id}/send-back": {
        "post": {
            "summary": "Send an activity back to its referent with remarks (the DPO)",
            "parameters": ID,
            "responses": ONE,
        }
    },
}
