"""The application map's entities, declared once: vendors, applications, deployments and
interfaces. Each has its base (the shared fields, their types and constraints, which the table
in models.py inherits), what a write accepts (`XCreate`, `XUpdate`), what the API answers
(`XRead`) and, for the API's PATCH, the version read and the archive switch (`XPatch`).

The pages, the API, the spreadsheet import, the CLI and the demo all hand their values to these
schemas, so a value is accepted or refused the same way, with the same message, whichever door
it came in by. Rules that need the database (a duplicate name, a visible reference, the
functions an application offers) stay in services.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import (
    AliasChoices,
    BeforeValidator,
    StrictBool,
    StrictInt,
)
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from compliance.db import str_enum
from compliance.enums import LabeledEnum
from compliance.schemas import (
    Input,
    Output,
    Query,
    partial,
)
from compliance.text import text_value
from compliance.types import (
    MESSAGES,
    Code,
    Country,
    Day,
    Flag,
    Id,
    Line,
    Stamp,
    Switch,
    Text,
    VendorName,
    WholeNumber,
    is_blank,
)

DEFAULT_COUNTRY = "FR"
# ISO 3166-1 alpha-2 codes of the EU and EEA: hosting elsewhere needs an Art. 46 safeguard.
_EEA = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK IS LI NO"
EEA_COUNTRIES = frozenset(_EEA.split(" "))
NEED_LEVELS = (1, 2, 3, 4)
SECURITY_NEEDS = ("availability", "integrity", "confidentiality", "traceability")


# --- closed lists -----------------------------------------------------------------------------


class ApplicationStatus(LabeledEnum):
    IN_SERVICE = "in_service"
    DEPLOYING = "deploying"
    RETIRED = "retired"

    @classmethod
    def __labels__(cls):
        return {
            cls.IN_SERVICE: _l("En service"),
            cls.DEPLOYING: _l("En cours de déploiement"),
            cls.RETIRED: _l("Retirée"),
        }


class Hosting(LabeledEnum):
    SYNDICATE_DATACENTER = "syndicate_datacenter"
    MEMBER_SITE = "member_site"
    VENDOR_SAAS = "vendor_saas"
    OTHER_PROVIDER = "other_provider"

    @classmethod
    def __labels__(cls):
        return {
            cls.SYNDICATE_DATACENTER: _l("Datacenter du syndicat"),
            cls.MEMBER_SITE: _l("Site du membre"),
            cls.VENDOR_SAAS: _l("SaaS de l'éditeur"),
            cls.OTHER_PROVIDER: _l("Autre hébergeur"),
        }


class DpaStatus(LabeledEnum):
    """State of the Art. 28 GDPR processing agreement with the vendor."""

    NONE = "none"
    REQUESTED = "requested"
    SIGNED = "signed"
    NOT_APPLICABLE = "not_applicable"

    @classmethod
    def __labels__(cls):
        return {
            cls.NONE: _l("Aucun"),
            cls.REQUESTED: _l("Demandé"),
            cls.SIGNED: _l("Signé"),
            cls.NOT_APPLICABLE: _l("Sans objet"),
        }

    @property
    def is_agreement(self) -> bool:
        """Whether the vendor's processing is covered (Art. 28(3) GDPR): an agreement signed,
        or none needed; "none" and "requested" leave the processing without one."""
        return self in AGREEMENT_IN_PLACE


# The states of DpaStatus that cover a vendor acting as processor (Art. 28(3) GDPR).
AGREEMENT_IN_PLACE = frozenset({DpaStatus.SIGNED, DpaStatus.NOT_APPLICABLE})


class InterfaceDirection(LabeledEnum):
    ONE_WAY = "one_way"
    TWO_WAY = "two_way"

    @classmethod
    def __labels__(cls):
        return {
            cls.ONE_WAY: _l("Unidirectionnel"),
            cls.TWO_WAY: _l("Bidirectionnel"),
        }


# --- value types of this register -------------------------------------------------------------


def _names(value) -> list[str]:
    """A list of names: a list, or text separated by semicolons or new lines."""
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
        item = text_value(item, multiline=False).strip()
        if item and item not in result:
            result.append(item)
    return result


def _line(value, max_length: int) -> str | None:
    if is_blank(value):
        return None
    value = text_value(value, multiline=False).strip()
    if len(value) > max_length:
        raise ValueError(_("%(max)d caractères au plus", max=max_length))
    return value or None


def _functions(value) -> list[tuple[str | None, str | None]]:
    """(domain, name) pairs from (domain, name) pairs, {"domain", "name"} objects or bare
    names (domain None: the application's main domain, which services.py fills in; a blank
    name is refused there, with the domain a pair leaves blank)."""
    if is_blank(value):
        return []
    if not isinstance(value, list | tuple):
        raise ValueError(str(MESSAGES["list"]))
    pairs = []
    for item in value:
        if isinstance(item, str):
            domain, name = None, _line(item, 200)
        elif isinstance(item, Mapping):
            domain, name = _line(item.get("domain"), 100), _line(item.get("name"), 200)
        elif isinstance(item, list | tuple) and len(item) == 2:
            # A pair states its domain: a blank one is not the main domain.
            domain, name = _line(item[0], 100) or "", _line(item[1], 200)
        else:
            raise ValueError(_("chaque fonctionnalité est un nom ou une paire {domain, name}"))
        pairs.append((domain, name))
    return pairs


# Names of an application's functions a member uses (a list, or text split on ; or lines).
Names = Annotated[list[str], BeforeValidator(_names)]
# An application's functions, as given: (domain or None, name) pairs.
Functions = Annotated[list[tuple[str | None, str | None]], BeforeValidator(_functions)]


# --- vendors ----------------------------------------------------------------------------------


class VendorBase(SQLModel):
    name: VendorName = Field(max_length=200, nullable=False)
    country: Country | None = Field(default=None, max_length=2)
    dpa_status: Code[DpaStatus] = Field(
        default=DpaStatus.NONE, sa_type=str_enum(DpaStatus), nullable=False
    )
    dpa_signed_on: Day | None = None
    dpa_reference: Line | None = Field(default=None, max_length=200)
    certifications: Text | None = Field(default=None, max_length=500)
    contact: Text | None = Field(default=None, max_length=500)
    notes: Text | None = None


class VendorCreate(VendorBase, Input):
    """A vendor of the shared catalogue."""


VendorUpdate = partial(VendorCreate)
VendorUpdate.__required__ |= {"dpa_status"}


# --- applications -----------------------------------------------------------------------------


class ApplicationBase(SQLModel):
    name: Line = Field(max_length=200, nullable=False)
    vendor_id: Id | None = Field(default=None, foreign_key="vendor.id", index=True)
    domain: Line | None = Field(default=None, max_length=100, index=True)
    description: Text | None = None
    # `version` is the optimistic-locking counter of every record: this is the software's.
    software_version: Line | None = Field(default=None, max_length=100)
    status: Code[ApplicationStatus] = Field(
        default=ApplicationStatus.IN_SERVICE, sa_type=str_enum(ApplicationStatus), nullable=False
    )
    owner: Line | None = Field(default=None, max_length=200)
    hosting: Code[Hosting] = Field(
        default=Hosting.SYNDICATE_DATACENTER, sa_type=str_enum(Hosting), nullable=False
    )
    hosting_country: Country = Field(default=DEFAULT_COUNTRY, max_length=2, nullable=False)
    outside_eu_safeguard: Text | None = Field(default=None, max_length=500)
    hds_required: Flag = Field(default=False, nullable=False)
    hds_certified: Flag | None = None
    availability: WholeNumber | None = Field(default=None, ge=1, le=4)
    integrity: WholeNumber | None = Field(default=None, ge=1, le=4)
    confidentiality: WholeNumber | None = Field(default=None, ge=1, le=4)
    traceability: WholeNumber | None = Field(default=None, ge=1, le=4)
    rto_hours: WholeNumber | None = Field(default=None, ge=0)
    rpo_hours: WholeNumber | None = Field(default=None, ge=0)
    notes: Text | None = None


class ApplicationCreate(ApplicationBase, Input):
    """An application of the shared catalogue, with its business functions. `vendor_name`
    names its vendor (created if new) when `vendor_id` is not given."""

    functions: Functions = []
    vendor_name: VendorName | None = Field(default=None, max_length=200)


ApplicationUpdate = partial(ApplicationCreate)
# Columns that hold a value: an update may leave them out, not blank them.
ApplicationUpdate.__required__ |= {"status", "hosting", "hosting_country", "hds_required"}


# --- deployments ------------------------------------------------------------------------------


class DeploymentBase(SQLModel):
    since: Day | None = None
    # Overrides the application's hosting for this member (None: as the application).
    hosting: Code[Hosting] | None = Field(default=None, sa_type=str_enum(Hosting))
    notes: Text | None = None


class DeploymentCreate(DeploymentBase, Input):
    """A member organisation's use of an application; `functions` names the application's
    functions it uses (none: all of them)."""

    organisation_id: Id
    application_id: Id
    functions: Names = []


class DeploymentChanges(DeploymentBase, Input):
    """What an edit may change: not its organisation or application (archive it and create
    another)."""

    functions: Names = []


DeploymentUpdate = partial(DeploymentChanges, "DeploymentUpdate")


# --- interfaces -------------------------------------------------------------------------------


class InterfaceBase(SQLModel):
    source_application_id: Id = Field(
        foreign_key="application.id", nullable=False, index=True, ondelete="CASCADE"
    )
    target_application_id: Id = Field(
        foreign_key="application.id", nullable=False, index=True, ondelete="CASCADE"
    )
    direction: Code[InterfaceDirection] = Field(
        default=InterfaceDirection.ONE_WAY, sa_type=str_enum(InterfaceDirection), nullable=False
    )
    data: Text | None = Field(default=None, max_length=500)
    protocol: Line | None = Field(default=None, max_length=200)
    frequency: Line | None = Field(default=None, max_length=100)
    notes: Text | None = None


class InterfaceCreate(InterfaceBase, Input):
    """A data flow between two applications of the catalogue."""


InterfaceUpdate = partial(InterfaceCreate)
InterfaceUpdate.__required__ |= {"direction"}


# --- the API's PATCH: the version read, the archive switch -----------------------------------


class Versioned(Input):
    version: StrictInt = PydanticField(description="The version read (optimistic locking).")
    archived: StrictBool | None = PydanticField(
        default=None, description="true archives the record, false restores it."
    )


CONTROL = frozenset(Versioned.model_fields)


class VendorPatch(Versioned, VendorUpdate):
    """A vendor's changes, the version read and the archive switch."""


