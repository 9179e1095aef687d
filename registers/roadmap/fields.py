"""The editable fields of the roadmap's records and how a submitted value becomes a column
value: the pages, the API and the demo clean their input through the same converters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _

from compliance.services import FieldErrors
from compliance.text import INT_MAX, ONE_LINE, text_value
from compliance.types import FALSE_WORDS, TRUE_WORDS
from compliance.types import is_blank as _blank
from compliance.types import parse_day as day
from registers.roadmap.models import (
    ActionStatus,
    AssessmentState,
    Priority,
    RoadmapState,
    Theme,
)

__all__ = ["FieldErrors", "clean", "clean_or_raise"]

# --- converters (formerly the application map's field converters) --------------------------

Converter = Callable[[Any], Any]


def text(max_length: int | None = None) -> Converter:
    """Text of at most `max_length` characters; up to ONE_LINE characters it is one line."""
    multiline = max_length is None or max_length > ONE_LINE

    def convert(value):
        if _blank(value):
            return None
        value = text_value(value, multiline=multiline).strip()
        if max_length and len(value) > max_length:
            raise ValueError(_("%(count)d caractères au plus", count=max_length))
        return value

    return convert


def whole_number(minimum: int | None = None, maximum: int | None = None) -> Converter:
    # Without a stated maximum, what an INTEGER column holds.
    ceiling = INT_MAX if maximum is None else maximum

    def convert(value):
        if _blank(value):
            return None
        if isinstance(value, bool):
            raise ValueError(_("doit être un nombre entier"))
        try:
            number = (
                float(str(value).strip().replace(",", ".")) if isinstance(value, str) else value
            )
            if number != int(number):
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise ValueError(_("doit être un nombre entier")) from None
        if minimum is not None and number < minimum:
            raise ValueError(_("doit valoir au moins %(minimum)d", minimum=minimum))
        if number > ceiling:
            raise ValueError(_("doit valoir au plus %(maximum)d", maximum=ceiling))
        return number

    return convert


def enum(enum_cls, *, nullable: bool = False) -> Converter:
    def convert(value):
        if _blank(value):
            if nullable:
                return None
            raise ValueError(_("est obligatoire"))
        try:
            return enum_cls(value.value if hasattr(value, "value") else str(value).strip())
        except ValueError:
            allowed = ", ".join(member.value for member in enum_cls)
            raise ValueError(
                _("doit être l'une des valeurs : %(allowed)s", allowed=allowed)
            ) from None

    return convert


def boolean(*, nullable: bool) -> Converter:
    def convert(value):
        if isinstance(value, bool):
            return value
        if _blank(value):
            if nullable:
                return None
            raise ValueError(_("est obligatoire"))
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(_("doit valoir vrai ou faux"))

    return convert


def clean(spec: Mapping[str, Converter], data: Mapping[str, Any]) -> tuple[dict, dict]:
    """(cleaned values, errors) for the keys of `data` that `spec` knows; others are ignored."""
    cleaned, errors = {}, {}
    for key, convert in spec.items():
        if key not in data:
            continue
        try:
            cleaned[key] = convert(data[key])
        except ValueError as error:
            errors[key] = str(error)
    return cleaned, errors


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
    if _blank(value):
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
    if _blank(value):
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
