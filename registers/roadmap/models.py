"""The ANSSI roadmap: each organisation's multi-year security plan and its funding, the actions
it is made of, the bundled catalogue of hygiene measures they implement, and the organisation's
self-assessment against that catalogue."""

# No `from __future__ import annotations`: SQLModel resolves relationship annotations at
# class creation and needs them as real objects or quoted names.

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlmodel import Field, Relationship, SQLModel

from compliance.db import IdMixin, RecordMixin, UTCDateTime, str_enum
from compliance.enums import LabeledEnum
from compliance.permissions import Register
from compliance.tenancy import Organisation, Scope
from registers.applications.models import Application
from registers.incidents.models import CorrectiveAction, Incident

# Amounts are whole euros: a security plan is budgeted to the euro, never to the cent.


class Theme(LabeledEnum):
    """The ten themes of ANSSI's Guide d'hygiène informatique, in the guide's order."""

    AWARENESS = "I"
    KNOWLEDGE = "II"
    ACCESS = "III"
    WORKSTATIONS = "IV"
    NETWORK = "V"
    ADMINISTRATION = "VI"
    NOMADISM = "VII"
    UPDATES = "VIII"
    SUPERVISION = "IX"
    FURTHER = "X"

    @classmethod
    def __labels__(cls):
        return {
            cls.AWARENESS: _l("Sensibiliser et former"),
            cls.KNOWLEDGE: _l("Connaître le système d'information"),
            cls.ACCESS: _l("Authentifier et contrôler les accès"),
            cls.WORKSTATIONS: _l("Sécuriser les postes"),
            cls.NETWORK: _l("Sécuriser le réseau"),
            cls.ADMINISTRATION: _l("Sécuriser l'administration"),
            cls.NOMADISM: _l("Gérer le nomadisme"),
            cls.UPDATES: _l("Maintenir le système d'information à jour"),
            cls.SUPERVISION: _l("Superviser, auditer, réagir"),
            cls.FURTHER: _l("Pour aller plus loin"),
        }

    @property
    def order(self) -> int:
        return list(type(self)).index(self)

    @property
    def numbered_label(self) -> str:
        return f"{self.value}. {self.label}"


class MeasureLevel(LabeledEnum):
    STANDARD = "S"
    REINFORCED = "R"

    @classmethod
    def __labels__(cls):
        return {cls.STANDARD: _l("Standard"), cls.REINFORCED: _l("Renforcé")}


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


