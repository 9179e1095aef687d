"""The OpenAPI description of the incident log's endpoints (merged into /api/v1/openapi.json)."""

from __future__ import annotations

from registers.incidents import fields as f
from registers.incidents.models import (
    ActionSource,
    ActionStatus,
    Classification,
    DetectionSource,
    EntryKind,
    Grade,
    ImpactLevel,
    IncidentCategory,
    IncidentStatus,
    ReportKind,
    RootCauseMethod,
    Severity,
)


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _enum(enum_cls) -> dict:
    return {"type": "string", "enum": [member.value for member in enum_cls]}


def _query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "schema": schema, "description": description}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


INSTANT = {"type": "string", "format": "date-time", "description": "ISO 8601; no offset: Paris"}
DAY = {"type": "string", "format": "date"}
TEXT = {"type": "string"}
ID = {"type": "integer"}
IDS = {"type": "array", "items": ID}
VERSION = {"type": "integer", "description": "the version you read (optimistic locking)"}
PAGE = [{"$ref": "#/components/parameters/page"}, {"$ref": "#/components/parameters/per_page"}]
RECORD = [{"name": "record_id", "in": "path", "required": True, "schema": ID}]
ERRORS = {
    "400": {"description": "Malformed request or filter"},
    "401": {"description": "No valid API token"},
    "403": {"description": "The token's user may not do this"},
    "404": {"description": "No such record, or not visible to the token's user"},
    "409": {"description": "Changed meanwhile: `current` holds the stored record"},
    "422": {"description": "Invalid values, by field (`errors`)"},
}

TYPES = {
    "category": _enum(IncidentCategory),
    "severity": _enum(Severity),
    "detection_source": _enum(DetectionSource),
    "impact_confidentiality": _enum(ImpactLevel),
    "impact_integrity": _enum(ImpactLevel),
    "impact_availability": _enum(ImpactLevel),
    "personal_data": {"type": ["boolean", "null"]},
    "organisation_id": ID,
    "application_ids": IDS,
    "organisation_ids": IDS,
    "source": _enum(ActionSource),
    "grade": _enum(Grade),
    "root_cause_method": _enum(RootCauseMethod),
    "incident_id": ID,
}


def _fields(spec) -> dict:
    properties = {}
    for name in spec:
        if name in TYPES:
            properties[name] = TYPES[name]
        elif name.endswith("_at"):
            properties[name] = INSTANT
        elif name.endswith("_on"):
            properties[name] = DAY
        else:
            properties[name] = TEXT
    return properties


INCIDENT_INPUT = {
    "type": "object",
    "properties": {**_fields(f.INCIDENT_FIELDS), "version": VERSION},
    "required": list(f.INCIDENT_REQUIRED),
}
ACTION_INPUT = {
    "type": "object",
    "properties": {**_fields(f.ACTION_FIELDS), "version": VERSION},
    "required": list(f.ACTION_REQUIRED),
}

SCHEMAS = {
    "Incident": {
        "type": "object",
        "properties": {
            "id": ID,
            "reference": {"type": "string", "example": "INC-2026-014"},
            **_fields(f.INCIDENT_FIELDS),
            "status": _enum(IncidentStatus),
            "classification": _enum(Classification),
            "timeline": {"type": "array", "items": _ref("TimelineEntry")},
            "version": VERSION,
        },
    },
    "IncidentInput": INCIDENT_INPUT,
    "TimelineEntry": {
        "type": "object",
        "properties": {
            "id": ID,
            "at": INSTANT,
            "kind": _enum(EntryKind),
            "text": TEXT,
            "author": TEXT,
        },
        "required": ["kind", "text"],
    },
    "ExternalReport": {
        "type": "object",
        "properties": {
            "kind": _enum(ReportKind),
            "made_on": DAY,
            "reference": TEXT,
            "notes": TEXT,
        },
        "required": ["kind", "made_on"],
    },
    "IncidentTransition": {
        "type": "object",
        "properties": {
            "status": _enum(IncidentStatus),
            "version": VERSION,
            "at": INSTANT,
            "comment": TEXT,
            "classification": _enum(Classification),
            "severity": _enum(Severity),
            "lessons_learnt": TEXT,
        },
        "required": ["status", "version"],
    },
    "CorrectiveAction": {
        "type": "object",
        "properties": {
            "id": ID,
            "reference": {"type": "string", "example": "CA-2026-003"},
            **_fields(f.ACTION_FIELDS),
            **_fields(f.CHECK_FIELDS),
            "status": _enum(ActionStatus),
            "overdue": {"type": "boolean"},
            "version": VERSION,
        },
    },
    "CorrectiveActionInput": ACTION_INPUT,
    "CorrectiveActionTransition": {
        "type": "object",
        "properties": {
            "status": _enum(ActionStatus),
            "version": VERSION,
            **_fields(f.CHECK_FIELDS),
        },
        "required": ["status", "version"],
    },
}


