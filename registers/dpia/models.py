"""The tables of the DPIA register: a DPIA (AIPD) of one processing activity, or of a template
activity shared by the members that apply it, its three risks, its measures, the versions kept
at each validation and each member's own validation of a shared DPIA. The fields a person writes
are declared once, in schemas.py."""

# No `from __future__ import annotations`: SQLModel resolves relationship annotations at
# class creation and needs them as real objects or quoted names.

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlmodel import JSON, Field, Relationship

from compliance.db import IdMixin, RecordMixin, UTCDateTime, str_enum
from compliance.permissions import Register
from compliance.tenancy import Organisation, Scope
from registers.dpia.schemas import (
    DpiaBase,
    DpiaStatus,
    MeasureBase,
    MeasureState,
    RiskBase,
    RiskKind,
)
from registers.processing.models import ProcessingActivity
from registers.roadmap.models import RoadmapAction

__all__ = [
    "Dpia",
    "DpiaAdoption",
    "DpiaMeasure",
    "DpiaRisk",
    "DpiaStatus",
    "DpiaVersion",
    "MeasureState",
    "RiskKind",
]


def concerning(organisations):
    """The DPIAs `organisations` see: their own, and those of the template activities one of
    their activities applies (a shared DPIA, which each member validates for itself)."""
    applied = sa.select(ProcessingActivity.model_id).where(
        ProcessingActivity.organisation_id.in_(organisations),
        ProcessingActivity.model_id.is_not(None),
    )
    return sa.or_(Dpia.organisation_id.in_(organisations), Dpia.processing_id.in_(applied))


class Dpia(DpiaBase, RecordMixin, table=True):
    """A data protection impact assessment (Art. 35 GDPR) by the CNIL's method."""

    __tablename__ = "dpia"
    __scope__ = Scope(Register.DPIA, within=lambda organisations: concerning(organisations))

    organisation_id: int = Field(
        foreign_key="organisation.id", nullable=False, index=True, ondelete="CASCADE"
    )
    processing_id: int = Field(
        foreign_key="processing_activity.id", nullable=False, index=True, ondelete="CASCADE"
    )
    reference: str = Field(max_length=20, nullable=False)
    status: DpiaStatus = Field(
        default=DpiaStatus.DRAFT, sa_type=str_enum(DpiaStatus, 16), nullable=False, index=True
    )
    # Part 2: {principle code: {"justification": text, "judgement": code}}.
    principles: dict = Field(default_factory=dict, sa_type=JSON, nullable=False)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    validated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    validated_by_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    # Why a validated DPIA is to be revised (the activity changed, the review date passed).
    revision_reason: str | None = Field(default=None, sa_type=sa.Text)

    organisation: Organisation = Relationship()
    processing: ProcessingActivity = Relationship()
    risks: list["DpiaRisk"] = Relationship(
        back_populates="dpia",
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "order_by": "DpiaRisk.id"},
    )
    measures: list["DpiaMeasure"] = Relationship(
        back_populates="dpia",
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "order_by": "DpiaMeasure.id"},
    )
    versions: list["DpiaVersion"] = Relationship(
        back_populates="dpia",
        sa_relationship_kwargs={
            "cascade": "all, delete-orphan",
            "order_by": "DpiaVersion.number.desc()",
        },
    )
    adoptions: list["DpiaAdoption"] = Relationship(
        back_populates="dpia",
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "order_by": "DpiaAdoption.id"},
    )

    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "reference"),
        sa.Index("ix_dpia_reference_id", "reference", "id"),
    )

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_validated(self) -> bool:
        return self.status == DpiaStatus.VALIDATED

    @property
    def is_shared(self) -> bool:
        return bool(self.processing and self.processing.is_model)

    def risk(self, kind: RiskKind) -> Optional["DpiaRisk"]:
        return next((risk for risk in self.risks if risk.kind == kind), None)


class DpiaRisk(IdMixin, RiskBase, table=True):
    """One of the three risks of the method, with its levels before and after measures."""

    __tablename__ = "dpia_risk"
    __scope__ = Scope.through(Dpia, "dpia_id")
    # Audited as part of its parent's change.
    __audit_parent__ = ("Dpia", "dpia_id")
    __audit_fold__ = True

    dpia_id: int = Field(foreign_key="dpia.id", nullable=False, index=True, ondelete="CASCADE")
    kind: RiskKind = Field(sa_type=str_enum(RiskKind, 24), nullable=False)

    dpia: Dpia = Relationship(back_populates="risks")

    __table_args__ = (sa.UniqueConstraint("dpia_id", "kind"),)


class DpiaMeasure(IdMixin, MeasureBase, table=True):
    """A measure existing or planned, linked where it can be to the ANSSI guide and the
    roadmap; the planned ones make the action plan."""

    __tablename__ = "dpia_measure"
    __scope__ = Scope.through(Dpia, "dpia_id")
    # Audited as part of its parent's change.
    __audit_parent__ = ("Dpia", "dpia_id")
    __audit_fold__ = True

    dpia_id: int = Field(foreign_key="dpia.id", nullable=False, index=True, ondelete="CASCADE")
    # The ANSSI hygiene measure's reference ("12", "12.R"), checked against the guide.
    hygiene_measure: str | None = Field(default=None, max_length=8)
    roadmap_action_id: int | None = Field(
        default=None, foreign_key="roadmap_action.id", index=True, ondelete="SET NULL"
    )

    dpia: Dpia = Relationship(back_populates="measures")
    roadmap_action: RoadmapAction | None = Relationship()


class DpiaVersion(IdMixin, table=True):
    """A validated version of a DPIA: a frozen JSON snapshot, as published registers are."""

    __tablename__ = "dpia_version"
    __scope__ = Scope.through(Dpia, "dpia_id")

    dpia_id: int = Field(foreign_key="dpia.id", nullable=False, index=True, ondelete="CASCADE")
    number: int = Field(nullable=False)
    validated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    validated_by_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    validated_by_label: str | None = Field(default=None, max_length=254)
    # SHA-256 of the canonical JSON of `content`.
    digest: str = Field(max_length=64, nullable=False)
    content: dict = Field(sa_type=JSON, nullable=False)

    dpia: Dpia = Relationship(back_populates="versions")

    __table_args__ = (sa.UniqueConstraint("dpia_id", "number"),)


class DpiaAdoption(IdMixin, table=True):
    """A member's own validation of a shared DPIA (one of a template activity) for the activity
    it applies the template to."""

    __tablename__ = "dpia_adoption"
    __scope__ = Scope.through(Dpia, "dpia_id")

    dpia_id: int = Field(foreign_key="dpia.id", nullable=False, index=True, ondelete="CASCADE")
    processing_id: int = Field(
        foreign_key="processing_activity.id", nullable=False, index=True, ondelete="CASCADE"
    )
    organisation_id: int = Field(
        foreign_key="organisation.id", nullable=False, index=True, ondelete="CASCADE"
    )
    # The version of the shared DPIA the member validated.
    version_number: int = Field(nullable=False)
    validated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    validated_by_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    decision: str | None = Field(default=None, sa_type=sa.Text)

    dpia: Dpia = Relationship(back_populates="adoptions")
    processing: ProcessingActivity = Relationship()

    __table_args__ = (sa.UniqueConstraint("dpia_id", "processing_id"),)