class RoadmapState(LabeledEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    COMPLETED = "completed"

    @classmethod
    def __labels__(cls):
        return {
            cls.DRAFT: _l("En préparation"),
            cls.ACTIVE: _l("En cours d'exécution"),
            cls.COMPLETED: _l("Achevée"),
        }


class Roadmap(RecordMixin, table=True):
    """An organisation's security plan over a period, and the programme that co-funds it."""

    __tablename__ = "roadmap"
    __scope__ = Scope(Register.ROADMAP)

    organisation_id: int = Field(foreign_key="organisation.id", nullable=False, index=True)
    title: str = Field(max_length=200, nullable=False)
    summary: str | None = Field(default=None, sa_type=sa.Text)
    start_on: date = Field(nullable=False)
    end_on: date = Field(nullable=False)
    state: RoadmapState = Field(
        default=RoadmapState.DRAFT, sa_type=str_enum(RoadmapState), nullable=False
    )
    programme_name: str | None = Field(default=None, max_length=200)
    grant_agreement: str | None = Field(default=None, max_length=200)
    subsidy_total: int | None = None
    cofunding_rate: int | None = None  # percent of the eligible spending the programme pays
    subsidy_received: int | None = None
    funding_notes: str | None = Field(default=None, sa_type=sa.Text)
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


class Priority(LabeledEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"

    @classmethod
    def __labels__(cls):
        return {
            cls.P1: _l("P1 · Prioritaire"),
            cls.P2: _l("P2 · Importante"),
            cls.P3: _l("P3 · Souhaitable"),
        }


class ActionStatus(LabeledEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"

    @classmethod
    def __labels__(cls):
        return {
            cls.PLANNED: _l("Prévue"),
            cls.IN_PROGRESS: _l("En cours"),
            cls.DONE: _l("Réalisée"),
            cls.POSTPONED: _l("Reportée"),
            cls.CANCELLED: _l("Abandonnée"),
        }

    @classmethod
    def open(cls) -> tuple["ActionStatus", ...]:
        """Still to be carried out: such an action past its target date is late."""
        return (cls.PLANNED, cls.IN_PROGRESS, cls.POSTPONED)


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


class RoadmapAction(RecordMixin, table=True):
    """One item of the plan: what is done, for which hygiene measures, by whom, when, for how
    much, and how far it has gone."""

    __tablename__ = "roadmap_action"
    __scope__ = Scope(Register.ROADMAP)

    roadmap_id: int = Field(foreign_key="roadmap.id", nullable=False, index=True)
    # The roadmap's organisation, copied so that every query is scoped on one column.
    organisation_id: int = Field(foreign_key="organisation.id", nullable=False, index=True)
    code: str = Field(max_length=20, nullable=False)
    title: str = Field(max_length=200, nullable=False)
    description: str | None = Field(default=None, sa_type=sa.Text)
    theme: Theme = Field(sa_type=str_enum(Theme, 4), nullable=False, index=True)
    priority: Priority = Field(default=Priority.P2, sa_type=str_enum(Priority, 2), nullable=False)
    owner: str | None = Field(default=None, max_length=200)
    start_on: date = Field(nullable=False)
    target_on: date = Field(nullable=False, index=True)
    status: ActionStatus = Field(
        default=ActionStatus.PLANNED, sa_type=str_enum(ActionStatus), nullable=False, index=True
    )
    progress: int = Field(default=0, nullable=False)
    completed_on: date | None = None
    investment_estimated: int = Field(default=0, nullable=False)
    investment_spent: int = Field(default=0, nullable=False)
    operating_estimated: int = Field(default=0, nullable=False)
    operating_spent: int = Field(default=0, nullable=False)
    subsidy_amount: int = Field(default=0, nullable=False)
    # Why it is late or postponed: what the board and ANSSI read in the report.
    delay_reason: str | None = Field(default=None, sa_type=sa.Text)
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

    def is_late(self, today: date) -> bool:
        """Target date passed and still not done (nor abandoned)."""
        return self.status in ActionStatus.open() and self.target_on < today


class Milestone(IdMixin, table=True):
    """A dated step of an action (specification signed, tool installed, members connected)."""

    __tablename__ = "roadmap_milestone"
    __scope__ = Scope.through(RoadmapAction, "action_id")
    # Audited as part of its parent's change.
    __audit_parent__ = ("RoadmapAction", "action_id")
    __audit_fold__ = True

    action_id: int = Field(
        foreign_key="roadmap_action.id", nullable=False, index=True, ondelete="CASCADE"
    )
    due_on: date = Field(nullable=False)
    label: str = Field(max_length=200, nullable=False)
    done: bool = Field(default=False, nullable=False)

    action: RoadmapAction = Relationship(back_populates="milestones")


class AssessmentState(LabeledEnum):
    NOT_DONE = "not_done"
    PARTIAL = "partial"
    DONE = "done"
    NOT_APPLICABLE = "not_applicable"

    @classmethod
    def __labels__(cls):
        return {
            cls.NOT_DONE: _l("Non appliquée"),
            cls.PARTIAL: _l("Partiellement appliquée"),
            cls.DONE: _l("Appliquée"),
            cls.NOT_APPLICABLE: _l("Sans objet"),
        }

    @property
    def is_gap(self) -> bool:
        return self in (AssessmentState.NOT_DONE, AssessmentState.PARTIAL)


class HygieneAssessment(RecordMixin, table=True):
    """An organisation's current state against one measure of the guide."""

    __tablename__ = "hygiene_assessment"
    __scope__ = Scope(Register.ROADMAP)

    organisation_id: int = Field(foreign_key="organisation.id", nullable=False, index=True)
    measure_id: int = Field(foreign_key="hygiene_measure.id", nullable=False, index=True)
    state: AssessmentState = Field(sa_type=str_enum(AssessmentState), nullable=False)
    comment: str | None = Field(default=None, sa_type=sa.Text)
    assessed_on: date | None = None

    organisation: Organisation = Relationship()
    measure: HygieneMeasure = Relationship()

    __table_args__ = (sa.UniqueConstraint("organisation_id", "measure_id"),)
