"""The editable fields of a breach and of a notification, and how a submitted value (from a
form, the API or the command line) becomes a column value. The scalar converters are the
incident log's; a converter returns the value or raises ValueError with a message."""

from __future__ import annotations

from flask_babel import gettext as _

from compliance.text import INT_MAX
from registers.breaches.models import (
    Art34Ground,
    BreachCause,
    BreachOrigin,
    Circumstance,
    NotificationKind,
    RiskLevel,
)
from registers.incidents.fields import (
    Converter,
    clean,
    enum,
    identifier,
    identifiers,
    instant,
    text,
    unknown_keys,
)
from registers.processing.reference import DataCategory, SpecialCategory, SubjectCategory

__all__ = ["clean", "unknown_keys"]


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def codes(enum_cls) -> Converter:
    """A list of codes of `enum_cls`, each once, in the enum's order."""
    convert_one = enum(enum_cls)

    def convert(value):
        if _blank(value):
            return []
        if isinstance(value, str):
            value = value.replace(";", ",").split(",")
        if not isinstance(value, list | tuple | set):
            raise ValueError(_("doit être une liste"))
        chosen = {convert_one(item) for item in value if not _blank(item)}
        return [member.value for member in enum_cls if member in chosen]

    return convert


def count(value):
    """An approximate number of people or records: a whole number, 0 or more."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(_("doit être un nombre entier"))
    try:
        number = int(str(value).replace(" ", "").replace("\u202f", "").replace("\xa0", ""))
    except ValueError:
        raise ValueError(_("doit être un nombre entier")) from None
    if number < 0:
        raise ValueError(_("doit être positif ou nul"))
    if number > INT_MAX:
        raise ValueError(_("doit valoir au plus %(maximum)d", maximum=INT_MAX))
    return number


def boolean(value):
    """True or False (a checkbox): blank is False."""
    if _blank(value):
        return False
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in {"true", "1", "yes", "oui", "on", "y"}:
        return True
    if word in {"false", "0", "no", "non", "off", "n"}:
        return False
    raise ValueError(_("doit valoir vrai ou faux"))


BREACH_FIELDS: dict[str, Converter] = {
    "title": text(200),
    "organisation_id": identifier,
    "incident_id": identifier,
    "processing_ids": identifiers,
    "started_at": instant,
    "ended_at": instant,
    "is_ongoing": boolean,
    "discovered_at": instant,
    "controller_informed_at": instant,
    "awareness_at": instant,
    "confidentiality": boolean,
    "integrity": boolean,
    "availability": boolean,
    "origin": enum(BreachOrigin),
    "cause": enum(BreachCause),
    "circumstance": enum(Circumstance),
    "description": text(20_000),
    "subject_categories": codes(SubjectCategory),
    "people_count": count,
    "records_count": count,
    "people_details": text(5_000),
    "data_categories": codes(DataCategory),
    "special_categories": codes(SpecialCategory),
    "nir_concerned": boolean,
    "criminal_data": boolean,
    "consequences": text(10_000),
    "measures_taken": text(10_000),
    "measures_proposed": text(10_000),
    "risk_level": enum(RiskLevel),
    "risk_reasoning": text(10_000),
    "contact": text(500),
    "delay_reasons": text(10_000),
    "communicated_at": instant,
    "communication_means": text(300),
    "communication_ground": enum(Art34Ground),
    "communication_details": text(10_000),
}
BREACH_REQUIRED = ("title", "organisation_id", "awareness_at")
# The organisation of a breach is its controller: it never changes (another controller has its
# own breach), nor does the incident it came from.
FIXED_AFTER_CREATION = ("organisation_id", "incident_id")

NOTIFICATION_FIELDS: dict[str, Converter] = {
    "kind": enum(NotificationKind),
    "sent_at": instant,
    "reference": text(100),
    "notes": text(5_000),
    "delay_reasons": text(10_000),
}
NOTIFICATION_REQUIRED = ("kind", "sent_at")

DECISION_FIELDS: dict[str, Converter] = {
    "risk_level": enum(RiskLevel),
    "risk_reasoning": text(10_000),
    "not_notified_reason": text(10_000),
    "communication_ground": enum(Art34Ground),
}
DECISION_REQUIRED = ("risk_reasoning", "not_notified_reason")
