"""The editable fields of a processing activity and of its child rows, and how a submitted value
becomes a column value (the converters of the application map, plus the DPIA code lists).

Services, the importer and the API clean their input here, so a value is accepted or refused the
same way whichever door it came in by."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _

from compliance.services import FieldErrors
from compliance.text import INT_MAX, ONE_LINE, text_value
from compliance.types import FALSE_WORDS, TRUE_WORDS, is_blank
from compliance.types import parse_day as day
from registers.processing.reference import (
    DPIA_CATALOGUES,
    Art9Condition,
    DataCategory,
    DpiaStatus,
    FinalFate,
    LegalBasis,
    ProcessingRole,
    RecipientType,
    SecurityFamily,
    SpecialCategory,
    SubjectCategory,
    TransferSafeguard,
)

__all__ = ["FieldErrors", "clean"]

# --- converters (formerly the application map's field converters) --------------------------

Converter = Callable[[Any], Any]


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


def codes(enum_cls) -> Converter:
    """A list of codes of enum_cls: a list, or text separated by `;`, commas or new lines."""

    def convert(value):
        if value is None or (isinstance(value, str) and not value.strip()):
            return []
        if isinstance(value, str):
            value = value.replace(",", ";").replace("\n", ";").split(";")
        if not isinstance(value, list | tuple | set):
            raise ValueError(_("doit être une liste de codes"))
        result = []
        for item in value:
            code = str(getattr(item, "value", item)).strip()
            if not code:
                continue
            try:
                member = enum_cls(code)
            except ValueError:
                raise ValueError(_("code inconnu : « %(code)s »", code=code)) from None
            if member.value not in result:
                result.append(member.value)
        # Stored in catalogue order, so that equal selections compare equal.
        return [m.value for m in enum_cls if m.value in result]

    return convert


def identifiers(value) -> list[int]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return []
    if isinstance(value, str):
        value = value.replace(",", ";").split(";")
    if not isinstance(value, list | tuple | set):
        raise ValueError(_("doit être une liste d'identifiants"))
    convert = whole_number(1)
    result = []
    for item in value:
        number = convert(item)
        if number is not None and number not in result:
            result.append(number)
    return result


ACTIVITY_FIELDS: dict[str, Converter] = {
    "reference": text(50),
    "name": text(300),
    "description": text(),
    "responsible_service": text(200),
    "contact": text(2000),
    "role": enum(ProcessingRole),
    "other_controllers": text(),
    "joint_arrangement": text(),
    "criminal_data": boolean(nullable=False),
    "criminal_data_basis": text(),
    "nir_used": boolean(nullable=False),
    "nir_legal_text": text(),
    **{name: codes(enum_cls) for name, enum_cls in DPIA_CATALOGUES.items()},
    "dpia_screening_notes": text(),
    "dpia_status": enum(DpiaStatus),
    "dpia_done_on": day,
    "dpia_conclusion": text(),
    "dpia_dpo_opinion": text(),
    "dpia_next_review_on": day,
    "last_review_on": day,
    "next_review_on": day,
}

# Child collections: name in the input -> (row fields, required fields).
CHILD_FIELDS: dict[str, tuple[dict[str, Converter], tuple[str, ...]]] = {
    "purposes": (
        {
            "description": text(),
            "is_main": boolean(nullable=True),
            "legal_basis": enum(LegalBasis, nullable=True),
            "legal_text": text(),
        },
        ("description",),
    ),
    "data_categories": (
        {
            "category": enum(DataCategory),
            "description": text(),
            "active_period": text(300),
            "intermediate_period": text(300),
            "final_fate": enum(FinalFate, nullable=True),
            "retention_source": text(500),
            "retention_criterion": text(),
        },
        ("category",),
    ),
    "special_categories": (
        {
            "category": enum(SpecialCategory),
            "condition": enum(Art9Condition, nullable=True),
            "details": text(),
        },
        ("category",),
    ),
    "subjects": (
        {
            "category": enum(SubjectCategory),
            "details": text(500),
            "estimated_number": whole_number(0),
        },
        ("category",),
    ),
    "recipients": (
        {
            "recipient_type": enum(RecipientType),
            "name": text(300),
            "details": text(),
            "vendor_id": whole_number(1),
        },
        ("recipient_type", "name"),
    ),
    "transfers": (
        {
            "recipient": text(300),
            "country": country(nullable=False),
            "safeguard": enum(TransferSafeguard, nullable=True),
            "documentation_url": text(500),
            "details": text(),
        },
        ("recipient", "country"),
    ),
    "security_measures": (
        {"family": enum(SecurityFamily), "details": text()},
        ("family", "details"),
    ),
}


def clean_rows(name: str, rows: Any) -> list[dict]:
    """The rows of one child collection, cleaned; FieldErrors keyed `name[i].field`."""
    spec, required = CHILD_FIELDS[name]
    if rows is None:
        return []
    if not isinstance(rows, list | tuple):
        raise FieldErrors({name: _("doit être une liste")})
    cleaned_rows, errors = [], {}
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            errors[f"{name}[{index}]"] = _("doit être un objet")
            continue
        cleaned, row_errors = clean(spec, row)
        for field in required:
            if cleaned.get(field) in (None, "") and field not in row_errors:
                row_errors[field] = _("est obligatoire")
        errors.update({f"{name}[{index}].{k}": v for k, v in row_errors.items()})
        cleaned_rows.append(cleaned)
    if errors:
        raise FieldErrors(errors)
    return cleaned_rows
