"""The audits register's entities, each declared once (ISO/IEC 27001:2022 §9.2 and §9.3):

- the audit programme of a year, its audits and their findings;
- the management review, its inputs computed from the registers and the actions it decides.

A form, the API, the command line and the demo hand their values to these schemas; the rules
that need the database or several records (a nonconformity opens a corrective action, an audit
closes only once each nonconformity has one) stay in the services.
"""

# No `from __future__ import annotations`: the tables of models.py inherit these fields, and
# SQLModel reads their annotations as real objects.

from datetime import date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import field_serializer
from sqlmodel import Field, SQLModel

from compliance.db import str_enum
from compliance.enums import LabeledEnum
from compliance.schemas import Input, Output, Query, partial
from compliance.types import Code, Day, Id, Ids, Line, Text, WholeNumber

# --- values ---------------------------------------------------------------------------------


class AuditStatus(LabeledEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    REPORTED = "reported"
    CLOSED = "closed"

    @classmethod
    def __labels__(cls):
        return {
            cls.PLANNED: _l("Planifié"),
            cls.IN_PROGRESS: _l("En cours"),
            cls.REPORTED: _l("Rapport remis"),
            cls.CLOSED: _l("Clos"),
        }


class FindingKind(LabeledEnum):
    MAJOR = "major"
    MINOR = "minor"
    OBSERVATION = "observation"
    IMPROVEMENT = "improvement"

    @classmethod
    def __labels__(cls):
        return {
            cls.MAJOR: _l("Non-conformité majeure"),
            cls.MINOR: _l("Non-conformité mineure"),
            cls.OBSERVATION: _l("Observation"),
            cls.IMPROVEMENT: _l("Opportunité d'amélioration"),
        }

    @property
    def is_nonconformity(self) -> bool:
        return self in (FindingKind.MAJOR, FindingKind.MINOR)

    @classmethod
    def nonconformities(cls) -> tuple["FindingKind", ...]:
        return (cls.MAJOR, cls.MINOR)


class ReviewStatus(LabeledEnum):
    DRAFT = "draft"
    HELD = "held"

    @classmethod
    def __labels__(cls):
        return {cls.DRAFT: _l("En préparation"), cls.HELD: _l("Tenue")}


class DecidedKind(LabeledEnum):
    """What an action decided by the review becomes."""

    ROADMAP = "roadmap"
    CORRECTIVE = "corrective"

    @classmethod
    def __labels__(cls):
        return {
            cls.ROADMAP: _l("Action de la feuille de route"),
            cls.CORRECTIVE: _l("Action corrective"),
        }


class Answer(Output):
    """What the API answers: instants in ISO 8601."""

    @field_serializer("*", mode="wrap", when_used="json")
    def _instant(self, value: Any, handler):
        if isinstance(value, datetime):
            return value.isoformat()
        return handler(value)


def _check_order(start: date | None, end: date | None, end_name: str) -> None:
    from compliance.services import FieldErrors

    if start is not None and end is not None and end < start:
        raise FieldErrors({end_name: _("ne peut pas précéder la date de début")})


# --- audit programme --------------------------------------------------------------------------


class ProgrammeBase(SQLModel):
    year: WholeNumber = Field(nullable=False, ge=2000, le=2100)
    objectives: Text = Field(max_length=10_000, sa_type=sa.Text, nullable=False)
    scope: Text | None = Field(default=None, max_length=10_000, sa_type=sa.Text)


class ProgrammeCreate(ProgrammeBase, Input):
    organisation_id: Id


ProgrammeUpdate = partial(ProgrammeCreate)
ProgrammeUpdate.__required__ = ProgrammeUpdate.__required__ | {"organisation_id", "year"}


class ProgrammePatch(ProgrammeUpdate):
    version: int


# --- audits -----------------------------------------------------------------------------------


class AuditBase(SQLModel):
    title: Line = Field(max_length=200, nullable=False)
    # The perimeter in words (sites, processes, applications).
    scope: Text = Field(max_length=10_000, sa_type=sa.Text, nullable=False)
    # The reference frames: ISO 27001 clauses, the ANSSI hygiene guide...
    criteria: Text = Field(max_length=10_000, sa_type=sa.Text, nullable=False)
    auditor: Line = Field(max_length=200, nullable=False)
    independence: Text | None = Field(default=None, max_length=10_000, sa_type=sa.Text)
    planned_start: Day = Field(nullable=False)
    planned_end: Day = Field(nullable=False)
    actual_start: Day | None = None
    actual_end: Day | None = Field(default=None, index=True)
    conclusion: Text | None = Field(default=None, max_length=20_000, sa_type=sa.Text)


class AuditCreate(AuditBase, Input):
    programme_id: Id
    # The member organisations audited; none: the syndicate itself.
    organisation_ids: Ids = Field(default_factory=list)


AuditUpdate = partial(AuditCreate)
AuditUpdate.__required__ = AuditUpdate.__required__ | {"programme_id"}


class AuditPatch(AuditUpdate):
    version: int


class AuditTransition(Input):
    status: Code[AuditStatus]


class AuditTransitionPatch(AuditTransition):
    version: int


# --- findings ---------------------------------------------------------------------------------


class FindingBase(SQLModel):
    kind: Code[FindingKind] = Field(sa_type=str_enum(FindingKind, 16), nullable=False)
    clause: Line | None = Field(default=None, max_length=200)
    description: Text = Field(max_length=10_000, sa_type=sa.Text, nullable=False)
    evidence: Text | None = Field(default=None, max_length=10_000, sa_type=sa.Text)


class CorrectiveActionPlan(Input):
    """What a nonconformity's corrective action needs (the rest comes from the finding)."""

    action: Text | None = Field(default=None, max_length=10_000)
    owner: Line | None = Field(default=None, max_length=200)
    due_on: Day | None = None


class FindingCreate(FindingBase, CorrectiveActionPlan):
    """A finding; a nonconformity comes with its corrective action (action, owner, due_on)."""


FindingUpdate = partial(FindingBase, "FindingUpdate")


class FindingPatch(FindingUpdate):
    version: int


# --- management review ------------------------------------------------------------------------


class ReviewBase(SQLModel):
    period_start: Day = Field(nullable=False)
    period_end: Day = Field(nullable=False, index=True)
    held_on: Day | None = None
    chair: Line | None = Field(default=None, max_length=200)
    participants: Text | None = Field(default=None, max_length=5_000, sa_type=sa.Text)
    # 9.3.2 b), c), e) and g): written by the CISO.
    issue_changes: Text | None = Field(default=None, max_length=20_000, sa_type=sa.Text)
    party_needs: Text | None = Field(default=None, max_length=20_000, sa_type=sa.Text)
    party_feedback: Text | None = Field(default=None, max_length=20_000, sa_type=sa.Text)
    improvements: Text | None = Field(default=None, max_length=20_000, sa_type=sa.Text)
    decisions: Text | None = Field(default=None, max_length=20_000, sa_type=sa.Text)


class ReviewCreate(ReviewBase, Input):
    organisation_id: Id


ReviewUpdate = partial(ReviewCreate)
ReviewUpdate.__required__ = ReviewUpdate.__required__ | {
    "organisation_id",
    "period_start",
    "period_end",
}


class ReviewPatch(ReviewUpdate):
    version: int


class DecidedActionBase(SQLModel):
    kind: Code[DecidedKind] = Field(sa_type=str_enum(DecidedKind, 16), nullable=False)
    title: Line = Field(max_length=200, nullable=False)
    description: Text = Field(max_length=10_000, sa_type=sa.Text, nullable=False)
    owner: Line = Field(max_length=200, nullable=False)
    due_on: Day = Field(nullable=False)


class DecidedActionCreate(DecidedActionBase, Input):
    """An action the review decides; a roadmap action goes into `roadmap_id` (default: the
    organisation's current roadmap)."""

    roadmap_id: Id | None = None


# --- answers ----------------------------------------------------------------------------------


class OrganisationRef(Answer):
    id: int
    slug: str
    name: str


class CorrectiveActionRef(Answer):
    id: int
    reference: str
    title: str
    status: str


class FindingRead(FindingBase, Answer):
    id: int
    reference: str
    clause: str | None
    description: str
    evidence: str | None
    corrective_action: CorrectiveActionRef | None
    version: int


class AuditRead(AuditBase, Answer):
    id: int
    reference: str
    programme_id: int
    title: str
    scope: str
    criteria: str
    auditor: str
    independence: str | None
    conclusion: str | None
    status: AuditStatus
    organisation: OrganisationRef
    audited_organisations: list[OrganisationRef]
    version: int
    created_at: datetime
    updated_at: datetime


class AuditDetail(AuditRead):
    findings: list[FindingRead]


class ProgrammeRead(ProgrammeBase, Answer):
    id: int
    objectives: str
    scope: str | None
    organisation: OrganisationRef
    version: int


class ReviewFigureRead(Answer):
    key: str
    label: str
    value: int | float | str | None
    previous: int | float | str | None = None


class ReviewSectionRead(Answer):
    key: str
    clause: str
    title: str
    figures: list[ReviewFigureRead]
    header: list[str]
    rows: list[list[Any]]


class DecidedActionRead(DecidedActionBase, Answer):
    id: int
    title: str
    description: str
    owner: str
    record_reference: str | None
    record_status: str | None


class ReviewRead(ReviewBase, Answer):
    id: int
    reference: str
    status: ReviewStatus
    chair: str | None
    participants: str | None
    issue_changes: str | None
    party_needs: str | None
    party_feedback: str | None
    improvements: str | None
    decisions: str | None
    organisation: OrganisationRef
    held_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class ReviewDetail(ReviewRead):
    sections: list[ReviewSectionRead]
    actions: list[DecidedActionRead]


class AuditFilters(Query):
    year: WholeNumber | None = None
    status: Code[AuditStatus] | None = None
    organisation_id: Id | None = None


class ReviewFilters(Query):
    status: Code[ReviewStatus] | None = None
    organisation_id: Id | None = None

    SORTS: ClassVar[tuple[str, ...]] = ()