class ApplicationPatch(Versioned, ApplicationUpdate):
    """An application's changes, the version read and the archive switch."""


class DeploymentPatch(Versioned, DeploymentUpdate):
    """A deployment's changes, the version read and the archive switch."""


class InterfacePatch(Versioned, InterfaceUpdate):
    """An interface's changes, the version read and the archive switch."""


# --- list filters ---------------------------------------------------------------------------


class Filters(Query):
    """A list's filters, from a query string (`from_args`) or given by the code; a bad sort
    is named first."""

    __first__ = ("sort",)


SORT_KEYS = ("name", "domain", "vendor", "status", "updated")


def _sort(value) -> str:
    if is_blank(value):
        return "name"
    value = str(value).strip()
    if value.lstrip("-") not in SORT_KEYS:
        allowed = ", ".join(SORT_KEYS)
        raise ValueError(_("doit être l'une des valeurs : %(allowed)s", allowed=allowed))
    return value


class ApplicationFilters(Filters):
    """Filters of the list of applications."""

    q: Line | None = PydanticField(default=None, description="name, vendor or function")
    domain: Line | None = None
    vendor_id: WholeNumber | None = None
    hosting: Code[Hosting] | None = None
    organisation_id: WholeNumber | None = PydanticField(
        default=None, description="deployed in this organisation"
    )
    status: Code[ApplicationStatus] | None = None
    include_archived: Switch = False
    sort: Annotated[str, BeforeValidator(_sort)] = PydanticField(
        default="name",
        description="name, domain, vendor, status or updated; a leading - sorts descending",
    )


