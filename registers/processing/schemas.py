"""The fields of a processing activity and of its child rows, declared once: the tables inherit
the `*Base` classes, writes are checked by `ActivityCreate` / `ActivityUpdate`, the API answers
`ActivityRead`, lists are filtered by `ActivityFilters`.

A template activity (the DPO's "traitement type", kept in the host organisation and applied to
members) is an activity like any other: the same schemas check it.

Child collections (purposes, data categories, ...) replace the stored rows as a whole; their
errors are named `purposes[0].description`, as the pages and the API have always named them.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Annotated, Any, ClassVar

from flask_babel import gettext as _
from pydantic import BeforeValidator, ConfigDict, TypeAdapter, ValidationError
from sqlmodel import Field, SQLModel

from compliance.db import str_enum
from compliance.schemas import (
    FieldErrors,
    Input,
    Output,
    Query,
    partial,
    validate,
)
from compliance.text import MAX_ID
from compliance.types import (
    Code,
    Country,
    Day,
    Flag,
    Id,
    Line,
    Stamp,
    Switch,
    Text,
    WholeNumber,
    is_blank,
)
from registers.processing.reference import (
    DPIA_CATALOGUES,
    Art9Condition,
    DataCategory,
    DpiaStatus,
    FinalFate,
    LegalBasis,
    ProcessingRole,
    ProcessingStatus,
    RecipientType,
    SecurityFamily,
    SpecialCategory,
    SubjectCategory,
    TransferSafeguard,
)

# --- value types of this register -----------------------------------------------------------


def _codes(enum_cls):
    """A list of codes of enum_cls: a list, or text separated by `;`, commas or new lines;
    stored in catalogue order, so that equal selections compare equal."""

    def convert(value):
        if is_blank(value):
            return []
        if isinstance(value, str):
            value = value.replace(",", ";").replace("\n", ";").split(";")
        if not isinstance(value, list | tuple | set):
            raise ValueError(_("doit être une liste de codes"))
        chosen = set()
        for item in value:
            code = str(getattr(item, "value", item)).strip()
            if not code:
                continue
            try:
                chosen.add(enum_cls(code).value)
            except ValueError:
                raise ValueError(_("code inconnu : « %(code)s »", code=code)) from None
        return [member.value for member in enum_cls if member.value in chosen]

    return convert


def Codes(enum_cls):
    """The type of a list of codes of enum_cls (the DPIA screening's catalogues)."""
    return Annotated[list[str], BeforeValidator(_codes(enum_cls))]


def _identifiers(value):
    """Record ids: a list, or text separated by `;` or commas; in order, without duplicates."""
    if is_blank(value):
        return []
    if isinstance(value, str):
        value = value.replace(",", ";").split(";")
    if not isinstance(value, list | tuple | set):
        raise ValueError(_("doit être une liste d'identifiants"))
    result = []
    for item in value:
        if is_blank(item):
            continue
        number = _whole_id(item)
        if number not in result:
            result.append(number)
    return result


def _whole_id(item):
    try:
        number = float(item.strip().replace(",", ".")) if isinstance(item, str) else item
        if isinstance(number, bool) or number != int(number):
            raise ValueError
        number = int(number)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(_("doit être un identifiant")) from None
    if not 1 <= number <= MAX_ID:
        raise ValueError(_("doit être un identifiant"))
    return number


Identifiers = Annotated[list[int], BeforeValidator(_identifiers)]


# --- child rows -------------------------------------------------------------------------------


class Row(Input):
    """A child row as a write gives it: keys it does not know are left aside, as always."""

    model_config = ConfigDict(extra="ignore")


class PurposeBase(SQLModel):
    """A purpose (the main one or a sub-purpose) with its Art. 6(1) legal basis."""

    description: Text = Field(nullable=False)
    is_main: Flag = Field(default=False, nullable=False)
    legal_basis: Code[LegalBasis] | None = Field(default=None, sa_type=str_enum(LegalBasis))
    # The text it rests on: for a public body usually a code article.
    legal_text: Text | None = None


class PurposeRow(PurposeBase, Row):
    # Not given: the first row becomes the main purpose.
    is_main: Flag | None = None


class DataCategoryBase(SQLModel):
    """A category of personal data of the CNIL's list, with its retention."""

    category: Code[DataCategory] = Field(sa_type=str_enum(DataCategory), nullable=False)
    description: Text | None = None
    active_period: Line | None = Field(default=None, max_length=300)
    # Durée d'utilité administrative: the intermediate archive period.
    intermediate_period: Line | None = Field(default=None, max_length=300)
    final_fate: Code[FinalFate] | None = Field(default=None, sa_type=str_enum(FinalFate))
    # The archives instruction or law the periods come from.
    retention_source: Text | None = Field(default=None, max_length=500)
    # When no period can be given: the criterion that ends the retention.
    retention_criterion: Text | None = None


class DataCategoryRow(DataCategoryBase, Row):
    pass


class SpecialCategoryBase(SQLModel):
    """Special-category data (Art. 9(1)) and the Art. 9(2) condition that allows it."""

    category: Code[SpecialCategory] = Field(sa_type=str_enum(SpecialCategory), nullable=False)
    condition: Code[Art9Condition] | None = Field(default=None, sa_type=str_enum(Art9Condition, 1))
    details: Text | None = None


class SpecialCategoryRow(SpecialCategoryBase, Row):
    pass


class SubjectBase(SQLModel):
    """A category of data subjects and their estimated number."""

    category: Code[SubjectCategory] = Field(sa_type=str_enum(SubjectCategory), nullable=False)
    details: Text | None = Field(default=None, max_length=500)
    estimated_number: WholeNumber | None = Field(default=None, ge=0)


class SubjectRow(SubjectBase, Row):
    pass


class RecipientBase(SQLModel):
    """A recipient of the data, by type; a processor may be a vendor of the application map."""

    recipient_type: Code[RecipientType] = Field(sa_type=str_enum(RecipientType), nullable=False)
    name: Line = Field(max_length=300, nullable=False)
    details: Text | None = None


class RecipientRow(RecipientBase, Row):
    vendor_id: Id | None = None


class TransferBase(SQLModel):
    """A transfer of data outside the European Union."""

    recipient: Line = Field(max_length=300, nullable=False)
    country: Country = Field(max_length=2, nullable=False)
    safeguard: Code[TransferSafeguard] | None = Field(
        default=None, sa_type=str_enum(TransferSafeguard)
    )
    documentation_url: Text | None = Field(default=None, max_length=500)
    details: Text | None = None


class TransferRow(TransferBase, Row):
    pass


class SecurityMeasureBase(SQLModel):
    """A security measure in one of the CNIL's seven families."""

    family: Code[SecurityFamily] = Field(sa_type=str_enum(SecurityFamily), nullable=False)
    details: Text = Field(nullable=False)


class SecurityMeasureRow(SecurityMeasureBase, Row):
    pass


# Child collection (the activity's relationship) -> the schema of one of its rows.
ROWS: dict[str, type[Row]] = {
    "purposes": PurposeRow,
    "data_categories": DataCategoryRow,
    "special_categories": SpecialCategoryRow,
    "subjects": SubjectRow,
    "recipients": RecipientRow,
    "transfers": TransferRow,
    "security_measures": SecurityMeasureRow,
}


def row_fields(name: str) -> tuple[str, ...]:
    """The fields of a row of the collection `name`, in order."""
    return tuple(ROWS[name].model_fields)


def required_fields(name: str) -> tuple[str, ...]:
    """The fields a row of the collection `name` cannot leave blank."""
    return tuple(key for key, info in ROWS[name].model_fields.items() if info.is_required())


def check_rows(name: str, rows: list) -> list[dict]:
    """The rows of the collection `name` checked as a write checks them; FieldErrors
    otherwise."""
    return [check(ROWS[name], row).model_dump() for row in rows]


@cache
def _row_adapter(name: str, key: str) -> TypeAdapter:
    info = ROWS[name].model_fields[key]
    if not info.metadata:
        return TypeAdapter(info.annotation)
    return TypeAdapter(Annotated[info.annotation, *info.metadata])


def row_value(name: str, key: str, value):
    """A stored value of a row's field as a write gives it (a code back to its enumeration's
    member); the value itself when it is not one a write accepts."""
    if value in (None, "") or key not in ROWS[name].model_fields:
        return value
    try:
        return _row_adapter(name, key).validate_python(value)
    except ValidationError:
        return value


# --- the activity -----------------------------------------------------------------------------


class ActivityBase(SQLModel):
    """The editable fields of an activity (the CNIL's "fiche de registre"). The contact (an
    encrypted column) and the DPIA screening's code lists (JSON columns) are declared on the
    table and in `ActivityCreate`."""

    reference: Line = Field(max_length=50, nullable=False)
    name: Line = Field(max_length=300, nullable=False)
    description: Text | None = None
    responsible_service: Line | None = Field(default=None, max_length=200)

    role: Code[ProcessingRole] = Field(
        default=ProcessingRole.CONTROLLER, sa_type=str_enum(ProcessingRole), nullable=False
    )
    # Joint controllers (or, for a processor, the controllers it acts for) and the arrangement.
    other_controllers: Text | None = None
    joint_arrangement: Text | None = None
    # Art. 14: some data are not collected from the person, and where they come from.
    indirect_collection: Flag = Field(default=False, nullable=False)
    data_source: Text | None = None

    criminal_data: Flag = Field(default=False, nullable=False)
    criminal_data_basis: Text | None = None
    nir_used: Flag = Field(default=False, nullable=False)
    nir_legal_text: Text | None = None

    dpia_screening_notes: Text | None = None
    dpia_status: Code[DpiaStatus] = Field(
        default=DpiaStatus.NOT_STARTED, sa_type=str_enum(DpiaStatus), nullable=False
    )
    dpia_done_on: Day | None = None
    dpia_conclusion: Text | None = None
    dpia_dpo_opinion: Text | None = None
    dpia_next_review_on: Day | None = None

    last_review_on: Day | None = None
    next_review_on: Day | None = None


class ActivityCreate(ActivityBase, Input):
    """A new activity: its name at least (the reference is drawn when not given); child
    collections and supporting applications as for an update."""

    # Not given: the next free reference (T-001, T-002, ...; MOD-001, ... for a template).
    reference: Line | None = Field(default=None, max_length=50)
    contact: Text | None = Field(default=None, max_length=2000)
    dpia_criteria: Codes(DPIA_CATALOGUES["dpia_criteria"]) = []
    dpia_cnil_types: Codes(DPIA_CATALOGUES["dpia_cnil_types"]) = []
    dpia_art35_cases: Codes(DPIA_CATALOGUES["dpia_art35_cases"]) = []
    purposes: list[PurposeRow] = []
    data_categories: list[DataCategoryRow] = []
    special_categories: list[SpecialCategoryRow] = []
    subjects: list[SubjectRow] = []
    recipients: list[RecipientRow] = []
    transfers: list[TransferRow] = []
    security_measures: list[SecurityMeasureRow] = []
    application_ids: Identifiers = []


ActivityUpdate = partial(ActivityCreate)
"""What an update changes: only the keys sent. Child collections replace the stored rows."""
# Fields a column needs: they may be left out of an update, never blanked.
ActivityUpdate.__required__ = frozenset(
    {"reference", "name", "role", "indirect_collection", "criminal_data", "nir_used", "dpia_status"}
)


class ActivityCreateBody(ActivityCreate):
    """What the API's creation takes: an activity and the organisation it belongs to."""

    organisation_id: Id | None = Field(default=None, description="or `organisation`")
    organisation: Line | None = Field(default=None, description="the organisation's slug")


class ActivityUpdateBody(ActivityUpdate):
    """What the API's update takes: the changes and the version read (409 if it moved)."""

    version: int


def check(schema: type[SQLModel], data: Any, *, ignore=()) -> Any:
    """`data` checked by `schema` (ActivityCreate, ActivityUpdate), FieldErrors otherwise; a
    child row's field is named `purposes[0].description`."""
    try:
        return validate(schema, data, ignore=ignore)
    except FieldErrors as error:
        errors = {_row_key(key): message for key, message in error.errors.items()}
        raise FieldErrors(errors) from None


def _row_key(key: str) -> str:
    return re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", key)


# --- what the API answers ---------------------------------------------------------------------


# Answers are read as stored, without the checks of a write: text kept from before the checks
# (a control character) is answered, not refused.


class PurposeRead(Output):
    description: str
    is_main: bool
    legal_basis: LegalBasis | None
    legal_text: str | None


class DataCategoryRead(Output):
    category: DataCategory
    description: str | None
    active_period: str | None
    intermediate_period: str | None
    final_fate: FinalFate | None
    retention_source: str | None
    retention_criterion: str | None


class SpecialCategoryRead(Output):
    category: SpecialCategory
    condition: Art9Condition | None
    details: str | None


class SubjectRead(Output):
    category: SubjectCategory
    details: str | None
    estimated_number: int | None


class RecipientRead(Output):
    recipient_type: RecipientType
    name: str
    details: str | None
    vendor_id: int | None


class TransferRead(Output):
    recipient: str
    country: str
    safeguard: TransferSafeguard | None
    documentation_url: str | None
    details: str | None


class SecurityMeasureRead(Output):
    family: SecurityFamily
    details: str


class Reference(Output):
    """A record named by an activity: its id and name."""

    id: int
    name: str


class OrganisationReference(Reference):
    slug: str


class MissingItem(Output):
    code: str
    label: str


class Completeness(Output):
    """How complete the fiche is (0-100) and what it lacks."""

    score: int
    missing: list[MissingItem]


class Warning(Output):
    code: str
    message: str


class Screening(Output):
    """The DPIA screening's result and its reasons."""

    required: bool
    reasons: list[str]


class InheritedMeasure(Output):
    """A security measure the activity inherits from an application's hosting."""

    family: str
    details: str
    application: str


class ActivityRead(Output):
    """An activity as the API answers it (its fields, its rows, what the register computes)."""

    id: int
    organisation_id: int
    reference: str
    name: str
    description: str | None
    responsible_service: str | None
    contact: str | None
    role: ProcessingRole
    other_controllers: str | None
    joint_arrangement: str | None
    indirect_collection: bool
    data_source: str | None
    criminal_data: bool
    criminal_data_basis: str | None
    nir_used: bool
    nir_legal_text: str | None
    dpia_criteria: list[str]
    dpia_cnil_types: list[str]
    dpia_art35_cases: list[str]
    dpia_screening_notes: str | None
    dpia_required: bool
    dpia_status: DpiaStatus
    dpia_done_on: date | None
    dpia_conclusion: str | None
    dpia_dpo_opinion: str | None
    dpia_next_review_on: date | None
    status: ProcessingStatus
    submitted_at: Stamp | None
    validated_at: Stamp | None
    dpo_remarks: str | None
    # Validated despite missing items: the DPO's reason and what was missing then.
    validation_override_reason: str | None = None
    validation_override_gaps: list[MissingItem] | None = None
    last_review_on: date | None
    next_review_on: date | None
    # A template activity (the DPO's), or the template an activity was copied from.
    is_model: bool
    model_id: int | None
    created_at: Stamp
    updated_at: Stamp
    version: int
    applications: list[Reference]
    purposes: list[PurposeRead]
    data_categories: list[DataCategoryRead]
    special_categories: list[SpecialCategoryRead]
    subjects: list[SubjectRead]
    recipients: list[RecipientRead]
    transfers: list[TransferRead]
    security_measures: list[SecurityMeasureRead]
    organisation: OrganisationReference
    completeness: Completeness
    warnings: list[Warning]

    # What the register computes, beside the activity's own fields.
    COMPUTED: ClassVar[frozenset[str]] = frozenset({"organisation", "completeness", "warnings"})


class ActivityDetail(ActivityRead):
    """One activity: with its DPIA screening, the measures it inherits and, for a copy of a
    template, the fields it changed."""

    dpia_screening: Screening
    inherited_measures: list[InheritedMeasure]
    divergence: list[str] | None = None


# Keys an answer holds that no write takes: a client may send them back, they are ignored (the
# organisation and the version are read apart).
READ_ONLY = frozenset(
    set(ActivityDetail.model_fields)
    - set(ActivityCreate.model_fields)
    - {"organisation_id", "version"}
)


class ValidateBody(Row):
    """The DPO's validation: remarks and the next review (a year later when not given); other
    keys are left aside."""

    remarks: Text | None = None
    next_review_on: Day | None = None
    # Validating despite missing items (Art. 30 items, DPIA screening): the DPO's reason.
    override_reason: Text | None = Field(default=None, max_length=2000)


class SendBackBody(Row):
    """What the referent must correct; other keys are left aside."""

    remarks: Text


# --- published versions -----------------------------------------------------------------------


class VersionBase(SQLModel):
    """A published version of an organisation's register: what the DPO says of it."""

    # What changed since the previous version.
    note: Text | None = None


class VersionCreate(VersionBase, Input):
    """A publication: the DPO's note (the snapshot itself is taken, never given)."""

    note: Text | None = Field(default=None, max_length=2000)


# --- list filters -----------------------------------------------------------------------------


SORTS = ("reference", "name", "status", "updated", "organisation")


def _sort(value):
    value = "reference" if is_blank(value) else str(value).strip()
    if value.lstrip("-") not in SORTS:
        raise ValueError(_("doit être l'une des valeurs : %(allowed)s", allowed=", ".join(SORTS)))
    return value


class ActivityFilters(Query):
    """A list's filters (the query string of the register page and of the API)."""

    q: Line | None = None
    organisation_id: WholeNumber | None = None
    organisation: WholeNumber | None = Field(default=None, description="organisation_id")
    status: Code[ProcessingStatus] | None = None
    application_id: WholeNumber | None = None
    application: WholeNumber | None = Field(default=None, description="application_id")
    dpia_required: Flag | None = None
    # Archived activities too (always with status=archived).
    include_archived: Switch = False
    # The DPO's template activities instead of the registers.
    models: Switch = False
    sort: Annotated[str, BeforeValidator(_sort)] = Field(
        default="reference",
        description="reference, name, status, updated, organisation; -x: descending",
    )

    def model_post_init(self, context: Any) -> None:
        # The short names (organisation, application) are the long ones'.
        if self.organisation_id is None and self.organisation is not None:
            self.organisation_id = self.organisation
        if self.application_id is None and self.application is not None:
            self.application_id = self.application
        self.organisation = self.application = None
        if self.status == ProcessingStatus.ARCHIVED:
            self.include_archived = True

    def as_args(self) -> dict:
        """The filters as query-string arguments (those not at their default)."""
        values = self.model_dump()
        return {
            key: str(value).lower()
            if isinstance(value, bool)
            else str(getattr(value, "value", value))
            for key, value in values.items()
            if value not in (None, False, "", "reference")
        }


__all__ = [
    "ROWS",
    "ActivityBase",
    "ActivityCreate",
    "ActivityCreateBody",
    "ActivityDetail",
    "ActivityFilters",
    "ActivityRead",
    "ActivityUpdate",
    "ActivityUpdateBody",
    "VersionBase",
    "VersionCreate",
    "check",
]
