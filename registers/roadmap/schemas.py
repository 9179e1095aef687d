"""The roadmap's entities, each declared once: roadmaps, roadmap actions (with their links and
milestones) and the hygiene self-assessment rows; their codes (themes, priorities, states);
what a write accepts, what the API answers and the actions list's filters. The pages, the API
and the demo check their values through these schemas (see compliance/schemas.py).

Amounts are whole euros: a security plan is budgeted to the euro, never to the cent."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import BeforeValidator, StrictBool, StrictInt
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from compliance.db import str_enum
from compliance.enums import LabeledEnum
from compliance.schemas import Input, Output, Query, partial
from compliance.text import text_value
from compliance.types import (
    Code,
    Day,
    Euros,
    Flag,
    Id,
    Ids,
    Line,
    Switch,
    Text,
    WholeNumber,
    is_blank,
)

# --- codes ------------------------------------------------------------------------------------


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
    def open(cls) -> tuple[ActionStatus, ...]:
        """Still to be carried out: such an action past its target date is late."""
        return (cls.PLANNED, cls.IN_PROGRESS, cls.POSTPONED)


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


# --- the register's value types ---------------------------------------------------------------

MAX_EUROS = 1_000_000_000


def _euros_text(value):
    """ "85 000 €" as people write it: the currency sign and the spaces go."""
    if isinstance(value, str):
        for sign in ("€", " ", "\u00a0", "\u202f"):
            value = value.replace(sign, "")
    return value


def _zero_when_blank(value):
    return 0 if is_blank(value) else _euros_text(value)


# Whole euros; blank is not given.
Money = Annotated[Euros, BeforeValidator(_euros_text)]
# Whole euros; blank is zero (an action with no operating cost).
Amount = Annotated[Euros, BeforeValidator(_zero_when_blank)]
# A percentage; blank is zero (an action not started).
Percent = Annotated[WholeNumber, BeforeValidator(lambda value: 0 if is_blank(value) else value)]


def _split(value):
    """Ids or refs given as text, separated by commas, semicolons or spaces."""
    if isinstance(value, str):
        return value.replace(";", ",").replace(" ", ",").split(",")
    return value


def _refs(value) -> list[str]:
    if is_blank(value):
        return []
    if not isinstance(value, list | tuple):
        raise ValueError(_("doit être une liste de numéros de mesures"))
    refs: list[str] = []
    for item in value:
        if not isinstance(item, str | int):
            raise ValueError(_("doit être une liste de numéros de mesures"))
        ref = (text_value(item, multiline=False) or "").strip().upper()
        if ref and ref not in refs:
            refs.append(ref)
    return refs


# Refs of the guide's measures ("13", "13.R"): a list, or text separated by commas.
MeasureRefs = Annotated[list[str], BeforeValidator(_refs), BeforeValidator(_split)]
# Record ids: a list, or text separated by commas or spaces.
LinkIds = Annotated[Ids, BeforeValidator(_split)]


# --- roadmaps ---------------------------------------------------------------------------------


class RoadmapBase(SQLModel):
    """An organisation's security plan over a period, and the programme that co-funds it."""

    title: Line = Field(max_length=200, nullable=False)
    summary: Text | None = Field(default=None, sa_type=sa.Text)
    start_on: Day = Field(nullable=False)
    end_on: Day = Field(nullable=False)
    state: Code[RoadmapState] = Field(
        default=RoadmapState.DRAFT, sa_type=str_enum(RoadmapState), nullable=False
    )
    programme_name: Line | None = Field(default=None, max_length=200)
    grant_agreement: Line | None = Field(default=None, max_length=200)
    subsidy_total: Money | None = Field(default=None, le=MAX_EUROS)
    # Percent of the eligible spending the programme pays.
    cofunding_rate: WholeNumber | None = Field(default=None, ge=0, le=100)
    subsidy_received: Money | None = Field(default=None, le=MAX_EUROS)
    funding_notes: Text | None = Field(default=None, sa_type=sa.Text)


class RoadmapCreate(RoadmapBase, Input):
    organisation_id: Id


