"""Plain, JSON-ready dictionaries of a processing activity: what the API returns, what a
published version freezes and what a template activity compares with its copies."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from registers.processing.schemas import ROWS, row_fields

SCALARS = (
    "reference",
    "name",
    "description",
    "responsible_service",
    "contact",
    "role",
    "other_controllers",
    "joint_arrangement",
    "criminal_data",
    "criminal_data_basis",
    "nir_used",
    "nir_legal_text",
    "dpia_criteria",
    "dpia_cnil_types",
    "dpia_art35_cases",
    "dpia_screening_notes",
    "dpia_required",
    "dpia_status",
    "dpia_done_on",
    "dpia_conclusion",
    "dpia_dpo_opinion",
    "dpia_next_review_on",
    "status",
    "submitted_at",
    "validated_at",
    "dpo_remarks",
    "last_review_on",
    "next_review_on",
    "is_model",
    "model_id",
    "created_at",
    "updated_at",
)
COLLECTIONS = tuple(ROWS)


def plain(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def child_rows(activity, name: str) -> list[dict]:
    keys = row_fields(name)
    return [{key: plain(getattr(row, key)) for key in keys} for row in getattr(activity, name)]


def application_refs(activity) -> list[dict]:
    return [{"id": a.id, "name": a.name} for a in activity.applications]


def activity_data(activity) -> dict:
    """Every field of the activity and its child rows, as JSON-ready values."""
    data = {"id": activity.id, "organisation_id": activity.organisation_id}
    data.update({name: plain(getattr(activity, name)) for name in SCALARS})
    data["version"] = activity.version
    data["applications"] = application_refs(activity)
    for name in COLLECTIONS:
        data[name] = child_rows(activity, name)
    return data
