"""The DPIA register's entities, each declared once: its codes (the CNIL's scales, the points of
the fundamental principles, the three risks of the method), the fields the tables and every write
share (`XBase`), what a write accepts (`XCreate`, `XUpdate`), what the API answers (`XRead`) and
the list's filters.

The structure follows the CNIL's PIA method (2018 guides "La méthode", "Les modèles", "Les bases
de connaissances"): context, fundamental principles, risks, validation."""

# No `from __future__ import annotations`: the tables of models.py inherit these fields, and
# SQLModel reads their annotations as real objects.

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from pydantic import field_serializer
from sqlmodel import Field, SQLModel

from compliance.db import str_enum
from compliance.enums import LabeledEnum
from compliance.schemas import Input, Output, Query, partial
from compliance.types import Code, Day, Id, Line, Text

# --- codes ---------------------------------------------------------------------------------------


class DpiaStatus(LabeledEnum):
    DRAFT = "draft"
    TO_REVIEW = "to_review"
    VALIDATED = "validated"
    TO_REVISE = "to_revise"

    @classmethod
    def __labels__(cls):
        return {
            cls.DRAFT: _l("Brouillon"),
            cls.TO_REVIEW: _l("À examiner par le délégué"),
            cls.VALIDATED: _l("Validée"),
            cls.TO_REVISE: _l("À réviser"),
        }


class RiskLevel(LabeledEnum):
    """The CNIL's four-level scale, for severity and likelihood alike."""

    NEGLIGIBLE = "negligible"
    LIMITED = "limited"
    SIGNIFICANT = "significant"
    MAXIMUM = "maximum"

    @classmethod
    def __labels__(cls):
        return {
            cls.NEGLIGIBLE: _l("Négligeable"),
            cls.LIMITED: _l("Limitée"),
            cls.SIGNIFICANT: _l("Importante"),
            cls.MAXIMUM: _l("Maximale"),
        }

    @property
    def rank(self) -> int:
        """1 (négligeable) to 4 (maximale): the row or column of the risk map."""
        return list(RiskLevel).index(self) + 1


class RiskKind(LabeledEnum):
    """The three feared events of the method."""

    ILLEGITIMATE_ACCESS = "illegitimate_access"
    UNWANTED_MODIFICATION = "unwanted_modification"
    DISAPPEARANCE = "disappearance"

    @classmethod
    def __labels__(cls):
        return {
            cls.ILLEGITIMATE_ACCESS: _l("Accès illégitime à des données"),
            cls.UNWANTED_MODIFICATION: _l("Modification non désirée de données"),
            cls.DISAPPEARANCE: _l("Disparition de données"),
        }

    @property
    def number(self) -> int:
        return list(RiskKind).index(self) + 1


class Judgement(LabeledEnum):
    ACCEPTABLE = "acceptable"
    IMPROVABLE = "improvable"

    @classmethod
    def __labels__(cls):
        return {
            cls.ACCEPTABLE: _l("Acceptable"),
            cls.IMPROVABLE: _l("Améliorable (mesures prévues)"),
        }


class PrincipleGroup(LabeledEnum):
    PROPORTIONALITY = "proportionality"
    RIGHTS = "rights"

    @classmethod
    def __labels__(cls):
        return {
            cls.PROPORTIONALITY: _l("Proportionnalité et nécessité"),
            cls.RIGHTS: _l("Protection des droits des personnes"),
        }


