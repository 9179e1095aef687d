"""The editable fields of incidents and corrective actions, and how a submitted value (a
Python value from a form, or JSON from the API) becomes a column value. A converter returns
the value or raises ValueError with a message for the user."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

from compliance.text import MAX_ID, ONE_LINE, text_value
from registers.incidents.common import FieldErrors, as_utc
from registers.incidents.models import (
    ActionSource,
    Classification,
    DetectionSource,
    EntryKind,
    Grade,
    ImpactLevel,
    IncidentCategory,
    ReportKind,
    RootCauseMethod,
    Severity,
)

Converter = Callable[[Any], Any]


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(max_length: int | None = None) -> Converter:
    """Text of at most `max_length` characters; up to ONE_LINE characters it is one line."""
    multiline = max_length is None or max_length > ONE_LINE

    def convert(value):
        if _blank(value):
            return None
        if not isinstance(value, str):
            raise ValueError(_("doit être du texte"))
        value = text_value(value, multiline=multiline).strip()
        if max_length and len(value) > max_length:
            raise ValueError(_("%(max)d caractères au plus", max=max_length))
        return value

    return convert


def enum(enum_cls) -> Converter:
    def convert(value):
        if _blank(value):
            return None
        try:
            return enum_cls(value.value if isinstance(value, enum_cls) else str(value).strip())
        except ValueError:
            allowed = ", ".join(member.value for member in enum_cls)
            raise ValueError(
                _("valeur inconnue (attendu : %(allowed)s)", allowed=allowed)
            ) from None

    return convert


def instant(value):
    """An instant: an aware datetime, or ISO 8601 text; without an offset it is Paris time."""
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return as_utc(value)
    if not isinstance(value, str):
        raise ValueError(_("doit être une date et une heure (AAAA-MM-JJTHH:MM)"))
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(_("doit être une date et une heure (AAAA-MM-JJTHH:MM)")) from None
    return as_utc(parsed)


def day(value):
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(_("doit être une date (AAAA-MM-JJ)")) from None


def flag(value):
    """True, False or None (unknown)."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in {"true", "1", "yes", "oui"}:
        return True
    if word in {"false", "0", "no", "non"}:
        return False
    raise ValueError(_("doit valoir vrai ou faux"))


def identifier(value):
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(_("doit être un identifiant"))
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(_("doit être un identifiant")) from None
    if not 1 <= number <= MAX_ID:
        raise ValueError(_("doit être un identifiant"))
    return number


def identifiers(value):
    if _blank(value):
        return []
    if not isinstance(value, list | tuple | set):
        raise ValueError(_("doit être une liste d'identifiants"))
    return sorted({identifier(item) for item in value if not _blank(item)})


INCIDENT_FIELDS: dict[str, Converter] = {
    "title": text(200),
    "organisation_id": identifier,
    "category": enum(IncidentCategory),
    "severity": enum(Severity),
    "detection_source": enum(DetectionSource),
    "occurred_at": instant,
    "detected_at": instant,
    "reported_at": instant,
    "contained_at": instant,
    "resolved_at": instant,
    "impact_confidentiality": enum(ImpactLevel),
    "impact_integrity": enum(ImpactLevel),
    "impact_availability": enum(ImpactLevel),
    "personal_data": flag,
    "reported_by": text(200),
    "description": text(20_000),
    "impact_notes": text(10_000),
    "lessons_learnt": text(20_000),
    "application_ids": identifiers,
    "organisation_ids": identifiers,
}
INCIDENT_REQUIRED = (
    "title",
    "organisation_id",
    "category",
    "severity",
    "detection_source",
    "detected_at",
    "description",
)
# Fields the lifecycle sets, never an edit.
INCIDENT_LIFECYCLE = {"classification": enum(Classification)}

ENTRY_FIELDS: dict[str, Converter] = {
    "at": instant,
    "kind": enum(EntryKind),
    "text": text(10_000),
}

REPORT_FIELDS: dict[str, Converter] = {
    "kind": enum(ReportKind),
    "made_on": day,
    "reference": text(200),
    "notes": text(500),
}

ACTION_FIELDS: dict[str, Converter] = {
    "organisation_id": identifier,
    "source": enum(ActionSource),
    "opened_on": day,
    "incident_id": identifier,
    "source_reference": text(200),
    "title": text(200),
    "nonconformity": text(10_000),
    "location": text(200),
    "requirement": text(300),
    "grade": enum(Grade),
    "immediate_correction": text(10_000),
    "root_cause_method": enum(RootCauseMethod),
    "root_causes": text(10_000),
    "action": text(10_000),
    "owner": text(200),
    "due_on": day,
    "management_system_change": text(10_000),
}
ACTION_REQUIRED = (
    "organisation_id",
    "source",
    "title",
    "nonconformity",
    "grade",
    "action",
    "owner",
    "due_on",
)
CHECK_FIELDS: dict[str, Converter] = {
    "implemented_on": day,
    "check_on": day,
    "check_method": text(10_000),
    "check_result": text(10_000),
    "evidence_reference": text(300),
    "due_on": day,
}


def clean(
    spec: Mapping[str, Converter], data: Mapping[str, Any], *, required=(), partial=False
) -> dict:
    """The converted values of the keys of `data` that `spec` knows; FieldErrors otherwise.

    With partial=False a required field missing from `data` is an error too."""
    cleaned, errors = {}, {}
    for key, convert in spec.items():
        if key not in data:
            continue
        try:
            cleaned[key] = convert(data[key])
        except ValueError as error:
            errors[key] = str(error)
    for key in required:
        if key in errors:
            continue
        if (key in data or not partial) and cleaned.get(key) in (None, "", []):
            errors[key] = _("obligatoire")
    if errors:
        raise FieldErrors(errors)
    return cleaned


def unknown_keys(spec: Mapping[str, Converter], data: Mapping[str, Any], *extra) -> dict:
    allowed = set(spec) | set(extra)
    return {key: _("champ inconnu") for key in data if key not in allowed}
