"""The OpenAPI description of the roadmap's endpoints (merged into /api/v1/openapi.json)."""

from __future__ import annotations

from registers.roadmap.models import ActionStatus, AssessmentState, Priority, RoadmapState, Theme


def _enum(enum_cls) -> dict:
    return {"type": "string", "enum": [member.value for member in enum_cls]}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "schema": schema, "description": description}


DAY = {"type": "string", "format": "date"}
TEXT = {"type": "string"}
ID = {"type": "integer"}
EUROS = {"type": "integer", "minimum": 0, "description": "whole euros"}
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

ACTION_PROPERTIES = {
    "roadmap_id": ID,
    "code": TEXT,
    "title": TEXT,
    "description": TEXT,
    "theme": _enum(Theme),
    "priority": _enum(Priority),
    "owner": TEXT,
    "start_on": DAY,
    "target_on": DAY,
    "status": _enum(ActionStatus),
    "progress": {"type": "integer", "minimum": 0, "maximum": 100},
    "completed_on": DAY,
    "investment_estimated": EUROS,
    "investment_spent": EUROS,
    "operating_estimated": EUROS,
    "operating_spent": EUROS,
    "subsidy_amount": EUROS,
    "delay_reason": TEXT,
    "measures": {"type": "array", "items": TEXT, "description": "refs of the guide: 13, 13.R"},
    "application_ids": {"type": "array", "items": ID},
    "incident_ids": {"type": "array", "items": ID},
    "corrective_action_ids": {"type": "array", "items": ID},
    "version": {"type": "integer", "description": "the version you read (PATCH)"},
}

SCHEMAS = {
    "Roadmap": {
        "type": "object",
        "properties": {
            "id": ID,
            "organisation_id": ID,
            "title": TEXT,
            "start_on": DAY,
            "end_on": DAY,
            "state": _enum(RoadmapState),
            "programme_name": TEXT,
            "grant_agreement": TEXT,
            "subsidy_total": EUROS,
            "cofunding_rate": {"type": "integer", "minimum": 0, "maximum": 100},
            "subsidy_received": EUROS,
            "version": ID,
        },
    },
    "RoadmapAction": {
        "type": "object",
        "properties": {**ACTION_PROPERTIES, "id": ID, "late": {"type": "boolean"}},
    },
    "HygieneAssessmentRow": {
        "type": "object",
        "properties": {
            "ref": TEXT,
            "measure": ID,
            "level": {"type": "string", "enum": ["S", "R"]},
            "theme": _enum(Theme),
            "title": TEXT,
            "state": {**_enum(AssessmentState), "nullable": True},
            "comment": TEXT,
            "coverage": TEXT,
            "actions": {"type": "array", "items": {"type": "object"}},
        },
    },
}

PATHS = {
    "/roadmaps": {
        "get": {
            "summary": "Roadmaps the token's user may see",
            "parameters": PAGE,
            "responses": {"200": {"description": "A page of roadmaps"}, **ERRORS},
        }
    },
    "/roadmaps/{record_id}": {
        "get": {
            "summary": "One roadmap",
            "parameters": RECORD,
            "responses": {"200": {"description": "OK", **_json(_ref("Roadmap"))}, **ERRORS},
        }
    },
    "/roadmap-actions": {
        "get": {
            "summary": "Roadmap actions, filtered",
            "parameters": [
                *PAGE,
                _query("roadmap_id", ID),
                _query("theme", _enum(Theme)),
                _query("status", _enum(ActionStatus)),
                _query("priority", _enum(Priority)),
                _query("late", {"type": "boolean"}, "only the actions past their target"),
                _query("q", TEXT, "code, title, owner or description"),
                _query("include_archived", {"type": "boolean"}),
            ],
            "responses": {"200": {"description": "A page of roadmap actions"}, **ERRORS},
        },
        "post": {
            "summary": "Add an action to a roadmap (roadmap_id, title, theme, start_on, "
            "target_on required)",
            "requestBody": _json(_ref("RoadmapAction")),
            "responses": {"201": {"description": "OK", **_json(_ref("RoadmapAction"))}, **ERRORS},
        },
    },
    "/roadmap-actions/{record_id}": {
        "get": {
            "summary": "One roadmap action with its links",
            "parameters": RECORD,
            "responses": {"200": {"description": "OK", **_json(_ref("RoadmapAction"))}, **ERRORS},
        },
        "patch": {
            "summary": "Change an action (version required); archived: true archives it",
            "parameters": RECORD,
            "requestBody": _json(_ref("RoadmapAction")),
            "responses": {"200": {"description": "OK", **_json(_ref("RoadmapAction"))}, **ERRORS},
        },
    },
    "/hygiene-assessment": {
        "get": {
            "summary": "An organisation's state against the 42 measures of ANSSI's guide (61 "
            "rows with the reinforced levels), the actions planned for each gap, the coverage",
            "parameters": [_query("organisation", TEXT, "slug or id (required)")],
            "responses": {"200": {"description": "The self-assessment"}, **ERRORS},
        }
    },
    "/hygiene-assessment/{organisation}/{ref}": {
        "put": {
            "summary": "Record the state of one measure (version required once assessed)",
            "parameters": [
                {"name": "organisation", "in": "path", "required": True, "schema": TEXT},
                {"name": "ref", "in": "path", "required": True, "schema": TEXT},
            ],
            "requestBody": _json(
                {
                    "type": "object",
                    "properties": {
                        "state": _enum(AssessmentState),
                        "comment": TEXT,
                        "assessed_on": DAY,
                        "version": ID,
                    },
                }
            ),
            "responses": {
                "200": {"description": "The row", **_json(_ref("HygieneAssessmentRow"))},
                **ERRORS,
            },
        }
    },
}
