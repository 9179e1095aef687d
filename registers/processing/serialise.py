"""Plain, JSON-ready dictionaries of a processing activity: what the API returns, what a
published version freezes and what a template activity compares with its copies."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from registers.processing.schemas import ROWS, ActivityRead, row_fields

# The activity's own columns, as the API answers them.
SCALARS = tuple(
    name
    for name in ActivityRead.model_fields
    if name not in {"id", "organisation_id", "version", "applications", *ROWS}
    and name not in ActivityRead.COMPUTED
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
