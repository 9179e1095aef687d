"""The risk register's entity, declared once: a risk to the information security of the
syndicate or of a member (ISO 27001 6.1.2), assessed on EBIOS RM's four-level scales, and its
treatment (6.1.3). Its codes and scales, the shared fields (`RiskBase`, which the table in
models.py inherits), what a write accepts, what the API answers and the list's filters."""

# No `from __future__ import annotations`: the table in models.py inherits these fields, and
# SQLModel needs their annotations as real objects.

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import field_validator
from sqlmodel import Field, SQLModel

from compliance.db import str_enum
from compliance.enums import LabeledEnum
from compliance.schemas import Input, Output, Query, partial
from compliance.types import Code, Day, Flag, Id, Ids, Line, Switch, Text, WholeNumber, is_blank

# --- the scales ---------------------------------------------------------------------------------

LEVELS = (1, 2, 3, 4)


def likelihood_label(value: int | None) -> str:
    """EBIOS RM's likelihood scale (V1 peu vraisemblable to V4 quasi certain)."""
    labels = {
        1: _l("Peu vraisemblable"),
        2: _l("Vraisemblable"),
        3: _l("Très vraisemblable"),
        4: _l("Quasi certain"),
    }
    return str(labels.get(value, "–"))


def impact_label(value: int | None) -> str:
    """EBIOS RM's severity scale for the impact (G1 mineure to G4 critique)."""
    labels = {
        1: _l("Mineure"),
        2: _l("Significative"),
        3: _l("Grave"),
        4: _l("Critique"),
    }
    return str(labels.get(value, "–"))


class RiskLevel(LabeledEnum):
    """The band a likelihood x impact product falls in."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    CRITICAL = "critical"

    @classmethod
    def __labels__(cls):
        return {
            cls.LOW: _l("Faible"),
            cls.MODERATE: _l("Modéré"),
            cls.HIGH: _l("Élevé"),
            cls.CRITICAL: _l("Critique"),
        }

    @property
    def scores(self) -> tuple[int, int]:
        """The products (likelihood x impact, 1 to 16) of the band, both included."""
        return BANDS[self]

    @property
    def products(self) -> tuple[int, ...]:
        """The products of two levels (1 to 4) that fall in the band: 8 and 9 for high."""
        low, high = BANDS[self]
        return tuple(sorted({a * b for a in LEVELS for b in LEVELS if low <= a * b <= high}))

    @classmethod
    def of(cls, score: int | None) -> "RiskLevel | None":
        if score is None:
            return None
        return next(level for level, (low, high) in BANDS.items() if low <= score <= high)


# 1-3 low, 4-6 moderate, 8-9 high, 12-16 critical: a risk V3 "très vraisemblable" and G3
# "grave" is high, any risk V4 "quasi certain" with a G4 "critique" impact is critical.
BANDS = {
    RiskLevel.LOW: (1, 3),
    RiskLevel.MODERATE: (4, 6),
    RiskLevel.HIGH: (7, 9),
    RiskLevel.CRITICAL: (10, 16),
}

# A residual level from this band up is kept only if its owner accepts it, by name and date.
ACCEPTANCE_THRESHOLD = RiskLevel.HIGH


class Treatment(LabeledEnum):
    """ISO 27005's four options."""

    REDUCE = "reduce"
    ACCEPT = "accept"
    TRANSFER = "transfer"
    AVOID = "avoid"

    @classmethod
    def __labels__(cls):
        return {
            cls.REDUCE: _l("Réduire"),
            cls.ACCEPT: _l("Accepter"),
            cls.TRANSFER: _l("Transférer"),
            cls.AVOID: _l("Éviter"),
        }


class RiskStatus(LabeledEnum):
    """identified -> in treatment -> treated -> closed."""

    IDENTIFIED = "identified"
    IN_TREATMENT = "in_treatment"
    TREATED = "treated"
    CLOSED = "closed"

    @classmethod
    def __labels__(cls):
        return {
            cls.IDENTIFIED: _l("Identifié"),
            cls.IN_TREATMENT: _l("En traitement"),
            cls.TREATED: _l("Traité"),
            cls.CLOSED: _l("Clos"),
        }


# The statuses whose review date still matters.
OPEN_STATUSES = (RiskStatus.IDENTIFIED, RiskStatus.IN_TREATMENT, RiskStatus.TREATED)


# --- a risk -------------------------------------------------------------------------------------


