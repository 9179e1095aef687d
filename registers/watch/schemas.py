"""The security watch's entities, declared once: an advisory (a CERT-FR notice, a vendor's
bulletin, a CSIRT alert...), the identifiers by which advisories name an application of the map,
the match of an advisory with an application, and the treatment of a confirmed match by each
member using the application. Their codes, shared fields, writes, API answers and filters."""

# No `from __future__ import annotations`: the tables in models.py inherit these fields, and
# SQLModel needs their annotations as real objects.

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, field_validator
from pydantic import Field as PydanticField
from sqlmodel import JSON, Field, SQLModel

from compliance.db import UTCDateTime, str_enum
from compliance.enums import LabeledEnum
from compliance.schemas import Input, Output, Query, partial
from compliance.types import Code, Day, Id, Instant, Line, Text

# --- codes ------------------------------------------------------------------------------------


class AdvisorySource(LabeledEnum):
    """Who published the advisory."""

    CERT_FR = "cert_fr"
    VENDOR = "vendor"
    CSIRT = "csirt"
    OTHER = "other"

    @classmethod
    def __labels__(cls):
        return {
            cls.CERT_FR: _l("CERT-FR"),
            cls.VENDOR: _l("Éditeur"),
            cls.CSIRT: _l("CSIRT"),
            cls.OTHER: _l("Autre source"),
        }


