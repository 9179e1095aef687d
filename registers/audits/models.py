"""The tables of the audits register: the audit programme of a year, its audits (the member
organisations each covers) and their findings, and the management reviews with the actions
they decide. The fields a person writes are declared once, in schemas.py."""

# No `from __future__ import annotations`: SQLModel resolves relationship annotations at
# class creation and needs them as real objects or quoted names.

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from compliance.db import RecordMixin, UTCDateTime, str_enum
from compliance.permissions import Register
from compliance.tenancy import Organisation, Scope
from registers.audits.schemas import (
    AuditBase,
    AuditStatus,
    DecidedActionBase,
    DecidedKind,
    FindingBase,
    FindingKind,
    ProgrammeBase,
    ReviewBase,
    ReviewStatus,
)
from registers.incidents.models import CorrectiveAction
from registers.roadmap.models import RoadmapAction

__all__ = [
    "Audit",
    "AuditOrganisation",
    "AuditProgramme",
    "AuditStatus",
    "DecidedAction",
    "DecidedKind",
    "Finding",
    "FindingKind",
    "ManagementReview",
    "ReviewStatus",
]


class AuditProgramme(ProgrammeBase, RecordMixin, table=True):
    """The internal audits planned for a year (ISO/IEC 27001:2022 §9.2.2)."""

    __tablename__ = "audit_programme"
    __scope__ = Scope(Register.AUDITS)

    organisation_id: int = Field(foreign_key="organisation.id", nullable=False, index=True)

    organisation: Organisation = Relationship()
    audits: list["Audit"] = Relationship(
        back_populates="programme",
        sa_relationship_kwargs={"order_by": "(Audit.planned_start, Audit.id)"},
    )

    __table_args__ = (sa.UniqueConstraint("organisation_id", "year"),)

    def __str__(self) -> str:
        return str(self.year)


class AuditOrganisation(SQLModel, table=True):
    """A member organisation an audit covers."""

    __tablename__ = "audit_organisation"
    __audit_parent__ = ("Audit", "audit_id")
    __audit_fold__ = True

    audit_id: int = Field(foreign_key="internal_audit.id", primary_key=True, ondelete="CASCADE")
    organisation_id: int = Field(
        foreign_key="organisation.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class Audit(AuditBase, RecordMixin, table=True):
    """One internal audit: its scope, criteria, auditor, dates, status and conclusion."""

    __tablename__ = "internal_audit"
    __scope__ = Scope(Register.AUDITS)

    reference: str = Field(max_length=20, nullable=False, unique=True, index=True)
    reference_year: int = Field(nullable=False)
    reference_number: int = Field(nullable=False)
    programme_id: int = Field(foreign_key="audit_programme.id", nullable=False, index=True)
    # The programme's organisation, copied so that every query is scoped on one column.
    organisation_id: int = Field(foreign_key="organisation.id", nullable=False, index=True)
    status: AuditStatus = Field(
        default=AuditStatus.PLANNED, sa_type=str_enum(AuditStatus, 16), nullable=False, index=True
    )
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    programme: AuditProgramme = Relationship(back_populates="audits")
    organisation: Organisation = Relationship()
    audited_organisations: list[Organisation] = Relationship(
        link_model=AuditOrganisation,
        sa_relationship_kwargs={"order_by": "Organisation.name"},
    )
    findings: list["Finding"] = Relationship(
        back_populates="audit",
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "order_by": "Finding.number"},
    )

    __table_args__ = (
        sa.UniqueConstraint("reference_year", "reference_number"),
        sa.CheckConstraint("planned_end >= planned_start", name="planned_order"),
        sa.CheckConstraint(
            "actual_end IS NULL OR actual_start IS NULL OR actual_end >= actual_start",
            name="actual_order",
        ),
    )

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def open_nonconformities(self) -> list["Finding"]:
        """The nonconformities without a corrective action."""
        return [
            finding
            for finding in self.findings
            if finding.kind.is_nonconformity and finding.corrective_action_id is None
        ]


class Finding(FindingBase, RecordMixin, table=True):
    """What the audit found: a nonconformity (major, minor), an observation or an opportunity
    for improvement; a nonconformity points at the corrective action it opened."""

    __tablename__ = "audit_finding"
    __scope__ = Scope.through(Audit, "audit_id")

    audit_id: int = Field(
        foreign_key="internal_audit.id", nullable=False, index=True, ondelete="CASCADE"
    )
    number: int = Field(nullable=False)
    corrective_action_id: int | None = Field(
        default=None, foreign_key="corrective_action.id", index=True, ondelete="SET NULL"
    )

    audit: Audit = Relationship(back_populates="findings")
    corrective_action: CorrectiveAction | None = Relationship()

    __table_args__ = (sa.UniqueConstraint("audit_id", "number"),)

    @property
    def reference(self) -> str:
        return f"{self.audit.reference}/C{self.number:02d}"

    def __str__(self) -> str:
        return self.reference


class ManagementReview(ReviewBase, RecordMixin, table=True):
    """A management review (ISO/IEC 27001:2022 §9.3): the inputs of its period, computed from
    the registers (frozen in `snapshot` once held), its decisions and the actions decided."""

    __tablename__ = "management_review"
    __scope__ = Scope(Register.AUDITS)

    reference: str = Field(max_length=20, nullable=False, unique=True, index=True)
    reference_year: int = Field(nullable=False)
    reference_number: int = Field(nullable=False)
    organisation_id: int = Field(foreign_key="organisation.id", nullable=False, index=True)
    status: ReviewStatus = Field(
        default=ReviewStatus.DRAFT, sa_type=str_enum(ReviewStatus, 16), nullable=False
    )
    held_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # What was presented, frozen when the review is marked held (sections and previous figures).
    snapshot: dict | None = Field(default=None, sa_type=sa.JSON)

    organisation: Organisation = Relationship()
    actions: list["DecidedAction"] = Relationship(
        back_populates="review",
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "order_by": "DecidedAction.id"},
    )

    __table_args__ = (
        sa.UniqueConstraint("reference_year", "reference_number"),
        sa.CheckConstraint("period_end >= period_start", name="period_order"),
    )

    def __str__(self) -> str:
        return self.reference

    @property
    def is_held(self) -> bool:
        return self.status == ReviewStatus.HELD


class DecidedAction(DecidedActionBase, RecordMixin, table=True):
    """An action the review decided, and the roadmap or corrective action it became."""

    __tablename__ = "management_review_action"
    __scope__ = Scope.through(ManagementReview, "review_id")

    review_id: int = Field(
        foreign_key="management_review.id", nullable=False, index=True, ondelete="CASCADE"
    )
    roadmap_action_id: int | None = Field(
        default=None, foreign_key="roadmap_action.id", index=True, ondelete="SET NULL"
    )
    corrective_action_id: int | None = Field(
        default=None, foreign_key="corrective_action.id", index=True, ondelete="SET NULL"
    )

    review: ManagementReview = Relationship(back_populates="actions")
    roadmap_action: RoadmapAction | None = Relationship()
    corrective_action: CorrectiveAction | None = Relationship()

    @property
    def record(self):
        return self.roadmap_action or self.corrective_action

    @property
    def record_reference(self) -> str | None:
        if self.roadmap_action is not None:
            return f"{self.roadmap_action.code} {self.roadmap_action.title}"
        if self.corrective_action is not None:
            return self.corrective_action.reference
        return None

    @property
    def record_status(self) -> str | None:
        record = self.record
        return record.status.label if record is not None else None