def _page_of(name: str) -> dict:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": _ref(name)},
            "page": ID,
            "per_page": ID,
            "total": ID,
            "pages": ID,
        },
    }


def _operation(summary, *, body=None, response=None, status="200", parameters=()):
    operation = {"summary": summary, "parameters": list(parameters), "responses": dict(ERRORS)}
    if body:
        operation["requestBody"] = {"required": True, **_json(_ref(body))}
    operation["responses"][status] = {"description": summary, **_json(response or {})}
    return operation


INCIDENT_FILTERS = [
    _query("q", TEXT, "reference, title, or whole words of the encrypted text"),
    _query("date_from", DAY, "detected on or after (Paris)"),
    _query("date_to", DAY, "detected on or before (Paris)"),
    _query("status", _enum(IncidentStatus)),
    _query("severity", _enum(Severity)),
    _query("category", _enum(IncidentCategory)),
    _query("application_id", ID),
    _query("organisation_id", ID, "incidents affecting this organisation"),
    _query("open_only", {"type": "boolean"}),
    _query("include_archived", {"type": "boolean"}),
    _query("sort", TEXT, "detected, severity, reference, status; '-' for descending"),
]
ACTION_FILTERS = [
    _query("q", TEXT),
    _query("status", _enum(ActionStatus)),
    _query("source", _enum(ActionSource)),
    _query("grade", _enum(Grade)),
    _query("organisation_id", ID),
    _query("incident_id", ID),
    _query("overdue", {"type": "boolean"}, "still to do and past due"),
    _query("pending", {"type": "boolean"}, "still to do"),
    _query("include_archived", {"type": "boolean"}),
    _query("sort", TEXT, "due, reference, status, opened; '-' for descending"),
]

PATHS = {
    "/incidents": {
        "get": _operation(
            "Incidents affecting the organisations the token's user may see",
            response=_page_of("Incident"),
            parameters=[*PAGE, *INCIDENT_FILTERS],
        ),
        "post": _operation(
            "Log an incident", body="IncidentInput", response=_ref("Incident"), status="201"
        ),
    },
    "/incidents/{record_id}": {
        "get": _operation(
            "An incident with its timeline, reports, impact and corrective actions",
            response=_ref("Incident"),
            parameters=RECORD,
        ),
        "patch": _operation(
            "Update an incident (partial; `version` required)",
            body="IncidentInput",
            response=_ref("Incident"),
            parameters=RECORD,
        ),
    },
    "/incidents/{record_id}/transition": {
        "post": _operation(
            "Move an incident to another ISO/IEC 27035 phase",
            body="IncidentTransition",
            response=_ref("Incident"),
            parameters=RECORD,
        )
    },
    "/incidents/{record_id}/timeline": {
        "get": _operation(
            "The incident's timeline",
            response={"type": "object", "properties": {"items": {"type": "array"}}},
            parameters=RECORD,
        ),
        "post": _operation(
            "Add a timeline entry (never in the future)",
            body="TimelineEntry",
            response=_ref("TimelineEntry"),
            status="201",
            parameters=RECORD,
        ),
    },
    "/incidents/{record_id}/reports": {
        "post": _operation(
            "Record a report made outside (CERT-FR, police, insurer, CNIL)",
            body="ExternalReport",
            response=_ref("ExternalReport"),
            status="201",
            parameters=RECORD,
        )
    },
    "/corrective-actions": {
        "get": _operation(
            "Corrective actions",
            response=_page_of("CorrectiveAction"),
            parameters=[*PAGE, *ACTION_FILTERS],
        ),
        "post": _operation(
            "Open a corrective action",
            body="CorrectiveActionInput",
            response=_ref("CorrectiveAction"),
            status="201",
        ),
    },
    "/corrective-actions/{record_id}": {
        "get": _operation(
            "A corrective action", response=_ref("CorrectiveAction"), parameters=RECORD
        ),
        "patch": _operation(
            "Update a corrective action (partial; `version` required)",
            body="CorrectiveActionInput",
            response=_ref("CorrectiveAction"),
            parameters=RECORD,
        ),
    },
    "/corrective-actions/{record_id}/transition": {
        "post": _operation(
            "Move a corrective action on (an effectiveness check is required before "
            "verified_effective)",
            body="CorrectiveActionTransition",
            response=_ref("CorrectiveAction"),
            parameters=RECORD,
        )
    },
}