class Principle(LabeledEnum):
    """The points of part 2 of the method, each justified and judged."""

    PURPOSES = "purposes"
    LEGAL_BASIS = "legal_basis"
    MINIMISATION = "minimisation"
    ACCURACY = "accuracy"
    RETENTION = "retention"
    INFORMATION = "information"
    CONSENT = "consent"
    ACCESS_PORTABILITY = "access_portability"
    RECTIFICATION_ERASURE = "rectification_erasure"
    RESTRICTION_OBJECTION = "restriction_objection"
    PROCESSORS = "processors"
    TRANSFERS = "transfers"

    @classmethod
    def __labels__(cls):
        return {
            cls.PURPOSES: _l("Finalités déterminées, explicites et légitimes"),
            cls.LEGAL_BASIS: _l("Fondement (licéité du traitement)"),
            cls.MINIMISATION: _l("Données adéquates, pertinentes et limitées (minimisation)"),
            cls.ACCURACY: _l("Données exactes et tenues à jour"),
            cls.RETENTION: _l("Durées de conservation"),
            cls.INFORMATION: _l("Information des personnes"),
            cls.CONSENT: _l("Recueil du consentement"),
            cls.ACCESS_PORTABILITY: _l("Droits d'accès et à la portabilité"),
            cls.RECTIFICATION_ERASURE: _l("Droits de rectification et d'effacement"),
            cls.RESTRICTION_OBJECTION: _l("Droits de limitation et d'opposition"),
            cls.PROCESSORS: _l("Sous-traitance (contrats de l'article 28)"),
            cls.TRANSFERS: _l("Transferts hors de l'Union européenne"),
        }

    @property
    def group(self) -> PrincipleGroup:
        proportionality = {
            Principle.PURPOSES,
            Principle.LEGAL_BASIS,
            Principle.MINIMISATION,
            Principle.ACCURACY,
            Principle.RETENTION,
        }
        return PrincipleGroup.PROPORTIONALITY if self in proportionality else PrincipleGroup.RIGHTS


class MeasureState(LabeledEnum):
    EXISTING = "existing"
    PLANNED = "planned"

    @classmethod
    def __labels__(cls):
        return {cls.EXISTING: _l("Existante"), cls.PLANNED: _l("Prévue")}


