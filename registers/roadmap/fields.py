"""The editable fields of the roadmap's records and how a submitted value becomes a column
value: the pages, the API and the demo clean their input through the same converters (those
of the application map, see registers/applications/fields.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from compliance.text import text_value
from registers.applications.fields import (
    Converter,
    FieldErrors,
    boolean,
    clean,
    day,
    enum,
    is_blank,
    text,
    whole_number,
)
from registers.roadmap.models import (
    ActionStatus,
    AssessmentState,
    Priority,
    RoadmapState,
    Theme,
)

__all__ = ["FieldErrors", "clean", "clean_or_raise"]

_WHOLE_EUROS = whole_number(0, 1_000_000_000)


def euros(value):
    """Whole euros; "85 000" and "85 000 €" as people write them."""
    if isinstance(value, str):
        value = value.replace("€", "").replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    return _WHOLE_EUROS(value)


PERCENT = whole_number(0, 100)
IDENTIFIER = whole_number(1)


def amount(value):
    """Whole euros; blank is zero (an action with no operating cost)."""
    return euros(value) or 0


def identifiers(value) -> list[int]:
    """A list of record ids: a list, or text separated by commas or spaces."""
    if is_blank(value):
        return []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list | tuple):
        raise ValueError(_("doit être une liste d'identifiants"))
    result = []
    for item in value:
        number = IDENTIFIER(item)
        if number is not None and number not in result:
            result.append(number)
    return result


def measure_refs(value) -> list[str]:
    """Refs of the guide's measures ("13", "13.R"), as a list or text separated by commas."""
    if is_blank(value):
        return []
    if isinstance(value, str):
        value = value.replace(";", ",").replace(" ", ",").split(",")
    if not isinstance(value, list | tuple):
        raise ValueError(_("doit être une liste de numéros de mesures"))
    result = []
    for item in value:
        ref = (text_value(item, multiline=False) or "").strip().upper()
        if ref and ref not in result:
            result.append(ref)
    return result


ROADMAP_FIELDS: dict[str, Converter] = {
    "title": text(200),
    "summary": text(),
    "start_on": day,
    "end_on": day,
    "state": enum(RoadmapState),
    "programme_name": text(200),
    "grant_agreement": text(200),
    "subsidy_total": euros,
    "cofunding_rate": PERCENT,
    "subsidy_received": euros,
    "funding_notes": text(),
}
ROADMAP_CREATE_FIELDS: dict[str, Converter] = {"organisation_id": IDENTIFIER, **ROADMAP_FIELDS}

ACTION_FIELDS: dict[str, Converter] = {
    "code": text(20),
    "title": text(200),
    "description": text(),
    "theme": enum(Theme),
    "priority": enum(Priority),
    "owner": text(200),
    "start_on": day,
    "target_on": day,
    "status": enum(ActionStatus),
    "progress": PERCENT,
    "completed_on": day,
    "investment_estimated": amount,
    "investment_spent": amount,
    "operating_estimated": amount,
    "operating_spent": amount,
    "subsidy_amount": amount,
    "delay_reason": text(),
}
# The links an action holds, by the ids (or refs) of the records they point at.
ACTION_LINKS: dict[str, Converter] = {
    "measures": measure_refs,
    "application_ids": identifiers,
    "incident_ids": identifiers,
    "corrective_action_ids": identifiers,
}

MILESTONE_FIELDS: dict[str, Converter] = {
    "due_on": day,
    "label": text(200),
    "done": boolean(nullable=False),
}

ASSESSMENT_FIELDS: dict[str, Converter] = {
    "state": enum(AssessmentState),
    "comment": text(),
    "assessed_on": day,
}


def clean_or_raise(spec: Mapping[str, Converter], data: Mapping[str, Any], *, required=()):
    cleaned, errors = clean(spec, data)
    for name in required:
        if cleaned.get(name) in (None, "") and name not in errors:
            errors[name] = _("est obligatoire")
    if errors:
        raise FieldErrors(errors)
    return cleaned
