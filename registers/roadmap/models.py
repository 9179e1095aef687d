"""The ANSSI roadmap: each organisation's multi-year security plan and its funding, the actions
it is made of, the bundled catalogue of hygiene measures they implement, and the organisation's
self-assessment against that catalogue."""

# No `from __future__ import annotations`: SQLModel resolves relationship annotations at
# class creation and needs them as real objects or quoted names.

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from compliance.db import IdMixin, RecordMixin, UTCDateTime, str_enum
from compliance.i18n import PARIS
from compliance.permissions import Register
from compliance.tenancy import Organisation, Scope
from registers.applications.models import Application
from registers.incidents.models import CorrectiveAction, Incident
from registers.roadmap.schemas import (
    ActionStatus,
    AssessmentState,
    HygieneAssessmentBase,
    MeasureLevel,
    MilestoneBase,
    Priority,
    RoadmapActionBase,
    RoadmapBase,
    RoadmapState,
    Theme,
)

# The codes are declared with the entities' fields (schemas.py); read from here as well.
__all__ = [
    "ActionStatus",
    "AssessmentState",
    "HygieneAssessment",
    "HygieneMeasure",
    "MeasureLevel",
    "Milestone",
    "Priority",
    "Roadmap",
    "RoadmapAction",
    "RoadmapState",
    "Theme",
    "today",
]


def today() -> date:
    """Today in Paris: the day that decides whether an action is late."""
    return datetime.now(PARIS).date()


class HygieneMeasure(IdMixin, table=True):
    """One row of the guide: a measure at its standard or reinforced level (`12`, `12.R`).

    Reference data, loaded from compliance/reference/anssi-hygiene-measures.csv by the
    migration that creates the table. Source : ANSSI, Guide d'hygiène informatique.
    """

    __tablename__ = "hygiene_measure"

    ref: str = Field(max_length=8, nullable=False, unique=True)
    measure: int = Field(nullable=False, index=True)
    level: MeasureLevel = Field(sa_type=str_enum(MeasureLevel, 1), nullable=False)
    theme: Theme = Field(sa_type=str_enum(Theme, 4), nullable=False)
    title: str = Field(max_length=300, nullable=False)
    title_en: str = Field(max_length=300, nullable=False)
    description: str = Field(sa_type=sa.Text, nullable=False)

    __table_args__ = (
        sa.UniqueConstraint("measure", "level"),
        sa.CheckConstraint("measure >= 1 AND measure <= 42", name="measure_number"),
    )

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    @property
    def is_reinforced(self) -> bool:
        return self.level == MeasureLevel.REINFORCED

    @property
    def sort_key(self) -> tuple[int, int]:
        return (self.measure, 1 if self.is_reinforced else 0)


