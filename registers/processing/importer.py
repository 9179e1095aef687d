"""Importing processing activities of one organisation from a spreadsheet (XLSX or CSV) with the
columns of spreadsheet.py: all or nothing, with line-numbered errors.

Every row goes through the services, so a value is accepted or refused exactly as on the pages,
and every change is audited. A row whose reference exists in the organisation updates that
activity; any other row creates one. A column absent from the file, or an empty cell, leaves the
stored value alone. If any row is refused, nothing is written and every error is reported with
its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from compliance.admin.services import ServiceError
from compliance.permissions import Register
from compliance.tenancy import Organisation, is_operator, scope_condition
from registers.applications.models import Application, Vendor, normalise_key
from registers.applications.services import find_vendor
from registers.applications.tables import read_table
from registers.processing import services
from registers.processing.models import ProcessingActivity
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
from registers.processing.schemas import ActivityCreate, ActivityUpdate, FieldErrors, check
from registers.processing.spreadsheet import (
    COLUMNS,
    ITEM_SEPARATOR,
    PART_SEPARATOR,
    PARTS,
    split,
    unescape,
)

# Header (normalised) -> column key: the French header or the field's own name.
HEADERS = {
    **{normalise_key(column.header): column.key for column in COLUMNS},
    **{normalise_key(column.key): column.key for column in COLUMNS},
}
# Parts and scalar columns whose value is a code of a closed list.
WORD_LISTS = {
    "role": ProcessingRole,
    "dpia_status": DpiaStatus,
    ("purposes", "legal_basis"): LegalBasis,
    ("data_categories", "category"): DataCategory,
    ("data_categories", "final_fate"): FinalFate,
    ("special_categories", "category"): SpecialCategory,
    ("special_categories", "condition"): Art9Condition,
    ("subjects", "category"): SubjectCategory,
    ("recipients", "recipient_type"): RecipientType,
    ("transfers", "safeguard"): TransferSafeguard,
    ("security_measures", "family"): SecurityFamily,
}


@dataclass
class ImportResult:
    created: list[ProcessingActivity] = field(default_factory=list)
    updated: list[ProcessingActivity] = field(default_factory=list)
    unchanged: list[ProcessingActivity] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _word_index(enum_cls) -> dict[str, str]:
    """Normalised value, label (in French) and article letter -> the code."""
    index = {}
    for member in enum_cls:
        index[normalise_key(member.value)] = member.value
        index[normalise_key(member.label)] = member.value
    if enum_cls is LegalBasis:
        for member in LegalBasis:
            index[normalise_key(member.article)] = member.value
            index[normalise_key("art " + member.article)] = member.value
    return index


def _code(enum_cls, text: str, indexes: dict) -> str:
    """The code a word stands for; the word itself when unknown (the service refuses it)."""
    if enum_cls not in indexes:
        with force_locale("fr"):
            indexes[enum_cls] = _word_index(enum_cls)
    return indexes[enum_cls].get(normalise_key(text), text)


def _split(text: str, separator: str) -> list[str]:
    return split(text, separator)


def _rows_of(session: Session, key: str, text: str, indexes: dict, actor) -> list[dict]:
    rows = []
    for item in _split(text, ITEM_SEPARATOR):
        if not item:
            continue
        parts = [unescape(part) for part in _split(item, PART_SEPARATOR)]
        if len(parts) > len(PARTS[key]):
            raise FieldErrors(
                {
                    key: _(
                        "trop de parties dans « %(item)s » (%(count)d au plus)",
                        item=item,
                        count=len(PARTS[key]),
                    )
                }
            )
        row = {}
        for name, value in zip(PARTS[key], parts, strict=False):
            enum_cls = WORD_LISTS.get((key, name))
            row[name] = _code(enum_cls, value, indexes) if enum_cls and value else value
        if key == "recipients":
            _resolve_vendor(session, row, actor)
        rows.append(row)
    return rows


def _visible_vendor(session: Session, name: str, actor):
    """The vendor of that name, if the actor sees it (an invisible one is as good as unknown)."""
    vendor = find_vendor(session, name)
    if vendor is None or is_operator(actor):
        return vendor
    condition = scope_condition(Vendor, Register.APPLICATIONS, user=actor)
    visible = session.scalar(sa.select(Vendor.id).where(Vendor.id == vendor.id, condition))
    return vendor if visible is not None else None


def _resolve_vendor(session: Session, row: dict, actor) -> None:
    """A processor's vendor of the map: named in its own part, or by the recipient's name."""
    name = row.pop("vendor", None)
    vendor = _visible_vendor(session, name, actor) if name else None
    if name and vendor is None:
        raise FieldErrors(
            {
                "destinataires": _(
                    "aucun fournisseur « %(name)s » dans la cartographie applicative", name=name
                )
            }
        )
    if vendor is None and row.get("recipient_type") == RecipientType.PROCESSOR.value:
        vendor = _visible_vendor(session, row.get("name") or "", actor)
    row["vendor_id"] = vendor.id if vendor else None


def _application_ids(session: Session, text: str, actor) -> list[int]:
    names = [unescape(name) for name in _split(text, ITEM_SEPARATOR) if name]
    keys = {normalise_key(name): name for name in names}
    statement = sa.select(Application.name_key, Application.id).where(
        Application.name_key.in_(list(keys))
    )
    if not is_operator(actor):
        # An application the actor does not see is answered as one missing from the catalogue.
        statement = statement.where(scope_condition(Application, Register.APPLICATIONS, user=actor))
    found = dict(session.execute(statement).all())
    unknown = [name for key, name in keys.items() if key not in found]
    if unknown:
        raise FieldErrors(
            {"applications": _("absentes du catalogue : %(names)s", names=", ".join(unknown))}
        )
    return [found[key] for key in keys]


def row_data(session: Session, values: dict[str, str], indexes: dict, *, actor) -> dict:
    """A write's input for one row (`values`: column key -> non-empty cell text)."""
    data: dict = {}
    for key, text in values.items():
        if key in PARTS:
            data[key] = _rows_of(session, key, text, indexes, actor)
        elif key == "applications":
            data["application_ids"] = _application_ids(session, text, actor)
        elif key in DPIA_CATALOGUES:
            data[key] = [unescape(code) for code in _split(text, ITEM_SEPARATOR) if code]
        elif key in WORD_LISTS:
            data[key] = _code(WORD_LISTS[key], text, indexes)
        else:
            data[key] = text
    return data


