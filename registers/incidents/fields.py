"""Converters of submitted values, kept only for registers/breaches/fields.py, which still
imports them: the incident log declares its own fields in schemas.py, checked by the kernel's
types (compliance/types.py). A converter returns the value or raises ValueError with a message
for the user. This module goes once the breach register stands on the kernel's schemas."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from compliance.text import MAX_ID, ONE_LINE, text_value
from registers.incidents.common import FieldErrors, as_utc

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