class Roadmap(RecordMixin, RoadmapBase, table=True):
    """An organisation's security plan over a period, and the programme that co-funds it."""

    __tablename__ = "roadmap"
    __scope__ = Scope(Register.ROADMAP)

    organisation_id: int = Field(foreign_key="organisation.id", nullable=False, index=True)
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    organisation: Organisation = Relationship()
    actions: list["RoadmapAction"] = Relationship(
        back_populates="roadmap",
        sa_relationship_kwargs={"order_by": "(RoadmapAction.start_on, RoadmapAction.code)"},
    )

    __table_args__ = (
        sa.CheckConstraint("end_on >= start_on", name="period_order"),
        sa.CheckConstraint(
            "cofunding_rate IS NULL OR (cofunding_rate >= 0 AND cofunding_rate <= 100)",
            name="cofunding_rate_percent",
        ),
        sa.CheckConstraint("subsidy_total IS NULL OR subsidy_total >= 0", name="subsidy_positive"),
        sa.CheckConstraint(
            "subsidy_received IS NULL OR subsidy_received >= 0", name="received_positive"
        ),
    )

    def __str__(self) -> str:
        return self.title

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class ActionMeasure(SQLModel, table=True):
    """A hygiene measure a roadmap action implements."""

    __tablename__ = "roadmap_action_measure"
    # Audited as part of its parent's change.
    __audit_parent__ = ("RoadmapAction", "action_id")
    __audit_fold__ = True

    action_id: int = Field(foreign_key="roadmap_action.id", primary_key=True, ondelete="CASCADE")
    measure_id: int = Field(
        foreign_key="hygiene_measure.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class ActionApplication(SQLModel, table=True):
    """An application of the map the action protects."""

    __tablename__ = "roadmap_action_application"
    # Audited as part of its parent's change.
    __audit_parent__ = ("RoadmapAction", "action_id")
    __audit_fold__ = True

    action_id: int = Field(foreign_key="roadmap_action.id", primary_key=True, ondelete="CASCADE")
    application_id: int = Field(
        foreign_key="application.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class ActionIncident(SQLModel, table=True):
    """An incident that motivates the action."""

    __tablename__ = "roadmap_action_incident"
    # Audited as part of its parent's change.
    __audit_parent__ = ("RoadmapAction", "action_id")
    __audit_fold__ = True

    action_id: int = Field(foreign_key="roadmap_action.id", primary_key=True, ondelete="CASCADE")
    incident_id: int = Field(
        foreign_key="incident.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class ActionCorrectiveAction(SQLModel, table=True):
    """A corrective action of the security management system that the roadmap action carries
    on; `escalated` when the roadmap action was created by escalating it."""

    __tablename__ = "roadmap_action_corrective_action"
    # Audited as part of its parent's change.
    __audit_parent__ = ("RoadmapAction", "action_id")
    __audit_fold__ = True

    action_id: int = Field(foreign_key="roadmap_action.id", primary_key=True, ondelete="CASCADE")
    corrective_action_id: int = Field(
        foreign_key="corrective_action.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    escalated: bool = Field(default=False, nullable=False)


class RoadmapAction(RecordMixin, RoadmapActionBase, table=True):
    """One item of the plan: what is done, for which hygiene measures, by whom, when, for how
    much, and how far it has gone."""

    __tablename__ = "roadmap_action"
    __scope__ = Scope(Register.ROADMAP)

    roadmap_id: int = Field(foreign_key="roadmap.id", nullable=False, index=True)
    # The roadmap's organisation, copied so that every query is scoped on one column.
    organisation_id: int = Field(foreign_key="organisation.id", nullable=False, index=True)
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    roadmap: Roadmap = Relationship(back_populates="actions")
    organisation: Organisation = Relationship()
    measures: list[HygieneMeasure] = Relationship(
        link_model=ActionMeasure,
        sa_relationship_kwargs={
            "order_by": "(HygieneMeasure.measure, HygieneMeasure.level.desc())"
        },
    )
    applications: list[Application] = Relationship(
        link_model=ActionApplication,
        sa_relationship_kwargs={"order_by": "Application.name_key"},
    )
    incidents: list[Incident] = Relationship(
        link_model=ActionIncident,
        sa_relationship_kwargs={"order_by": "Incident.reference"},
    )
    corrective_actions: list[CorrectiveAction] = Relationship(
        link_model=ActionCorrectiveAction,
        sa_relationship_kwargs={"order_by": "CorrectiveAction.reference"},
    )
    milestones: list["Milestone"] = Relationship(
        back_populates="action",
        sa_relationship_kwargs={
            "cascade": "all, delete-orphan",
            "order_by": "(Milestone.due_on, Milestone.id)",
        },
    )

    __table_args__ = (
        sa.UniqueConstraint("roadmap_id", "code"),
        sa.CheckConstraint("target_on >= start_on", name="dates_order"),
        sa.CheckConstraint("progress >= 0 AND progress <= 100", name="progress_percent"),
        sa.CheckConstraint(
            "investment_estimated >= 0 AND investment_spent >= 0 AND operating_estimated >= 0 "
            "AND operating_spent >= 0 AND subsidy_amount >= 0",
            name="amounts_positive",
        ),
    )

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def estimated_total(self) -> int:
        return self.investment_estimated + self.operating_estimated

    @property
    def spent_total(self) -> int:
        return self.investment_spent + self.operating_spent

    def is_late(self, on: date) -> bool:
        """Target date passed and still not done (nor abandoned)."""
        return self.status in ActionStatus.open() and self.target_on < on

    @property
    def late(self) -> bool:
        """Late today."""
        return self.is_late(today())


class Milestone(IdMixin, MilestoneBase, table=True):
    """A dated step of an action (specification signed, tool installed, members connected)."""

    __tablename__ = "roadmap_milestone"
    __scope__ = Scope.through(RoadmapAction, "action_id")
    # Audited as part of its parent's change.
    __audit_parent__ = ("RoadmapAction", "action_id")
    __audit_fold__ = True

    action_id: int = Field(
        foreign_key="roadmap_action.id", nullable=False, index=True, ondelete="CASCADE"
    )

    action: RoadmapAction = Relationship(back_populates="milestones")


class HygieneAssessment(RecordMixin, HygieneAssessmentBase, table=True):
    """An organisation's current state against one measure of the guide."""

    __tablename__ = "hygiene_assessment"
    __scope__ = Scope(Register.ROADMAP)

    organisation_id: int = Field(foreign_key="organisation.id", nullable=False, index=True)
    measure_id: int = Field(foreign_key="hygiene_measure.id", nullable=False, index=True)

    organisation: Organisation = Relationship()
    measure: HygieneMeasure = Relationship()

    __table_args__ = (sa.UniqueConstraint("organisation_id", "measure_id"),)