def _header_keys(header: list[str]) -> tuple[list[str | None], list[str]]:
    keys, errors = [], []
    for cell in header:
        key = HEADERS.get(normalise_key(cell))
        if cell and key is None:
            errors.append(_("colonne inconnue : « %(column)s »", column=cell))
        if key is not None and key in keys:
            errors.append(_("la colonne « %(column)s » apparaît deux fois", column=cell))
        keys.append(key)
    if "name" not in keys and "reference" not in keys:
        errors.append(
            _(
                "le fichier doit avoir une colonne « nom » (ou « reference » pour mettre à jour "
                "des traitements)"
            )
        )
    return keys, errors


def _existing(session: Session, organisation: Organisation) -> dict[str, ProcessingActivity]:
    statement = sa.select(ProcessingActivity).where(
        ProcessingActivity.organisation_id == organisation.id,
        ProcessingActivity.is_model.is_(False),
    )
    return {a.reference: a for a in session.scalars(statement)}


def _messages(error: ServiceError) -> list[str]:
    if isinstance(error, FieldErrors):
        return [
            _("%(field)s : %(message)s", field=name, message=message)
            for name, message in error.errors.items()
        ]
    return [str(error)]


def import_activities(
    session: Session,
    organisation: Organisation,
    data: bytes,
    filename: str = "",
    *,
    actor,
    max_rows: int | None = None,
) -> ImportResult:
    """Create or update the organisation's activities from a file; nothing written on error.

    A file of more than `max_rows` rows (by default the IMPORT_MAX_ROWS setting) is refused
    before anything is written. Flushes, never commits: the caller commits when `result.ok`."""
    result = ImportResult()
    table = read_table(data, filename, max_rows=max_rows)
    if table.errors:
        result.errors = list(table.errors)
        return result
    keys, header_errors = _header_keys(table.header)
    if header_errors:
        result.errors = [(1, message) for message in header_errors]
        return result
    existing = _existing(session, organisation)
    seen: dict[str, int] = {}
    indexes: dict = {}
    savepoint = session.begin_nested()
    for line, cells in table.rows:
        values = {
            key: cell
            for key, cell in zip(keys, cells, strict=False)
            if key is not None and cell.strip()
        }
        reference = values.get("reference")
        if reference and reference in seen:
            result.errors.append(
                (
                    line,
                    _(
                        "référence « %(reference)s » déjà présente ligne %(line)d",
                        reference=reference,
                        line=seen[reference],
                    ),
                )
            )
            continue
        if reference:
            seen[reference] = line
        try:
            payload = row_data(session, values, indexes, actor=actor)
            activity = existing.get(reference) if reference else None
            if activity is not None:
                version = activity.version
                changes = check(ActivityUpdate, payload)
                services.update_processing(session, activity, changes, actor=actor)
                changed = activity.version != version
                (result.updated if changed else result.unchanged).append(activity)
            else:
                if "name" not in payload:
                    raise FieldErrors({"nom": _("est obligatoire pour un nouveau traitement")})
                values = check(ActivityCreate, payload)
                created = services.create_processing(session, organisation, values, actor=actor)
                result.created.append(created)
        except ServiceError as error:
            result.errors += [(line, message) for message in _messages(error)]
    if result.errors:
        savepoint.rollback()
        result.created, result.updated, result.unchanged = [], [], []
    else:
        savepoint.commit()
    return result
