"""The tables of the incident log: security incidents followed through the ISO/IEC 27035
phases, their timeline and external reports, and the corrective actions of the management system
(ISO/IEC 27001:2022 §10.2). The fields a person writes are declared once, in schemas.py."""

# No `from __future__ import annotations`: SQLModel resolves relationship annotations at
# class creation and needs them as real objects or quoted names.

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from compliance.db import IdMixin, RecordMixin, UTCDateTime, str_enum, utcnow
from compliance.permissions import Register
from compliance.tenancy import Organisation, Scope
from registers.applications.models import Application, Deployment
from registers.incidents.schemas import (
    ActionSource,
    ActionStatus,
    Classification,
    CorrectiveActionBase,
    CorrectiveActionCheckBase,
    DetectionSource,
    EntryKind,
    ExternalReportBase,
    Grade,
    ImpactLevel,
    IncidentBase,
    IncidentCategory,
    IncidentStatus,
    ReportKind,
    RootCauseMethod,
    Severity,
    TimelineEntryBase,
)

# The values of the fields, declared with the fields in schemas.py.
__all__ = [
    "ActionSource",
    "ActionStatus",
    "Classification",
    "CorrectiveAction",
    "DetectionSource",
    "EntryKind",
    "ExternalReport",
    "Grade",
    "ImpactLevel",
    "Incident",
    "IncidentApplication",
    "IncidentCategory",
    "IncidentOrganisation",
    "IncidentStatus",
    "ReportKind",
    "RootCauseMethod",
    "SearchToken",
    "Severity",
    "TimelineEntry",
]


def affecting(organisations):
    """The incidents that affect any of `organisations` (a SELECT of ids, or a few ids):
    reported by one of them, naming one among the organisations affected, or affecting an
    application one of them used when the incident was detected (a deployment not archived,
    or archived after the detection).

    The incidents of the applications in use now are one set for the whole query (built once,
    then a lookup per incident); only the deployments archived since the detection, which
    depend on the incident's date, are looked up per incident."""
    in_use = sa.select(Deployment.application_id).where(
        Deployment.organisation_id.in_(organisations), Deployment.archived_at.is_(None)
    )
    return sa.or_(
        Incident.organisation_id.in_(organisations),
        sa.exists().where(
            IncidentOrganisation.incident_id == Incident.id,
            IncidentOrganisation.organisation_id.in_(organisations),
        ),
        Incident.id.in_(
            sa.select(IncidentApplication.incident_id).where(
                IncidentApplication.application_id.in_(in_use)
            )
        ),
        sa.exists().where(
            IncidentApplication.incident_id == Incident.id,
            Deployment.application_id == IncidentApplication.application_id,
            Deployment.organisation_id.in_(organisations),
            Deployment.archived_at > Incident.detected_at,
        ),
    )