class AdvisorySeverity(LabeledEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @classmethod
    def __labels__(cls):
        return {
            cls.CRITICAL: _l("Critique"),
            cls.HIGH: _l("Élevée"),
            cls.MEDIUM: _l("Moyenne"),
            cls.LOW: _l("Faible"),
        }

    @classmethod
    def from_cvss(cls, score: float | None) -> "AdvisorySeverity | None":
        """The CVSS v3 qualitative rating of a base score (0 is "none": read as low)."""
        if score is None:
            return None
        if score >= 9.0:
            return cls.CRITICAL
        if score >= 7.0:
            return cls.HIGH
        if score >= 4.0:
            return cls.MEDIUM
        return cls.LOW


class MatchState(LabeledEnum):
    """proposed -> confirmed or dismissed (the CISO decides)."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"

    @classmethod
    def __labels__(cls):
        return {
            cls.PROPOSED: _l("À examiner"),
            cls.CONFIRMED: _l("Confirmée"),
            cls.DISMISSED: _l("Écartée"),
        }


class TreatmentState(LabeledEnum):
    PENDING = "pending"
    NOT_AFFECTED = "not_affected"
    PATCHED = "patched"
    MITIGATED = "mitigated"
    ACCEPTED = "accepted"

    @classmethod
    def __labels__(cls):
        return {
            cls.PENDING: _l("À traiter"),
            cls.NOT_AFFECTED: _l("Non concerné (version)"),
            cls.PATCHED: _l("Corrigé"),
            cls.MITIGATED: _l("Atténué"),
            cls.ACCEPTED: _l("Risque accepté"),
        }


# The states that close a treatment, and the field each one needs.
STATE_NEEDS = {
    TreatmentState.NOT_AFFECTED: ("version_in_use",),
    TreatmentState.PATCHED: ("patched_on",),
    TreatmentState.MITIGATED: ("mitigation",),
    TreatmentState.ACCEPTED: ("accepted_by", "accepted_until"),
}


# --- an advisory ------------------------------------------------------------------------------


class AffectedProduct(BaseModel):
    """A product an advisory names: as the advisory spells it, with its CPE or purl if given."""

    model_config = ConfigDict(extra="forbid")

    vendor: str | None = PydanticField(default=None, max_length=200)
    product: str = PydanticField(min_length=1, max_length=200)
    versions: str | None = PydanticField(default=None, max_length=500)
    cpe: str | None = PydanticField(default=None, max_length=300)
    purl: str | None = PydanticField(default=None, max_length=300)


class AdvisoryBase(SQLModel):
    source: Code[AdvisorySource] = Field(sa_type=str_enum(AdvisorySource, 16), nullable=False)
    reference: Line = Field(max_length=100, nullable=False, unique=True, index=True)
    title: Line = Field(max_length=300, nullable=False)
    published_on: Day = Field(nullable=False, index=True)
    severity: Code[AdvisorySeverity] = Field(
        sa_type=str_enum(AdvisorySeverity, 16), nullable=False, index=True
    )
    cvss_score: float | None = Field(default=None, ge=0, le=10, sa_type=sa.Float)
    cve_ids: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    products: list[AffectedProduct] = Field(default_factory=list, sa_type=JSON, nullable=False)
    summary: Text | None = Field(default=None, max_length=20_000, sa_type=sa.Text)
    workaround: Text | None = Field(default=None, max_length=20_000, sa_type=sa.Text)
    link: Line | None = Field(default=None, max_length=500)
    # The revision of the document imported: a CSAF document's tracking.version and
    # current_release_date, a CVE record's dateUpdated (an import takes a later one only).
    revision: Line | None = Field(default=None, max_length=50)
    revised_at: Instant | None = Field(default=None, sa_type=UTCDateTime)

    @field_validator("cve_ids", mode="before")
    @classmethod
    def _cves(cls, value):
        if isinstance(value, str):
            value = value.replace(",", " ").split()
        return sorted({str(item).strip().upper() for item in value or () if str(item).strip()})


class AdvisoryCreate(AdvisoryBase, Input):
    """A new advisory, entered by hand or imported."""


AdvisoryUpdate = partial(AdvisoryCreate, "AdvisoryUpdate")


class AdvisoryRead(Output):
    id: int
    version: int
    source: AdvisorySource
    reference: str
    title: str
    published_on: date
    severity: AdvisorySeverity
    cvss_score: float | None
    cve_ids: list[str]
    products: list[AffectedProduct]
    summary: str | None
    workaround: str | None
    link: str | None
    revision: str | None
    revised_at: datetime | None
    created_at: datetime
    updated_at: datetime


class AdvisoryFilters(Query):
    severity: Code[AdvisorySeverity] | None = None
    source: Code[AdvisorySource] | None = None
    match_state: Code[MatchState] | None = None
    published_from: Day | None = None
    published_to: Day | None = None


# --- an application's identifiers -----------------------------------------------------------


class IdentifierBase(SQLModel):
    """How advisories name an application: vendor and product as they spell them, a CPE, a
    purl (at least one of the three)."""

    vendor: Line | None = Field(default=None, max_length=200)
    product: Line | None = Field(default=None, max_length=200)
    cpe: Line | None = Field(default=None, max_length=300)
    purl: Line | None = Field(default=None, max_length=300)


class IdentifierCreate(IdentifierBase, Input):
    application_id: Id


class IdentifierRead(Output):
    id: int
    application_id: int
    vendor: str | None
    product: str | None
    cpe: str | None
    purl: str | None


# --- a match and a treatment ------------------------------------------------------------------


class TreatmentBase(SQLModel):
    state: Code[TreatmentState] = Field(
        default=TreatmentState.PENDING,
        sa_type=str_enum(TreatmentState, 16),
        nullable=False,
        index=True,
    )
    version_in_use: Line | None = Field(default=None, max_length=100)
    patched_on: Day | None = None
    mitigation: Text | None = Field(default=None, max_length=10_000, sa_type=sa.Text)
    accepted_by: Line | None = Field(default=None, max_length=200)
    accepted_until: Day | None = None
    notes: Text | None = Field(default=None, max_length=10_000, sa_type=sa.Text)


class TreatmentUpdate(TreatmentBase, Input):
    """What a treatment's edit sets (the whole treatment: its state and what it needs)."""

    state: Code[TreatmentState]


TreatmentChanges = partial(TreatmentUpdate, "TreatmentChanges")
TreatmentChanges.__doc__ = """A treatment's changes (the API's PATCH): what is not sent stays."""


class TreatmentRead(Output):
    id: int
    version: int
    advisory_id: int
    application_id: int
    organisation_id: int
    deployment_id: int
    state: TreatmentState
    due_on: date
    closed_on: date | None
    late: bool
    version_in_use: str | None
    patched_on: date | None
    mitigation: str | None
    accepted_by: str | None
    accepted_until: date | None
    notes: str | None
    corrective_action_id: int | None
    incident_id: int | None


class AdvisoryPatch(AdvisoryUpdate):
    """An update sent to the API: the changes, and the version they were made on."""

    version: int


class TreatmentPatch(TreatmentChanges):
    """A treatment's update sent to the API, at the version read."""

    version: int
