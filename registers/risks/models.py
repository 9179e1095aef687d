"""The risk register: one Risk per risk the syndicate or a member assesses, with the map's
records it concerns (applications, interfaces, processing activities) and its measures (roadmap
actions, ANSSI hygiene measures), each in a link table."""

# No `from __future__ import annotations`: SQLModel resolves relationship annotations at
# class creation and needs them as real objects or quoted names.

from datetime import date

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from compliance.calendar import today_in_paris
from compliance.db import RecordMixin
from compliance.permissions import Register
from compliance.tenancy import Organisation, Scope
from registers.applications.models import Application, Interface
from registers.dpia.models import Dpia
from registers.processing.models import ProcessingActivity
from registers.risks.schemas import (
    ACCEPTANCE_THRESHOLD,
    OPEN_STATUSES,
    RiskBase,
    RiskLevel,
    Treatment,
)
from registers.roadmap.models import HygieneMeasure, RoadmapAction


class RiskApplication(SQLModel, table=True):
    """An application of the map the risk concerns."""

    __tablename__ = "risk_application"
    # Audited as part of its parent's change.
    __audit_parent__ = ("Risk", "risk_id")
    __audit_fold__ = True

    risk_id: int = Field(foreign_key="risk.id", primary_key=True, ondelete="CASCADE")
    application_id: int = Field(
        foreign_key="application.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class RiskInterface(SQLModel, table=True):
    """A data flow of the map the risk concerns."""

    __tablename__ = "risk_interface"
    # Audited as part of its parent's change.
    __audit_parent__ = ("Risk", "risk_id")
    __audit_fold__ = True

    risk_id: int = Field(foreign_key="risk.id", primary_key=True, ondelete="CASCADE")
    interface_id: int = Field(
        foreign_key="interface.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class RiskProcessing(SQLModel, table=True):
    """A processing activity the risk concerns (personal data)."""

    __tablename__ = "risk_processing"
    # Audited as part of its parent's change.
    __audit_parent__ = ("Risk", "risk_id")
    __audit_fold__ = True

    risk_id: int = Field(foreign_key="risk.id", primary_key=True, ondelete="CASCADE")
    processing_id: int = Field(
        foreign_key="processing_activity.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class RiskRoadmapAction(SQLModel, table=True):
    """A roadmap action that reduces the risk."""

    __tablename__ = "risk_roadmap_action"
    # Audited as part of its parent's change.
    __audit_parent__ = ("Risk", "risk_id")
    __audit_fold__ = True

    risk_id: int = Field(foreign_key="risk.id", primary_key=True, ondelete="CASCADE")
    roadmap_action_id: int = Field(
        foreign_key="roadmap_action.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class RiskHygieneMeasure(SQLModel, table=True):
    """An ANSSI hygiene measure that treats the risk."""

    __tablename__ = "risk_hygiene_measure"
    # Audited as part of its parent's change.
    __audit_parent__ = ("Risk", "risk_id")
    __audit_fold__ = True

    risk_id: int = Field(foreign_key="risk.id", primary_key=True, ondelete="CASCADE")
    hygiene_measure_id: int = Field(
        foreign_key="hygiene_measure.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class Risk(RecordMixin, RiskBase, table=True):
    """A risk to information security, assessed before and after its treatment."""

    __tablename__ = "risk"
    __scope__ = Scope(Register.RISKS)

    reference: str = Field(max_length=20, nullable=False, unique=True, index=True)
    reference_year: int = Field(nullable=False)
    reference_number: int = Field(nullable=False)
    # likelihood x impact, before and after treatment: kept so that lists sort and filter in SQL.
    inherent_score: int = Field(nullable=False, index=True)
    residual_score: int | None = Field(default=None, index=True)

    organisation: Organisation = Relationship()
    dpia: Dpia | None = Relationship()
    applications: list[Application] = Relationship(
        link_model=RiskApplication, sa_relationship_kwargs={"order_by": "Application.name"}
    )
    interfaces: list[Interface] = Relationship(
        link_model=RiskInterface, sa_relationship_kwargs={"order_by": "Interface.id"}
    )
    activities: list[ProcessingActivity] = Relationship(
        link_model=RiskProcessing,
        sa_relationship_kwargs={"order_by": "ProcessingActivity.reference"},
    )
    roadmap_actions: list[RoadmapAction] = Relationship(
        link_model=RiskRoadmapAction, sa_relationship_kwargs={"order_by": "RoadmapAction.code"}
    )
    measures: list[HygieneMeasure] = Relationship(
        link_model=RiskHygieneMeasure,
        sa_relationship_kwargs={
            "order_by": "(HygieneMeasure.measure, HygieneMeasure.level.desc())"
        },
    )

    __table_args__ = (
        sa.UniqueConstraint("reference_year", "reference_number"),
        sa.CheckConstraint("likelihood >= 1 AND likelihood <= 4", name="likelihood_scale"),
        sa.CheckConstraint("impact >= 1 AND impact <= 4", name="impact_scale"),
        sa.CheckConstraint(
            "residual_likelihood IS NULL OR "
            "(residual_likelihood >= 1 AND residual_likelihood <= 4)",
            name="residual_likelihood_scale",
        ),
        sa.CheckConstraint(
            "residual_impact IS NULL OR (residual_impact >= 1 AND residual_impact <= 4)",
            name="residual_impact_scale",
        ),
        sa.CheckConstraint(
            "residual_score IS NULL OR residual_score <= inherent_score", name="residual_not_above"
        ),
        sa.Index("ix_risk_organisation_score", "organisation_id", "inherent_score"),
    )

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def inherent_level(self) -> RiskLevel:
        return RiskLevel.of(self.inherent_score)

    @property
    def residual_level(self) -> RiskLevel | None:
        return RiskLevel.of(self.residual_score)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_review_late(self, today: date | None = None) -> bool:
        today = today or today_in_paris()
        return self.is_open and self.review_on is not None and self.review_on < today

    @property
    def review_late(self) -> bool:
        return self.is_review_late()

    def is_acceptance_expired(self, today: date | None = None) -> bool:
        today = today or today_in_paris()
        return self.is_open and self.accepted_until is not None and self.accepted_until < today

    @property
    def acceptance_expired(self) -> bool:
        return self.is_acceptance_expired()

    @property
    def needs_acceptance(self) -> bool:
        return needs_acceptance(self.treatment, self.residual_score)

    @property
    def concerns_personal_data(self) -> bool:
        return bool(self.personal_data or self.activities or self.dpia_id)

    @property
    def application_ids(self) -> list[int]:
        return [record.id for record in self.applications]

    @property
    def interface_ids(self) -> list[int]:
        return [record.id for record in self.interfaces]

    @property
    def processing_ids(self) -> list[int]:
        return [record.id for record in self.activities]

    @property
    def roadmap_action_ids(self) -> list[int]:
        return [record.id for record in self.roadmap_actions]

    @property
    def hygiene_measure_ids(self) -> list[int]:
        return [record.id for record in self.measures]


def score(likelihood: int | None, impact: int | None) -> int | None:
    if likelihood is None or impact is None:
        return None
    return likelihood * impact


def needs_acceptance(treatment, residual_score: int | None) -> bool:
    """The owner's acceptance is required for an accepted risk, and for a residual level from
    ACCEPTANCE_THRESHOLD up."""
    threshold = ACCEPTANCE_THRESHOLD.scores[0]
    return treatment == Treatment.ACCEPT or (
        residual_score is not None and residual_score >= threshold
    )
