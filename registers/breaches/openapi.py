"""The OpenAPI description of the breach register's endpoints (merged into
/api/v1/openapi.json)."""

from __future__ import annotations

from registers.breaches import fields as f
from registers.breaches.models import (
    Art34Ground,
    BreachCause,
    BreachOrigin,
    BreachStatus,
    Circumstance,
    NotificationKind,
    RiskLevel,
)
from registers.processing.reference import DataCategory, SpecialCategory, SubjectCategory


def _enum(enum_cls) -> dict:
    return {"type": "string", "enum": [member.value for member in enum_cls]}


def _codes(enum_cls) -> dict:
    return {"type": "array", "items": _enum(enum_cls)}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


INSTANT = {
    "type": "string",
    "format": "date-time",
    "description": "ISO 8601 with its offset (read: Paris time); written without one: Paris",
}
ID = {"type": "integer"}
VERSION = {"type": "integer", "description": "the version you read (optimistic locking)"}
ERRORS = {
    "400": {"description": "Malformed request or filter"},
    "401": {"description": "No valid API token"},
    "403": {"description": "The token's user may not do this"},
    "404": {"description": "No such breach, or not visible to the token's user"},
    "409": {"description": "Changed meanwhile: `current` holds the stored breach"},
    "422": {"description": "Invalid values, by field (`errors`)"},
}
TYPES = {
    "organisation_id": ID,
    "incident_id": ID,
    "processing_ids": {"type": "array", "items": ID},
    "is_ongoing": {"type": "boolean"},
    "confidentiality": {"type": "boolean"},
    "integrity": {"type": "boolean"},
    "availability": {"type": "boolean"},
    "nir_concerned": {"type": "boolean"},
    "criminal_data": {"type": "boolean"},
    "origin": _enum(BreachOrigin),
    "cause": _enum(BreachCause),
    "circumstance": _enum(Circumstance),
    "risk_level": _enum(RiskLevel),
    "communication_ground": _enum(Art34Ground),
    "subject_categories": _codes(SubjectCategory),
    "data_categories": _codes(DataCategory),
    "special_categories": _codes(SpecialCategory),
    "people_count": {"type": ["integer", "null"], "minimum": 0},
    "records_count": {"type": ["integer", "null"], "minimum": 0},
    "kind": _enum(NotificationKind),
}


def _fields(spec) -> dict:
    return {
        name: TYPES.get(name, INSTANT if name.endswith("_at") else {"type": "string"})
        for name in spec
    }


BREACH_INPUT = {
    "type": "object",
    "properties": {**_fields(f.BREACH_FIELDS), "version": VERSION},
    "required": list(f.BREACH_REQUIRED),
}
SCHEMAS = {
    "PersonalDataBreach": {
        "type": "object",
        "properties": {
            "id": ID,
            "reference": {"type": "string", "example": "VDP-2026-004"},
            "status": _enum(BreachStatus),
            **_fields(f.BREACH_FIELDS),
            "awareness_at": {**INSTANT, "description": "H0: when the controller became aware"},
            "notification_deadline": {
                **INSTANT,
                "description": "H0 + 72 hours in absolute time, e.g. 2026-10-27T09:00:00+01:00",
            },
            "deadline_state": {
                "type": "string",
                "enum": [
                    "running",
                    "late",
                    "notified",
                    "notified_late",
                    "not_notifiable",
                    "closed",
                ],
            },
            "late": {"type": "boolean", "description": "past the deadline with no decision"},
            "notifications": {"type": "array", "items": {"type": "object"}},
            "version": VERSION,
        },
    },
    "PersonalDataBreachInput": BREACH_INPUT,
}
_BREACH = {"$ref": "#/components/schemas/PersonalDataBreach"}
_PATH_ID = [{"name": "breach_id", "in": "path", "required": True, "schema": ID}]
PATHS = {
    "/breaches": {
        "get": {
            "summary": "Personal-data breaches of the organisations the token's user may see",
            "parameters": [
                {"$ref": "#/components/parameters/page"},
                {"$ref": "#/components/parameters/per_page"},
                *(
                    {"name": name, "in": "query", "schema": schema}
                    for name, schema in (
                        ("status", _enum(BreachStatus)),
                        ("organisation_id", ID),
                        ("incident_id", ID),
                        ("late", {"type": "boolean"}),
                        ("open_only", {"type": "boolean"}),
                        ("q", {"type": "string"}),
                        ("sort", {"type": "string"}),
                    )
                ),
            ],
            "responses": {"200": {"description": "A page of breaches"}, **ERRORS},
        },
        "post": {
            "summary": "Record a breach (its deadline is computed from awareness_at)",
            "requestBody": _json({"$ref": "#/components/schemas/PersonalDataBreachInput"}),
            "responses": {"201": {"description": "The breach", **_json(_BREACH)}, **ERRORS},
        },
    },
    "/breaches/{breach_id}": {
        "get": {
            "summary": "One breach",
            "parameters": _PATH_ID,
            "responses": {"200": {"description": "The breach", **_json(_BREACH)}, **ERRORS},
        },
        "patch": {
            "summary": "Change some fields of a breach (send the version you read)",
            "parameters": _PATH_ID,
            "requestBody": _json({"$ref": "#/components/schemas/PersonalDataBreachInput"}),
            "responses": {"200": {"description": "The breach", **_json(_BREACH)}, **ERRORS},
        },
    },
    "/breaches/{breach_id}/notifications": {
        "post": {
            "summary": "Record a notification to the CNIL (the first one is the initial one)",
            "parameters": _PATH_ID,
            "requestBody": _json(
                {
                    "type": "object",
                    "properties": {**_fields(f.NOTIFICATION_FIELDS), "version": VERSION},
                    "required": [*f.NOTIFICATION_REQUIRED, "version"],
                }
            ),
            "responses": {"201": {"description": "The breach", **_json(_BREACH)}, **ERRORS},
        }
    },
    "/breaches/{breach_id}/not-notifiable": {
        "post": {
            "summary": "Document that the breach is unlikely to result in a risk",
            "parameters": _PATH_ID,
            "requestBody": _json(
                {
                    "type": "object",
                    "properties": {**_fields(f.DECISION_FIELDS), "version": VERSION},
                    "required": [*f.DECISION_REQUIRED, "version"],
                }
            ),
            "responses": {"200": {"description": "The breach", **_json(_BREACH)}, **ERRORS},
        }
    },
}
