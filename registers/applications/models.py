"""The application map: the shared catalogue (applications, vendors, interfaces) and the
member-owned deployments."""

# No `from __future__ import annotations`: SQLModel resolves relationship annotations at
# class creation and needs them as real objects or quoted names.

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlmodel import JSON, Field, Relationship

from compliance.access import CATALOGUE_EDITOR, CATALOGUE_READER
from compliance.db import IdMixin, RecordMixin, UTCDateTime
from compliance.permissions import Register
from compliance.tenancy import Organisation, Scope
from compliance.types import normalise_key
from registers.applications.schemas import (
    DEFAULT_COUNTRY,
    EEA_COUNTRIES,
    NEED_LEVELS,
    SECURITY_NEEDS,
    ApplicationBase,
    ApplicationStatus,
    DeploymentBase,
    DpaStatus,
    Hosting,
    InterfaceBase,
    InterfaceDirection,
    VendorBase,
)

__all__ = [
    "DEFAULT_COUNTRY",
    "EEA_COUNTRIES",
    "NEED_LEVELS",
    "SECURITY_NEEDS",
    "Application",
    "ApplicationFunction",
    "ApplicationStatus",
    "Deployment",
    "DpaStatus",
    "Hosting",
    "Interface",
    "InterfaceDirection",
    "Vendor",
    "need_label",
    "normalise_key",
]


def need_label(level: int | None) -> str:
    labels = {1: _l("Faible"), 2: _l("Moyen"), 3: _l("Fort"), 4: _l("Très fort")}
    return str(labels.get(level, "")) if level else ""


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


class Vendor(VendorBase, RecordMixin, table=True):
    __tablename__ = "vendor"
    # The shared catalogue: the vendors of the applications the user sees.
    __scope__ = Scope(
        Register.APPLICATIONS,
        within=lambda organisations: Vendor.id.in_(
            sa.select(Application.vendor_id).where(Application.id.in_(deployed_in(organisations)))
        ),
        **SHARED_CATALOGUE,
    )

    # normalise_key(name): the vendor's identity ("BERGER-LEVRAULT" and "Berger Levrault" are one).
    key: str = Field(max_length=200, nullable=False, unique=True, index=True)
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    applications: list["Application"] = Relationship(back_populates="vendor")

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def lacks_agreement(self) -> bool:
        """No Art. 28 agreement covers what it processes (none signed, and not "not
        applicable")."""
        return not DpaStatus(self.dpa_status).is_agreement


def _need_check(column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(
        f"{column} IS NULL OR ({column} >= 1 AND {column} <= 4)", name=f"{column}_level"
    )


class Application(ApplicationBase, RecordMixin, table=True):
    """One software of the catalogue the syndicate shares with its members."""

    __tablename__ = "application"
    # The shared catalogue: an organisation sees the applications it uses (a live deployment);
    # the host's readers see them all; the host's editors write it.
    __scope__ = Scope(
        Register.APPLICATIONS,
        within=lambda organisations: Application.id.in_(deployed_in(organisations)),
        **SHARED_CATALOGUE,
    )

    # normalise_key(name): the catalogue's identity, so "SharePoint" and "SHAREPOINT" are one.
    name_key: str = Field(max_length=200, nullable=False, unique=True, index=True)
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


class Deployment(DeploymentBase, RecordMixin, table=True):
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
    # Names of the application's functions this member uses; empty means all of them.
    functions: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    application: "Application" = Relationship(back_populates="deployments")
    organisation: Organisation = Relationship()

    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "application_id"),
        # From an application to the members using it (an incident's controllers), read from
        # the index alone: thousands of rows for an application deployed everywhere.
        sa.Index(
            "ix_deployment_application_organisation",
            "application_id",
            "organisation_id",
            "archived_at",
        ),
    )

    @property
    def effective_hosting(self) -> Hosting:
        return self.hosting or self.application.hosting

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Interface(InterfaceBase, RecordMixin, table=True):
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