# Editing a roadmap: its organisation stays; what the table requires cannot be blanked.
RoadmapUpdate = partial(RoadmapBase, "RoadmapUpdate")
RoadmapUpdate.__required__ = frozenset({"title", "start_on", "end_on", "state"})


class RoadmapRead(RoadmapBase, Output):
    id: int
    organisation_id: int
    archived: bool = Field(validation_alias="is_archived")
    version: int


# --- milestones -------------------------------------------------------------------------------


class MilestoneBase(SQLModel):
    """A dated step of an action (specification signed, tool installed, members connected)."""

    due_on: Day = Field(nullable=False)
    label: Line = Field(max_length=200, nullable=False)
    done: Flag = Field(default=False, nullable=False)


class MilestoneCreate(MilestoneBase, Input):
    pass


class MilestoneRead(MilestoneBase, Output):
    id: int


# --- roadmap actions --------------------------------------------------------------------------


class RoadmapActionBase(SQLModel):
    """One item of the plan: what is done, by whom, when, for how much, how far it has gone."""

    code: Line = Field(max_length=20, nullable=False)
    title: Line = Field(max_length=200, nullable=False)
    description: Text | None = Field(default=None, sa_type=sa.Text)
    theme: Code[Theme] = Field(sa_type=str_enum(Theme, 4), nullable=False, index=True)
    priority: Code[Priority] = Field(
        default=Priority.P2, sa_type=str_enum(Priority, 2), nullable=False
    )
    owner: Line | None = Field(default=None, max_length=200)
    start_on: Day = Field(nullable=False)
    target_on: Day = Field(nullable=False, index=True)
    status: Code[ActionStatus] = Field(
        default=ActionStatus.PLANNED, sa_type=str_enum(ActionStatus), nullable=False, index=True
    )
    progress: Percent = Field(default=0, nullable=False, ge=0, le=100)
    completed_on: Day | None = None
    investment_estimated: Amount = Field(default=0, nullable=False, le=MAX_EUROS)
    investment_spent: Amount = Field(default=0, nullable=False, le=MAX_EUROS)
    operating_estimated: Amount = Field(default=0, nullable=False, le=MAX_EUROS)
    operating_spent: Amount = Field(default=0, nullable=False, le=MAX_EUROS)
    subsidy_amount: Amount = Field(default=0, nullable=False, le=MAX_EUROS)
    # Why it is late or postponed: what the board and ANSSI read in the report.
    delay_reason: Text | None = Field(default=None, sa_type=sa.Text)


class RoadmapActionLinks(SQLModel):
    """What an action is linked to, by the refs or ids of the records it points at."""

    measures: MeasureRefs = Field(default_factory=list, description="refs of the guide: 13, 13.R")
    application_ids: LinkIds = Field(default_factory=list)
    incident_ids: LinkIds = Field(default_factory=list)
    corrective_action_ids: LinkIds = Field(default_factory=list)


class RoadmapActionFields(RoadmapActionBase, RoadmapActionLinks, Input):
    """An action's values and links; without a code, the next one of its roadmap (A-01…)."""

    code: Line | None = Field(default=None, max_length=20)


class RoadmapActionCreate(RoadmapActionFields):
    roadmap_id: Id


RoadmapActionUpdate = partial(RoadmapActionFields, "RoadmapActionUpdate")
RoadmapActionUpdate.__required__ = frozenset(
    {"code", "title", "theme", "priority", "start_on", "target_on", "status"}
)


class RoadmapActionPatch(RoadmapActionUpdate):
    """A change of the API: the values, the version the client read (required), and
    `archived` (true archives the action, false restores it)."""

    version: StrictInt | None = Field(default=None, description="the version you read")
    archived: StrictBool | None = None


class Escalation(partial(RoadmapActionFields, "EscalationFields")):
    """A corrective action carried into a roadmap: the roadmap (by default the organisation's
    current one) and any value of the new action; the rest comes from the corrective action."""

    roadmap_id: Id | None = None


# A value left blank is prefilled from the corrective action.
Escalation.__required__ = frozenset()


def _refs_of(measures) -> list[str]:
    return [getattr(measure, "ref", measure) for measure in measures]


