"""The editable fields of a processing activity and of its child rows, and how a submitted value
becomes a column value (the converters of the application map, plus the DPIA code lists).

Services, the importer and the API clean their input here, so a value is accepted or refused the
same way whichever door it came in by."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from registers.applications.fields import (
    Converter,
    FieldErrors,
    boolean,
    clean,
    country,
    day,
    enum,
    text,
    whole_number,
)
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
