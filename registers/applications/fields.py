"""The editable fields of the map's records and how a submitted value becomes a column value.

Services, the importer and the API all clean their input through these converters, so a value
is accepted or refused the same way whichever door it came in by. A converter takes the raw
value (a Python value, or text from a form, a file or JSON) and returns the column value or
raises ValueError with a short message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

from compliance.services import FieldErrors
from compliance.text import INT_MAX, MAX_ID, ONE_LINE, text_value
from registers.applications.models import (
    ApplicationStatus,
    DpaStatus,
    Hosting,
    InterfaceDirection,
)

Converter = Callable[[Any], Any]


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(max_length: int | None = None) -> Converter:
    """Text of at most `max_length` characters; up to ONE_LINE characters it is one line."""
    multiline = max_length is None or max_length > ONE_LINE

    def convert(value):
        if is_blank(value):
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
        if is_blank(value):
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


NEED_LEVEL = whole_number(1, 4)
HOURS = whole_number(0)
IDENTIFIER = whole_number(1, MAX_ID)


def enum(enum_cls, *, nullable: bool = False) -> Converter:
    def convert(value):
        if is_blank(value):
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


TRUE_WORDS = {"1", "true", "yes", "y", "oui", "o", "vrai", "x"}
FALSE_WORDS = {"0", "false", "no", "n", "non", "faux"}


def boolean(*, nullable: bool) -> Converter:
    def convert(value):
        if isinstance(value, bool):
            return value
        if is_blank(value):
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


def day(value):
    """A date: a date, ISO 8601 text (2022-01-31) or French text (31/01/2022)."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = str(value).strip()
    for pattern, order in (
        (r"(\d{4})-(\d{1,2})-(\d{1,2})", "ymd"),
        (r"(\d{1,2})/(\d{1,2})/(\d{4})", "dmy"),
    ):
        match = re.fullmatch(pattern, raw)
        if match:
            parts = dict(zip(order, map(int, match.groups()), strict=True))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                break
    raise ValueError(_("doit être une date (AAAA-MM-JJ)"))


def country(*, nullable: bool) -> Converter:
    def convert(value):
        if is_blank(value):
            if nullable:
                return None
            raise ValueError(_("est obligatoire"))
        code = str(value).strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise ValueError(_("doit être un code pays ISO 3166 à deux lettres"))
        return code

    return convert


def names(value) -> list[str]:
    """A list of names: a list, or text separated by commas, semicolons or new lines."""
    if is_blank(value):
        return []
    if isinstance(value, str):
        value = re.split(r"[;\n]", value)
    if not isinstance(value, list | tuple):
        raise ValueError(_("doit être une liste de noms"))
    result = []
    for item in value:
        if not isinstance(item, str):
            raise ValueError(_("doit être une liste de noms"))
        item = text_value(item, multiline=False)
        if item.strip() and item.strip() not in result:
            result.append(item.strip())
    return result


VENDOR_FIELDS: dict[str, Converter] = {
    "name": text(200),
    "country": country(nullable=True),
    "dpa_status": enum(DpaStatus),
    "dpa_signed_on": day,
    "dpa_reference": text(200),
    "certifications": text(500),
    "contact": text(500),
    "notes": text(),
}

APPLICATION_FIELDS: dict[str, Converter] = {
    "name": text(200),
    "vendor_id": IDENTIFIER,
    "domain": text(100),
    "description": text(),
    "software_version": text(100),
    "status": enum(ApplicationStatus),
    "owner": text(200),
    "hosting": enum(Hosting),
    "hosting_country": country(nullable=False),
    "outside_eu_safeguard": text(500),
    "hds_required": boolean(nullable=False),
    "hds_certified": boolean(nullable=True),
    "availability": NEED_LEVEL,
    "integrity": NEED_LEVEL,
    "confidentiality": NEED_LEVEL,
    "traceability": NEED_LEVEL,
    "rto_hours": HOURS,
    "rpo_hours": HOURS,
    "notes": text(),
}

DEPLOYMENT_FIELDS: dict[str, Converter] = {
    "since": day,
    "functions": names,
    "hosting": enum(Hosting, nullable=True),
    "notes": text(),
}
DEPLOYMENT_CREATE_FIELDS: dict[str, Converter] = {
    "organisation_id": IDENTIFIER,
    "application_id": IDENTIFIER,
    **DEPLOYMENT_FIELDS,
}

INTERFACE_FIELDS: dict[str, Converter] = {
    "source_application_id": IDENTIFIER,
    "target_application_id": IDENTIFIER,
    "direction": enum(InterfaceDirection),
    "data": text(500),
    "protocol": text(200),
    "frequency": text(100),
    "notes": text(),
}


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


def clean_functions(value, default_domain: str | None) -> list[tuple[str, str]]:
    """(domain, name) pairs, in order, without duplicates, from (domain, name) pairs,
    {"domain", "name"} dicts or bare names (taken to be in `default_domain`)."""
    if is_blank(value):
        return []
    if not isinstance(value, list | tuple):
        raise FieldErrors({"functions": _("doit être une liste")})
    pairs: list[tuple[str, str]] = []
    for item in value:
        if isinstance(item, str):
            domain, name = default_domain, item
        elif isinstance(item, Mapping):
            domain, name = item.get("domain") or default_domain, item.get("name")
        elif isinstance(item, list | tuple) and len(item) == 2:
            domain, name = item
        else:
            raise FieldErrors(
                {"functions": _("chaque fonctionnalité est un nom ou une paire {domain, name}")}
            )
        try:
            domain, name = text(100)(domain), text(200)(name)
        except ValueError as error:
            raise FieldErrors({"functions": str(error)}) from None
        if not name:
            raise FieldErrors({"functions": _("une fonctionnalité doit avoir un nom")})
        if not domain:
            raise FieldErrors(
                {
                    "functions": _(
                        "la fonctionnalité « %(name)s » doit avoir un domaine métier", name=name
                    )
                }
            )
        if (domain, name) not in pairs:
            pairs.append((domain, name))
    return pairs