def _ids_of(records) -> list[int]:
    return [getattr(record, "id", record) for record in records]


class RoadmapActionRead(RoadmapActionBase, Output):
    id: int
    roadmap_id: int
    organisation_id: int
    late: bool
    estimated_total: int
    spent_total: int
    measures: Annotated[list[str], BeforeValidator(_refs_of)]
    milestones: list[MilestoneRead]
    archived: bool = Field(validation_alias="is_archived")
    version: int


class RoadmapActionDetail(RoadmapActionRead):
    """An action with the ids of the records it is linked to."""

    application_ids: Annotated[list[int], BeforeValidator(_ids_of)] = Field(
        validation_alias="applications"
    )
    incident_ids: Annotated[list[int], BeforeValidator(_ids_of)] = Field(
        validation_alias="incidents"
    )
    corrective_action_ids: Annotated[list[int], BeforeValidator(_ids_of)] = Field(
        validation_alias="corrective_actions"
    )


class RoadmapActionFilters(Query):
    q: Line | None = Field(default=None, description="code, title, owner or description")
    roadmap_id: WholeNumber | None = Field(default=None, ge=0)
    theme: Code[Theme] | None = None
    status: Code[ActionStatus] | None = None
    priority: Code[Priority] | None = None
    late: Switch = Field(default=False, description="only the actions past their target")
    include_archived: Switch = False

    @property
    def is_set(self) -> bool:
        return any(
            (self.q, self.theme, self.status, self.priority, self.late, self.include_archived)
        )


# --- the hygiene self-assessment --------------------------------------------------------------


class HygieneAssessmentBase(SQLModel):
    """An organisation's current state against one measure of the guide."""

    state: Code[AssessmentState] = Field(sa_type=str_enum(AssessmentState), nullable=False)
    comment: Text | None = Field(default=None, sa_type=sa.Text)
    assessed_on: Day | None = None


class HygieneAssessmentCreate(HygieneAssessmentBase, Input):
    """Without a date, the assessment is of today."""


class HygieneAssessmentPut(HygieneAssessmentCreate):
    """The API's write: the values, and the version the client read once the measure was
    assessed."""

    version: StrictInt | None = None


class HygieneAssessmentQuery(Query):
    organisation: Line | None = Field(default=None, description="slug or id (required)")


class ActionBrief(Output):
    id: int
    code: str
    status: ActionStatus


class HygieneRowRead(Output):
    """One measure of the guide, the organisation's state against it and the actions planned."""

    ref: str
    measure: int
    level: MeasureLevel
    theme: Theme
    title: str
    title_en: str
    state: AssessmentState | None
    comment: str | None
    assessed_on: date | None
    version: int | None
    coverage: str
    actions: list[ActionBrief]


class OrganisationBrief(Output):
    id: int
    slug: str


class CoverageRead(Output):
    total: int
    applicable: int
    covered_percent: int = PydanticField(
        description="the measures applied, among those that apply (planned ones are not covered)"
    )
    applied_percent: int
    planned_percent: int = PydanticField(
        description="the gaps a roadmap action addresses, not yet applied, among the measures "
        "that apply"
    )
    counts: dict[str, int]


class HygieneAssessmentRead(Output):
    """An organisation's state against the 42 measures of ANSSI's guide (61 rows with the
    reinforced levels), the actions planned for each gap, the coverage."""

    organisation: OrganisationBrief
    source: str
    coverage: CoverageRead
    items: list[HygieneRowRead]


def measure_row(row: Any) -> HygieneRowRead:
    """The API's row of a compute.MeasureRow."""
    assessment = row.assessment
    return HygieneRowRead(
        ref=row.measure.ref,
        measure=row.measure.measure,
        level=row.measure.level,
        theme=row.measure.theme,
        title=row.measure.title,
        title_en=row.measure.title_en,
        state=row.state,
        comment=assessment.comment if assessment else None,
        assessed_on=assessment.assessed_on if assessment else None,
        version=assessment.version if assessment else None,
        coverage=row.coverage,
        actions=[ActionBrief.model_validate(action) for action in row.actions],
    )