class RiskBase(SQLModel):
    """The fields of a risk that a write sets and the API answers."""

    organisation_id: Id = Field(
        foreign_key="organisation.id", nullable=False, index=True, ondelete="CASCADE"
    )
    title: Line = Field(max_length=200, nullable=False)
    identified_on: Day = Field(nullable=False)
    risk_source: Text | None = Field(default=None, max_length=5_000, sa_type=sa.Text)
    threat_scenario: Text | None = Field(default=None, max_length=10_000, sa_type=sa.Text)
    consequence_confidentiality: Text | None = Field(
        default=None, max_length=5_000, sa_type=sa.Text
    )
    consequence_integrity: Text | None = Field(default=None, max_length=5_000, sa_type=sa.Text)
    consequence_availability: Text | None = Field(default=None, max_length=5_000, sa_type=sa.Text)
    consequence_persons: Text | None = Field(default=None, max_length=5_000, sa_type=sa.Text)
    # The risk concerns personal data (set too when activities or a DPIA are linked).
    personal_data: Flag = Field(default=False, nullable=False)
    dpia_id: Id | None = Field(default=None, foreign_key="dpia.id", index=True, ondelete="SET NULL")
    likelihood: WholeNumber = Field(ge=1, le=4, nullable=False)
    impact: WholeNumber = Field(ge=1, le=4, nullable=False)
    owner: Line = Field(max_length=200, nullable=False)
    treatment: Code[Treatment] = Field(sa_type=str_enum(Treatment, 16), nullable=False, index=True)
    treatment_details: Text | None = Field(default=None, max_length=10_000, sa_type=sa.Text)
    residual_likelihood: WholeNumber | None = Field(default=None, ge=1, le=4)
    residual_impact: WholeNumber | None = Field(default=None, ge=1, le=4)
    accepted_by: Line | None = Field(default=None, max_length=200)
    accepted_on: Day | None = Field(default=None)
    accepted_until: Day | None = Field(default=None)
    review_on: Day | None = Field(default=None, index=True)
    status: Code[RiskStatus] = Field(
        default=RiskStatus.IDENTIFIED, sa_type=str_enum(RiskStatus, 16), nullable=False, index=True
    )


class RiskCreate(RiskBase, Input):
    """A new risk: its scope (the syndicate or a member), title, assessment, owner and treatment
    are required; the links name records of the risk's organisation."""

    application_ids: Ids = Field(default_factory=list)
    interface_ids: Ids = Field(default_factory=list)
    processing_ids: Ids = Field(default_factory=list)
    roadmap_action_ids: Ids = Field(default_factory=list)
    hygiene_measure_ids: Ids = Field(default_factory=list)


RiskUpdate = partial(RiskCreate)


class RiskPatch(RiskUpdate):
    """A risk's changes and the version read (the API's PATCH)."""

    version: int = Field(description="The version read (optimistic locking).")


# --- what the API answers -----------------------------------------------------------------------


class Ref(Output):
    id: int
    name: str


class OrganisationRef(Output):
    id: int
    slug: str
    name: str


class CodedRef(Output):
    id: int
    code: str
    title: str


class MeasureRef(Output):
    id: int
    ref: str
    title: str


class ActivityRef(Output):
    id: int
    reference: str
    name: str


class RiskRead(RiskBase, Output):
    """A risk as the API answers it."""

    id: int
    reference: str
    inherent_score: int
    inherent_level: RiskLevel
    residual_score: int | None
    residual_level: RiskLevel | None
    review_late: bool
    acceptance_expired: bool
    concerns_personal_data: bool
    application_ids: list[int]
    interface_ids: list[int]
    processing_ids: list[int]
    roadmap_action_ids: list[int]
    hygiene_measure_ids: list[int]
    applications: list[Ref]
    processing_activities: list[ActivityRef] = Field(validation_alias="activities")
    roadmap_actions: list[CodedRef]
    hygiene_measures: list[MeasureRef] = Field(validation_alias="measures")
    organisation: OrganisationRef
    version: int
    created_at: datetime
    updated_at: datetime


# --- the list's filters -------------------------------------------------------------------------

SORTS = ("level", "reference", "review", "organisation")


class RiskFilters(Query):
    """The list's filters, from the query string."""

    q: Line | None = None
    organisation_id: WholeNumber | None = None
    level: Code[RiskLevel] | None = None
    residual_level: Code[RiskLevel] | None = None
    treatment: Code[Treatment] | None = None
    status: Code[RiskStatus] | None = None
    owner: Line | None = None
    # A cell of the heat maps: before treatment, or after.
    likelihood: WholeNumber | None = Field(default=None, ge=1, le=4)
    impact: WholeNumber | None = Field(default=None, ge=1, le=4)
    residual_likelihood: WholeNumber | None = Field(default=None, ge=1, le=4)
    residual_impact: WholeNumber | None = Field(default=None, ge=1, le=4)
    application_id: WholeNumber | None = None
    processing_id: WholeNumber | None = None
    roadmap_action_id: WholeNumber | None = None
    review_late: Switch = False
    personal_data: Switch = False
    sort: Line = Field(
        default="level",
        description="level, reference, review or organisation; - before: descending",
    )

    @field_validator("sort", mode="before")
    @classmethod
    def _default_sort(cls, value):
        return "level" if is_blank(value) else value

    @field_validator("sort", mode="after")
    @classmethod
    def _known_sort(cls, value: str) -> str:
        if value.lstrip("-") not in SORTS:
            raise ValueError(
                _("doit être l'une des valeurs : %(allowed)s", allowed=", ".join(SORTS))
            )
        return value


__all__ = [
    "ACCEPTANCE_THRESHOLD",
    "LEVELS",
    "OPEN_STATUSES",
    "RiskCreate",
    "RiskFilters",
    "RiskLevel",
    "RiskRead",
    "RiskStatus",
    "RiskUpdate",
    "Treatment",
]
