"""The application map: the shared catalogue (applications, vendors, interfaces) and the
member-owned deployments."""

# No `from __future__ import annotations`: SQLModel resolves relationship annotations at
# class creation and needs them as real objects or quoted names.

import re
import unicodedata
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlmodel import JSON, Field, Relationship

from compliance.access import CATALOGUE_EDITOR, CATALOGUE_READER
from compliance.db import IdMixin, RecordMixin, UTCDateTime, str_enum
from compliance.enums import LabeledEnum
from compliance.permissions import Register
from compliance.tenancy import Organisation, Scope

DEFAULT_COUNTRY = "FR"
# ISO 3166-1 alpha-2 codes of the EU and EEA: hosting elsewhere needs an Art. 46 safeguard.
_EEA = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK IS LI NO"
EEA_COUNTRIES = frozenset(_EEA.split(" "))
NEED_LEVELS = (1, 2, 3, 4)
SECURITY_NEEDS = ("availability", "integrity", "confidentiality", "traceability")

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def normalise_key(text: str | None) -> str:
    """Lowercase ASCII letters and digits only: accents, case, punctuation and spaces ignored,
    so that `BERGER-LEVRAULT` and `Berger Levrault` give the same key."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_LIGATURES))
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "", ascii_text.lower())


def need_label(level: int | None) -> str:
    labels = {1: _l("Faible"), 2: _l("Moyen"), 3: _l("Fort"), 4: _l("Très fort")}
    return str(labels.get(level, "")) if level else ""


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


class InterfaceDirection(LabeledEnum):
    ONE_WAY = "one_way"
    TWO_WAY = "two_way"

    @classmethod
    def __labels__(cls):
        return {
            cls.ONE_WAY: _l("Unidirectionnel"),
            cls.TWO_WAY: _l("Bidirectionnel"),
        }


# How the shared catalogue (applications, vendors, interfaces) is scoped, beyond its rows'
# condition: the host's readers see it all, the host's editors write it, the organisation
# selector does not narrow it.
SHARED_CATALOGUE = {
    "everywhere": CATALOGUE_READER,
    "writer": CATALOGUE_EDITOR,
    "selector": False,
}


def deployed_in(organisations):
    """SELECT of the ids of the applications deployed (deployment not archived) in any of
    `organisations` (a subquery, or a few ids)."""
    return sa.select(Deployment.application_id).where(
        Deployment.organisation_id.in_(organisations), Deployment.archived_at.is_(None)
    )


class Vendor(RecordMixin, table=True):
    __tablename__ = "vendor"
    # The shared catalogue: the vendors of the applications the user sees.
    __scope__ = Scope(
        Register.APPLICATIONS,
        within=lambda organisations: Vendor.id.in_(
            sa.select(Application.vendor_id).where(Application.id.in_(deployed_in(organisations)))
        ),
        **SHARED_CATALOGUE,
    )

    name: str = Field(max_length=200, nullable=False)
    key: str = Field(max_length=200, nullable=False, unique=True, index=True)
    country: str | None = Field(default=None, max_length=2)
    dpa_status: DpaStatus = Field(
        default=DpaStatus.NONE, sa_type=str_enum(DpaStatus), nullable=False
    )
    dpa_signed_on: date | None = None
    dpa_reference: str | None = Field(default=None, max_length=200)
    certifications: str | None = Field(default=None, max_length=500)
    contact: str | None = Field(default=None, max_length=500)
    notes: str | None = None
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    applications: list["Application"] = Relationship(back_populates="vendor")

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


def _need_check(column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(
        f"{column} IS NULL OR ({column} >= 1 AND {column} <= 4)", name=f"{column}_level"
    )


class Application(RecordMixin, table=True):
    """One software of the catalogue the syndicate shares with its members."""

    __tablename__ = "application"
    # The shared catalogue: an organisation sees the applications it uses (a live deployment);
    # the host's readers see them all; the host's editors write it.
    __scope__ = Scope(
        Register.APPLICATIONS,
        within=lambda organisations: Application.id.in_(deployed_in(organisations)),
        **SHARED_CATALOGUE,
    )

    name: str = Field(max_length=200, nullable=False)
    # normalise_key(name): the catalogue's identity, so "SharePoint" and "SHAREPOINT" are one.
    name_key: str = Field(max_length=200, nullable=False, unique=True, index=True)
    vendor_id: int | None = Field(default=None, foreign_key="vendor.id", index=True)
    domain: str | None = Field(default=None, max_length=100, index=True)
    description: str | None = None
    # `version` is the optimistic-locking counter of every record: this is the software's.
    software_version: str | None = Field(default=None, max_length=100)
    status: ApplicationStatus = Field(
        default=ApplicationStatus.IN_SERVICE, sa_type=str_enum(ApplicationStatus), nullable=False
    )
    owner: str | None = Field(default=None, max_length=200)
    hosting: Hosting = Field(
        default=Hosting.SYNDICATE_DATACENTER, sa_type=str_enum(Hosting), nullable=False
    )
    hosting_country: str = Field(default=DEFAULT_COUNTRY, max_length=2, nullable=False)
    outside_eu_safeguard: str | None = Field(default=None, max_length=500)
    hds_required: bool = Field(default=False, nullable=False)
    hds_certified: bool | None = None
    availability: int | None = None
    integrity: int | None = None
    confidentiality: int | None = None
    traceability: int | None = None
    rto_hours: int | None = None
    rpo_hours: int | None = None
    notes: str | None = None
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    vendor: Optional["Vendor"] = Relationship(back_populates="applications")
    functions: list["ApplicationFunction"] = Relationship(
        back_populates="application",
        sa_relationship_kwargs={
            "cascade": "all, delete-orphan",
            "order_by": "ApplicationFunction.id",
        },
    )
    deployments: list["Deployment"] = Relationship(back_populates="application")

    __table_args__ = (
        *(_need_check(column) for column in SECURITY_NEEDS),
        sa.CheckConstraint("rto_hours IS NULL OR rto_hours >= 0", name="rto_positive"),
        sa.CheckConstraint("rpo_hours IS NULL OR rpo_hours >= 0", name="rpo_positive"),
    )

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def outside_eu(self) -> bool:
        return (self.hosting_country or DEFAULT_COUNTRY).upper() not in EEA_COUNTRIES

    @property
    def domains(self) -> list[str]:
        """The business domains of its functions, its main domain first."""
        seen = [self.domain] if self.domain else []
        for function in self.functions:
            if function.domain and function.domain not in seen:
                seen.append(function.domain)
        return seen


class ApplicationFunction(IdMixin, table=True):
    """A business function an application serves, in its business domain."""

    __tablename__ = "application_function"
    # Audited as part of its parent's change.
    __audit_parent__ = ("Application", "application_id")
    __audit_fold__ = True

    application_id: int = Field(
        foreign_key="application.id", nullable=False, index=True, ondelete="CASCADE"
    )
    domain: str = Field(max_length=100, nullable=False)
    name: str = Field(max_length=200, nullable=False)

    application: "Application" = Relationship(back_populates="functions")

    __table_args__ = (sa.UniqueConstraint("application_id", "domain", "name"),)

    def __str__(self) -> str:
        return self.name


class Deployment(RecordMixin, table=True):
    """A member organisation's use of an application of the catalogue."""

    __tablename__ = "deployment"
    # Member-owned: scoped by its organisation.
    __scope__ = Scope(Register.APPLICATIONS)

    organisation_id: int = Field(
        foreign_key="organisation.id", nullable=False, index=True, ondelete="CASCADE"
    )
    application_id: int = Field(
        foreign_key="application.id", nullable=False, index=True, ondelete="CASCADE"
    )
    since: date | None = None
    # Names of the application's functions this member uses; empty means all of them.
    functions: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    # Overrides the application's hosting for this member (None: as the application).
    hosting: Hosting | None = Field(default=None, sa_type=str_enum(Hosting))
    notes: str | None = None
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    application: "Application" = Relationship(back_populates="deployments")
    organisation: Organisation = Relationship()

    __table_args__ = (sa.UniqueConstraint("organisation_id", "application_id"),)

    @property
    def effective_hosting(self) -> Hosting:
        return self.hosting or self.application.hosting

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Interface(RecordMixin, table=True):
    """A data flow between two applications of the catalogue."""

    __tablename__ = "interface"
    # The shared catalogue: the interfaces between two applications the user sees.
    __scope__ = Scope(
        Register.APPLICATIONS,
        within=lambda organisations: sa.and_(
            Interface.source_application_id.in_(deployed_in(organisations)),
            Interface.target_application_id.in_(deployed_in(organisations)),
        ),
        **SHARED_CATALOGUE,
    )

    source_application_id: int = Field(
        foreign_key="application.id", nullable=False, index=True, ondelete="CASCADE"
    )
    target_application_id: int = Field(
        foreign_key="application.id", nullable=False, index=True, ondelete="CASCADE"
    )
    direction: InterfaceDirection = Field(
        default=InterfaceDirection.ONE_WAY, sa_type=str_enum(InterfaceDirection), nullable=False
    )
    data: str | None = Field(default=None, max_length=500)
    protocol: str | None = Field(default=None, max_length=200)
    frequency: str | None = Field(default=None, max_length=100)
    notes: str | None = None
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    source: "Application" = Relationship(
        sa_relationship_kwargs={"foreign_keys": "[Interface.source_application_id]"}
    )
    target: "Application" = Relationship(
        sa_relationship_kwargs={"foreign_keys": "[Interface.target_application_id]"}
    )

    __table_args__ = (
        sa.CheckConstraint(
            "source_application_id <> target_application_id", name="distinct_applications"
        ),
    )

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None