class IncidentApplication(SQLModel, table=True):
    """An application of the map affected by an incident."""

    __tablename__ = "incident_application"
    # Audited as part of its parent's change.
    __audit_parent__ = ("Incident", "incident_id")
    __audit_fold__ = True

    incident_id: int = Field(foreign_key="incident.id", primary_key=True, ondelete="CASCADE")
    application_id: int = Field(
        foreign_key="application.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class IncidentOrganisation(SQLModel, table=True):
    """An organisation affected directly, not (only) through an application it uses."""

    __tablename__ = "incident_organisation"
    # Audited as part of its parent's change.
    __audit_parent__ = ("Incident", "incident_id")
    __audit_fold__ = True

    incident_id: int = Field(foreign_key="incident.id", primary_key=True, ondelete="CASCADE")
    organisation_id: int = Field(
        foreign_key="organisation.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class Incident(IncidentBase, RecordMixin, table=True):
    """A security event or incident, from its report to its closing."""

    __tablename__ = "incident"
    # Seen by every organisation it affects (see `affecting`); written in its own.
    __scope__ = Scope(Register.INCIDENTS, within=lambda organisations: affecting(organisations))
    # Free text that may name people: encrypted at rest, redacted from the audit trail.
    __sensitive__ = ("description", "impact_notes", "reported_by")

    reference: str = Field(max_length=20, nullable=False, unique=True, index=True)
    reference_year: int = Field(nullable=False)
    reference_number: int = Field(nullable=False)
    classification: Classification | None = Field(default=None, sa_type=str_enum(Classification))
    status: IncidentStatus = Field(
        default=IncidentStatus.REPORTED,
        sa_type=str_enum(IncidentStatus),
        nullable=False,
        index=True,
    )
    reported_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    # When each phase began (the transitions), set by the lifecycle.
    assessed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    response_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lessons_learnt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    organisation: Organisation = Relationship()
    applications: list[Application] = Relationship(
        link_model=IncidentApplication,
        sa_relationship_kwargs={"order_by": "Application.name_key"},
    )
    affected_organisations: list[Organisation] = Relationship(
        link_model=IncidentOrganisation,
        sa_relationship_kwargs={"order_by": "Organisation.name"},
    )
    entries: list["TimelineEntry"] = Relationship(
        back_populates="incident",
        sa_relationship_kwargs={
            "cascade": "all, delete-orphan",
            "order_by": "(TimelineEntry.at, TimelineEntry.id)",
        },
    )
    reports: list["ExternalReport"] = Relationship(
        back_populates="incident",
        sa_relationship_kwargs={
            "cascade": "all, delete-orphan",
            "order_by": "(ExternalReport.made_on, ExternalReport.id)",
        },
    )
    actions: list["CorrectiveAction"] = Relationship(
        back_populates="incident",
        sa_relationship_kwargs={"order_by": "CorrectiveAction.id"},
    )

    __table_args__ = (
        sa.UniqueConstraint("reference_year", "reference_number"),
        sa.CheckConstraint(
            "occurred_at IS NULL OR occurred_at <= detected_at", name="occurred_before_detected"
        ),
    )

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_closed(self) -> bool:
        return self.status == IncidentStatus.CLOSED


class TimelineEntry(TimelineEntryBase, IdMixin, table=True):
    """One dated fact of an incident: who did, saw, said or decided what, and when."""

    __tablename__ = "incident_timeline_entry"
    __scope__ = Scope.through(Incident, "incident_id")
    # Audited as part of its parent's change.
    __audit_parent__ = ("Incident", "incident_id")
    __audit_fold__ = True
    __sensitive__ = ("text",)

    incident_id: int = Field(
        foreign_key="incident.id", nullable=False, index=True, ondelete="CASCADE"
    )
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    author_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    # The author's name when written (a user may leave; the command line has no user row).
    author_label: str | None = Field(default=None, max_length=254)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    incident: Incident = Relationship(back_populates="entries")


class ExternalReport(ExternalReportBase, IdMixin, table=True):
    """A report made outside: CERT-FR, police complaint, insurer, CNIL (through a breach)."""

    __tablename__ = "incident_external_report"
    __scope__ = Scope.through(Incident, "incident_id")
    # Audited as part of its parent's change.
    __audit_parent__ = ("Incident", "incident_id")
    __audit_fold__ = True
    __sensitive__ = ("notes",)

    incident_id: int = Field(
        foreign_key="incident.id", nullable=False, index=True, ondelete="CASCADE"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    incident: Incident = Relationship(back_populates="reports")


class SearchToken(SQLModel, table=True):
    """A blind index of the words of an incident's encrypted text (keyed hashes, never the
    words), so that a search finds them without the database holding any plaintext."""

    __tablename__ = "incident_search_token"

    incident_id: int = Field(foreign_key="incident.id", primary_key=True, ondelete="CASCADE")
    token: str = Field(max_length=32, primary_key=True, index=True)


# --- corrective actions ---------------------------------------------------------------------


class CorrectiveAction(CorrectiveActionBase, CorrectiveActionCheckBase, RecordMixin, table=True):
    """A nonconformity and what is done about it (ISO/IEC 27001:2022 §10.2)."""

    __tablename__ = "corrective_action"
    # Seen by the users who see its organisation or its incident; written in its own.
    __scope__ = Scope(
        Register.INCIDENTS,
        within=lambda organisations: sa.or_(
            CorrectiveAction.organisation_id.in_(organisations),
            CorrectiveAction.incident_id.in_(
                sa.select(Incident.id).where(affecting(organisations))
            ),
        ),
    )

    reference: str = Field(max_length=20, nullable=False, unique=True, index=True)
    reference_year: int = Field(nullable=False)
    reference_number: int = Field(nullable=False)
    # The organisation whose management system the nonconformity belongs to.
    organisation_id: int = Field(foreign_key="organisation.id", nullable=False, index=True)
    # When the nonconformity was recorded: the year of the reference.
    opened_on: date = Field(nullable=False)
    status: ActionStatus = Field(
        default=ActionStatus.OPEN, sa_type=str_enum(ActionStatus), nullable=False, index=True
    )
    status_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    organisation: Organisation = Relationship()
    incident: Incident | None = Relationship(back_populates="actions")

    __table_args__ = (
        sa.UniqueConstraint("reference_year", "reference_number"),
        sa.CheckConstraint(
            "source <> 'incident' OR incident_id IS NOT NULL", name="incident_source_linked"
        ),
    )

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def is_overdue(self, today: date) -> bool:
        return self.status in ActionStatus.pending() and self.due_on < today

    @property
    def awaits_check(self) -> bool:
        return self.status == ActionStatus.IMPLEMENTED