class VendorFilters(Filters):
    """Filters of the list of vendors."""

    q: Line | None = None
    dpa_status: Code[DpaStatus] | None = None
    without_agreement: Switch = PydanticField(
        default=False,
        description="only the vendors with no Art. 28 agreement (none, or requested only)",
    )
    include_archived: Switch = False


class DeploymentFilters(Filters):
    """Filters of the list of deployments."""

    application_id: WholeNumber | None = None
    organisation_id: WholeNumber | None = None
    include_archived: Switch = False


class InterfaceFilters(Filters):
    """Filters of the list of interfaces."""

    application_id: WholeNumber | None = PydanticField(
        default=None, description="from or to this application"
    )


# --- answers ----------------------------------------------------------------------------------


class RecordRead(Output):
    id: int
    archived: bool = PydanticField(validation_alias=AliasChoices("archived", "is_archived"))
    archived_at: Stamp | None
    version: int
    created_at: Stamp
    updated_at: Stamp


class NamedRef(Output):
    id: int
    name: str


class OrganisationRef(Output):
    id: int
    slug: str
    name: str


class FunctionRead(Output):
    domain: str
    name: str


class VendorRead(VendorBase, RecordRead):
    """A vendor of the shared catalogue."""

    key: str


class VendorDetail(VendorRead):
    """A vendor and the applications of it the token's user sees."""

    applications: list[NamedRef]