class RiskZone(LabeledEnum):
    """Where a (severity, likelihood) pair falls on the risk map."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @classmethod
    def __labels__(cls):
        return {
            cls.LOW: _l("Faible"),
            cls.MEDIUM: _l("Moyen"),
            cls.HIGH: _l("Élevé"),
        }


# --- the DPIA ------------------------------------------------------------------------------------


class DpiaBase(SQLModel):
    """The fields of a DPIA a person writes (parts 1 and 4 of the method)."""

    title: Line = Field(max_length=200, nullable=False)
    # Part 1: context.
    overview: Text | None = Field(default=None, max_length=20_000, sa_type=sa.Text)
    purposes: Text | None = Field(default=None, max_length=20_000, sa_type=sa.Text)
    controller: Text | None = Field(default=None, max_length=2_000, sa_type=sa.Text)
    processors: Text | None = Field(default=None, max_length=5_000, sa_type=sa.Text)
    applications: Text | None = Field(default=None, max_length=5_000, sa_type=sa.Text)
    data_lifecycle: Text | None = Field(default=None, max_length=20_000, sa_type=sa.Text)
    supporting_assets: Text | None = Field(default=None, max_length=20_000, sa_type=sa.Text)
    standards: Text | None = Field(default=None, max_length=10_000, sa_type=sa.Text)
    # Part 4: validation.
    dpo_opinion: Text | None = Field(default=None, max_length=20_000, sa_type=sa.Text)
    dpo_opinion_on: Day | None = None
    persons_opinion: Text | None = Field(default=None, max_length=20_000, sa_type=sa.Text)
    persons_not_sought_reason: Text | None = Field(default=None, max_length=5_000, sa_type=sa.Text)
    controller_decision: Text | None = Field(default=None, max_length=10_000, sa_type=sa.Text)
    decision_on: Day | None = None
    # Prior consultation of the CNIL (Art. 36).
    consultation_requested_on: Day | None = None
    cnil_answer_on: Day | None = None
    cnil_answer: Text | None = Field(default=None, max_length=10_000, sa_type=sa.Text)
    next_review_on: Day | None = None


class DpiaCreate(DpiaBase, Input):
    processing_id: Id


# Every field optional, none blanked; the activity is chosen once.
DpiaUpdate = partial(DpiaBase, "DpiaUpdate")


class PrincipleAnswer(Input):
    """One point of part 2: its justification and the acceptability judgement."""

    justification: Text | None = Field(default=None, max_length=10_000)
    judgement: Code[Judgement] | None = None


def level_type(column: str) -> sa.Enum:
    """The type of one level column: str_enum with a name of its own, since each column's
    CHECK constraint is named after its type and four share the enum."""
    return sa.Enum(
        RiskLevel,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda cls: [member.value for member in cls],
        name=f"dpia_{column}",
        validate_strings=True,
    )


class RiskBase(SQLModel):
    """One of the three risks: its sources, threats, impacts and levels before and after the
    planned measures."""

    sources: Text | None = Field(default=None, max_length=10_000, sa_type=sa.Text)
    threats: Text | None = Field(default=None, max_length=10_000, sa_type=sa.Text)
    impacts: Text | None = Field(default=None, max_length=10_000, sa_type=sa.Text)
    severity: Code[RiskLevel] | None = Field(default=None, sa_type=level_type("severity"))
    likelihood: Code[RiskLevel] | None = Field(default=None, sa_type=level_type("likelihood"))
    justification: Text | None = Field(default=None, max_length=10_000, sa_type=sa.Text)
    residual_severity: Code[RiskLevel] | None = Field(
        default=None, sa_type=level_type("residual_severity")
    )
    residual_likelihood: Code[RiskLevel] | None = Field(
        default=None, sa_type=level_type("residual_likelihood")
    )
    residual_justification: Text | None = Field(default=None, max_length=10_000, sa_type=sa.Text)


RiskUpdate = partial(type("RiskInput", (RiskBase, Input), {}), "RiskUpdate")


class MeasureBase(SQLModel):
    """A measure existing or planned (part 3), planned ones forming the action plan."""

    title: Line = Field(max_length=200, nullable=False)
    description: Text | None = Field(default=None, max_length=10_000, sa_type=sa.Text)
    state: Code[MeasureState] = Field(
        default=MeasureState.EXISTING, sa_type=str_enum(MeasureState, 16), nullable=False
    )
    owner: Line | None = Field(default=None, max_length=200)
    due_on: Day | None = None


class MeasureCreate(MeasureBase, Input):
    # The ANSSI hygiene measure it implements ("12", "12.R"), and the roadmap action it is.
    hygiene_measure: Line | None = Field(default=None, max_length=8)
    roadmap_action_id: Id | None = None


MeasureUpdate = partial(MeasureCreate, "MeasureUpdate")


# --- answers -------------------------------------------------------------------------------------


class Answer(Output):
    @field_serializer("*", mode="wrap", when_used="json")
    def _instant(self, value: Any, handler):
        if isinstance(value, datetime):
            return value.isoformat()
        return handler(value)


class RiskRead(Answer):
    kind: RiskKind
    sources: str | None
    threats: str | None
    impacts: str | None
    severity: RiskLevel | None
    likelihood: RiskLevel | None
    justification: str | None
    residual_severity: RiskLevel | None
    residual_likelihood: RiskLevel | None
    residual_justification: str | None


class MeasureRead(Answer):
    id: int
    title: str
    description: str | None
    state: MeasureState
    owner: str | None
    due_on: date | None
    hygiene_measure: str | None
    roadmap_action_id: int | None


class DpiaSummary(Answer):
    """A DPIA as the list answers it."""

    id: int
    reference: str
    title: str
    organisation_id: int
    processing_id: int
    status: DpiaStatus
    residual_zone: RiskZone | None
    prior_consultation_required: bool
    next_review_on: date | None
    validated_at: datetime | None
    version: int


class DpiaRead(DpiaSummary):
    """A DPIA whole, as the detail answers it."""

    overview: str | None
    purposes: str | None
    controller: str | None
    processors: str | None
    applications: str | None
    data_lifecycle: str | None
    supporting_assets: str | None
    standards: str | None
    principles: dict[str, dict]
    risks: list[RiskRead]
    measures: list[MeasureRead]
    dpo_opinion: str | None
    dpo_opinion_on: date | None
    persons_opinion: str | None
    persons_not_sought_reason: str | None
    controller_decision: str | None
    decision_on: date | None
    consultation_requested_on: date | None
    cnil_answer_on: date | None
    cnil_answer: str | None


class DpiaFilters(Query):
    status: Code[DpiaStatus] | None = None
    organisation_id: Id | None = None
    processing_id: Id | None = None