class DeploymentRead(DeploymentBase, RecordRead):
    """A member organisation's use of an application."""

    organisation_id: int
    organisation: OrganisationRef | None
    application_id: int
    application: NamedRef | None
    functions: list[str]
    effective_hosting: Hosting


class InterfaceRead(InterfaceBase, RecordRead):
    """A data flow between two applications."""

    source: NamedRef | None
    target: NamedRef | None


class ApplicationRead(ApplicationBase, RecordRead):
    """An application of the shared catalogue."""

    vendor: NamedRef | None
    functions: list[FunctionRead]


class ApplicationDetail(ApplicationRead):
    """An application, its deployments and interfaces the token's user sees."""

    deployments: list[DeploymentRead]
    interfaces: list[InterfaceRead]


__all__ = [
    "AGREEMENT_IN_PLACE",
    "DEFAULT_COUNTRY",
    "EEA_COUNTRIES",
    "NEED_LEVELS",
    "SECURITY_NEEDS",
    "ApplicationCreate",
    "ApplicationDetail",
    "ApplicationFilters",
    "ApplicationPatch",
    "ApplicationRead",
    "ApplicationStatus",
    "ApplicationUpdate",
    "DeploymentCreate",
    "DeploymentFilters",
    "DeploymentPatch",
    "DeploymentRead",
    "DeploymentUpdate",
    "DpaStatus",
    "Hosting",
    "InterfaceCreate",
    "InterfaceDirection",
    "InterfaceFilters",
    "InterfacePatch",
    "InterfaceRead",
    "InterfaceUpdate",
    "VendorCreate",
    "VendorDetail",
    "VendorFilters",
    "VendorPatch",
    "VendorRead",
    "VendorUpdate",
]
