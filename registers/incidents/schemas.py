"""The incident log's entities, each declared once: its values (the enumerations), the fields
the table and every write share (`XBase`), what a write accepts (`XCreate`, `XUpdate`), what
the API answers (`XRead`) and the list's filters (`XFilters`).

- Incidents, with their timeline entries and external reports (ISO/IEC 27035).
- Corrective actions (ISO/IEC 27001:2022 §10.2).

A form, the API, the command line and the demo hand their values to these schemas, so they
accept and refuse the same values with the same messages. Rules that need the database or the
record (times in order, the lifecycle, references the user may name) stay in the services.
"""

# No `from __future__ import annotations`: the tables of models.py inherit these fields, and
# SQLModel reads their annotations as real objects.

from datetime import date, datetime
from typing import Annotated, Any, ClassVar

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import (
    AliasChoices,
    BeforeValidator,
    computed_field,
    field_serializer,
    field_validator,
)
from sqlmodel import Field, SQLModel

from compliance.crypto import EncryptedText
from compliance.db import UTCDateTime, str_enum
from compliance.enums import LabeledEnum
from compliance.schemas import (
    Input,
    Output,
    Query,
    partial,
)
from compliance.types import Code, Day, Flag, Id, Ids, Instant, Line, Text
from registers.incidents.common import today

# --- shared by both entities -----------------------------------------------------------------


TRUE_WORDS = frozenset({"1", "true", "yes", "on", "oui"})


def _checked_box(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in TRUE_WORDS


# A list filter's checkbox: ticked (1, true, yes, on, oui) or not; anything else is not ticked.
Checkbox = Annotated[bool, BeforeValidator(_checked_box)]


class Filters(Query):
    """A list's filters, read from a query string (`from_args`) and written back into one
    (`as_args`, for links)."""

    SORTS: ClassVar[tuple[str, ...]] = ()

    @field_validator("sort", mode="before", check_fields=False)
    @classmethod
    def _sort(cls, value):
        default = cls.model_fields["sort"].default
        sort = value.strip() if isinstance(value, str) else value
        if not sort:
            return default
        if not isinstance(sort, str) or sort.lstrip("-") not in cls.SORTS:
            raise ValueError(
                _("doit être l'une des valeurs : %(allowed)s", allowed=", ".join(cls.SORTS))
            )
        return sort


class Answer(Output):
    """What the API answers: instants as Python writes them (2026-01-31T09:00:00+00:00).

    An answer inheriting an entity's base redeclares its text fields as plain `str`: text is
    answered as stored, never checked again (a record written before a check existed, such as
    the refusal of control characters, is still answered)."""

    @field_serializer("*", mode="wrap", when_used="json")
    def _instant(self, value: Any, handler):
        if isinstance(value, datetime):
            return value.isoformat()
        return handler(value)


class OrganisationRef(Answer):
    id: int
    slug: str
    name: str


class RecordRef(Answer):
    """Another record of the log, named by its reference."""

    id: int
    reference: str
    title: str


def archived_alias():
    """The `archived` field of an answer, read from a record's `is_archived`."""
    return Field(validation_alias=AliasChoices("is_archived", "archived"))


# --- incidents -------------------------------------------------------------------------------


class IncidentCategory(LabeledEnum):
    MALWARE = "malware"
    PHISHING = "phishing"
    ACCOUNT_COMPROMISE = "account_compromise"
    UNAUTHORISED_ACCESS = "unauthorised_access"
    DATA_LEAK = "data_leak"
    DENIAL_OF_SERVICE = "denial_of_service"
    LOSS_OR_THEFT = "loss_or_theft"
    MISCONFIGURATION = "misconfiguration"
    PROVIDER_OUTAGE = "provider_outage"
    PHYSICAL = "physical"
    OTHER = "other"

    @classmethod
    def __labels__(cls):
        return {
            cls.MALWARE: _l("Rançongiciel ou autre logiciel malveillant"),
            cls.PHISHING: _l("Hameçonnage"),
            cls.ACCOUNT_COMPROMISE: _l("Compromission de compte"),
            cls.UNAUTHORISED_ACCESS: _l("Accès non autorisé"),
            cls.DATA_LEAK: _l("Fuite de données"),
            cls.DENIAL_OF_SERVICE: _l("Déni de service"),
            cls.LOSS_OR_THEFT: _l("Perte ou vol de matériel"),
            cls.MISCONFIGURATION: _l("Erreur de configuration"),
            cls.PROVIDER_OUTAGE: _l("Défaillance d'un prestataire"),
            cls.PHYSICAL: _l("Incident physique"),
            cls.OTHER: _l("Autre"),
        }


class Severity(LabeledEnum):
    """1 is the worst; stored as its digit so that SQL sorts it in order."""

    CRITICAL = "1"
    HIGH = "2"
    MEDIUM = "3"
    LOW = "4"

    @classmethod
    def __labels__(cls):
        return {
            cls.CRITICAL: _l("1 · Critique"),
            cls.HIGH: _l("2 · Élevée"),
            cls.MEDIUM: _l("3 · Modérée"),
            cls.LOW: _l("4 · Faible"),
        }

    @classmethod
    def __meanings__(cls):
        return {
            cls.CRITICAL: _l(
                "Services essentiels arrêtés ou compromis chez plusieurs membres, ou données "
                "sensibles exposées : gestion de crise."
            ),
            cls.HIGH: _l(
                "Un service important arrêté ou compromis, ou des données personnelles "
                "exposées : réponse prioritaire."
            ),
            cls.MEDIUM: _l(
                "Service dégradé ou impact limité, avec un contournement possible : réponse "
                "planifiée."
            ),
            cls.LOW: _l("Sans impact notable sur les services ni sur les données."),
        }

    @property
    def meaning(self) -> str:
        return str(type(self).__meanings__()[self])

    @property
    def rank(self) -> int:
        return int(self.value)

    @property
    def requires_lessons(self) -> bool:
        """Critical and high incidents cannot be closed without their lessons learnt."""
        return self.rank <= 2


class DetectionSource(LabeledEnum):
    INTERNAL = "internal"
    USER = "user"
    PROVIDER = "provider"
    CERT_FR = "cert_fr"
    THIRD_PARTY = "third_party"

    @classmethod
    def __labels__(cls):
        return {
            cls.INTERNAL: _l("Détection interne (supervision, antivirus, journaux)"),
            cls.USER: _l("Signalement d'un utilisateur"),
            cls.PROVIDER: _l("Prestataire ou éditeur"),
            cls.CERT_FR: _l("CERT-FR ou ANSSI"),
            cls.THIRD_PARTY: _l("Tiers (partenaire, usager, presse)"),
        }


class IncidentStatus(LabeledEnum):
    """The phases of ISO/IEC 27035-1."""

    REPORTED = "reported"
    ASSESSED = "assessed"
    RESPONDING = "responding"
    LESSONS_LEARNT = "lessons_learnt"
    CLOSED = "closed"

    @classmethod
    def __labels__(cls):
        return {
            cls.REPORTED: _l("Signalé"),
            cls.ASSESSED: _l("Évalué"),
            cls.RESPONDING: _l("Réponse en cours"),
            cls.LESSONS_LEARNT: _l("Retour d'expérience"),
            cls.CLOSED: _l("Clos"),
        }


class Classification(LabeledEnum):
    """The decision of the assessment phase: a mere event, or an incident to respond to."""

    EVENT = "event"
    INCIDENT = "incident"

    @classmethod
    def __labels__(cls):
        return {
            cls.EVENT: _l("Événement sans suite (pas un incident)"),
            cls.INCIDENT: _l("Incident de sécurité"),
        }


class ImpactLevel(LabeledEnum):
    NONE = "none"
    LIMITED = "limited"
    SIGNIFICANT = "significant"
    SEVERE = "severe"

    @classmethod
    def __labels__(cls):
        return {
            cls.NONE: _l("Aucun"),
            cls.LIMITED: _l("Limité"),
            cls.SIGNIFICANT: _l("Important"),
            cls.SEVERE: _l("Grave"),
        }


def impact_level(criterion: str) -> sa.Enum:
    """The type of one C/I/A impact column: str_enum with a name of its own, since each
    column's CHECK constraint is named after its type and three share the enum."""
    return sa.Enum(
        ImpactLevel,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda cls: [member.value for member in cls],
        name=f"impact_{criterion}",
        validate_strings=True,
    )


class EntryKind(LabeledEnum):
    DETECTION = "detection"
    ACTION = "action"
    COMMUNICATION = "communication"
    DECISION = "decision"
    STATUS_CHANGE = "status_change"
    SEVERITY_CHANGE = "severity_change"

    @classmethod
    def __labels__(cls):
        return {
            cls.DETECTION: _l("Détection"),
            cls.ACTION: _l("Action"),
            cls.COMMUNICATION: _l("Communication"),
            cls.DECISION: _l("Décision"),
            cls.STATUS_CHANGE: _l("Changement de phase"),
            cls.SEVERITY_CHANGE: _l("Changement de gravité"),
        }

    @classmethod
    def manual(cls) -> list["EntryKind"]:
        """The kinds a person writes; the other two are added by the register itself."""
        return [cls.DETECTION, cls.ACTION, cls.COMMUNICATION, cls.DECISION]


class ReportKind(LabeledEnum):
    CERT_FR = "cert_fr"
    POLICE = "police"
    INSURER = "insurer"
    CNIL = "cnil"
    OTHER = "other"

    @classmethod
    def __labels__(cls):
        return {
            cls.CERT_FR: _l("Signalement au CERT-FR / ANSSI"),
            cls.POLICE: _l("Dépôt de plainte"),
            cls.INSURER: _l("Déclaration à l'assureur"),
            cls.CNIL: _l("Notification à la CNIL (violation de données)"),
            cls.OTHER: _l("Autre signalement"),
        }


class IncidentBase(SQLModel):
    """The fields of an incident a person writes."""

    title: Line = Field(max_length=200, nullable=False)
    # The organisation that reported it, and owns the record.
    organisation_id: Id = Field(foreign_key="organisation.id", nullable=False, index=True)
    category: Code[IncidentCategory] = Field(sa_type=str_enum(IncidentCategory), nullable=False)
    severity: Code[Severity] = Field(sa_type=str_enum(Severity, 1), nullable=False, index=True)
    detection_source: Code[DetectionSource] = Field(
        sa_type=str_enum(DetectionSource), nullable=False
    )
    occurred_at: Instant | None = Field(default=None, sa_type=UTCDateTime)
    detected_at: Instant = Field(sa_type=UTCDateTime, nullable=False, index=True)
    contained_at: Instant | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: Instant | None = Field(default=None, sa_type=UTCDateTime)
    impact_confidentiality: Code[ImpactLevel] | None = Field(
        default=None, sa_type=impact_level("confidentiality")
    )
    impact_integrity: Code[ImpactLevel] | None = Field(
        default=None, sa_type=impact_level("integrity")
    )
    impact_availability: Code[ImpactLevel] | None = Field(
        default=None, sa_type=impact_level("availability")
    )
    personal_data: Flag | None = None
    # Free text that may name people: encrypted at rest.
    reported_by: Line | None = Field(default=None, max_length=200, sa_type=EncryptedText)
    description: Text = Field(max_length=20_000, sa_type=EncryptedText, nullable=False)
    impact_notes: Text | None = Field(default=None, max_length=10_000, sa_type=EncryptedText)
    lessons_learnt: Text | None = Field(default=None, max_length=20_000, sa_type=sa.Text)


class IncidentCreate(IncidentBase, Input):
    """A new incident: the applications and organisations it affects are named by id."""

    reported_at: Instant | None = Field(default=None, description="Empty: now.")
    application_ids: Ids = Field(default_factory=list)
    organisation_ids: Ids = Field(default_factory=list)


IncidentUpdate = partial(IncidentCreate)
# Stored with every incident: left out of an update, never blanked.
IncidentUpdate.__required__ = IncidentUpdate.__required__ | {"reported_at"}


class IncidentPatch(IncidentUpdate):
    """An update sent to the API: the changes, and the version of the incident they were made
    on (a 409 if it changed meanwhile)."""

    version: int


class IncidentTransition(Input):
    """A move to another phase, with what the step decides or records."""

    status: Code[IncidentStatus]
    at: Instant | None = Field(default=None, description="Empty: now.")
    comment: Text | None = Field(default=None, max_length=10_000)
    classification: Code[Classification] | None = None
    severity: Code[Severity] | None = None
    lessons_learnt: Text | None = Field(default=None, max_length=20_000)


class IncidentTransitionPatch(IncidentTransition):
    """A move sent to the API, with the version of the incident it was made on."""

    version: int


class TimelineEntryBase(SQLModel):
    kind: Code[EntryKind] = Field(sa_type=str_enum(EntryKind), nullable=False)
    text: Text = Field(max_length=10_000, sa_type=EncryptedText, nullable=False)


class TimelineEntryCreate(TimelineEntryBase, Input):
    """A dated fact written by a person (never in the future)."""

    at: Instant | None = Field(default=None, description="Empty: now.")


class TimelineEntryRead(TimelineEntryBase, Answer):
    id: int
    at: datetime
    text: str  # as stored (see Answer)
    # The author's name when written.
    author: str | None = Field(validation_alias=AliasChoices("author_label", "author"))
    author_id: int | None


class ExternalReportBase(SQLModel):
    kind: Code[ReportKind] = Field(sa_type=str_enum(ReportKind), nullable=False)
    made_on: Day = Field(nullable=False)
    reference: Line | None = Field(default=None, max_length=200)
    # A complaint or a report often names the people involved: encrypted at rest.
    notes: Text | None = Field(default=None, max_length=500, sa_type=EncryptedText)


class ExternalReportCreate(ExternalReportBase, Input):
    """A report made outside (never in the future)."""


class ExternalReportRead(ExternalReportBase, Answer):
    id: int
    # As stored (see Answer).
    reference: str | None
    notes: str | None


class ApplicationRef(Answer):
    id: int
    name: str


class IncidentRead(IncidentBase, Answer):
    """An incident as the lists answer it."""

    # Text as stored (see Answer).
    title: str
    reported_by: str | None
    description: str
    impact_notes: str | None
    lessons_learnt: str | None
    id: int
    reference: str
    reported_at: datetime
    status: IncidentStatus
    classification: Classification | None
    assessed_at: datetime | None
    response_started_at: datetime | None
    lessons_learnt_at: datetime | None
    closed_at: datetime | None
    organisation: OrganisationRef
    applications: list[ApplicationRef]
    affected_organisations: list[OrganisationRef]
    archived: bool = archived_alias()
    version: int
    created_at: datetime
    updated_at: datetime

    @computed_field
    @property
    def application_ids(self) -> list[int]:
        return [application.id for application in self.applications]

    @computed_field
    @property
    def organisation_ids(self) -> list[int]:
        return [organisation.id for organisation in self.affected_organisations]


class AffectedOrganisationRead(Answer):
    id: int
    name: str
    # The organisation that reported the incident; named affected directly.
    reporting: bool
    direct: bool
    # The affected applications it uses.
    applications: list[str]


class ImpactRead(Answer):
    organisations: list[AffectedOrganisationRead]
    # Affected organisations the user may not see.
    hidden_organisations: int


class IncidentDetail(IncidentRead):
    """An incident with its timeline, reports, impact and corrective actions."""

    timeline: list[TimelineEntryRead]
    reports: list[ExternalReportRead]
    impact: ImpactRead
    corrective_actions: list[RecordRef]


class IncidentTimeline(Answer):
    items: list[TimelineEntryRead]


class IncidentFilters(Filters):
    q: Line | None = Field(default=None, description="Reference, title or words of the text")
    date_from: Day | None = Field(default=None, description="Detected on or after (Paris)")
    date_to: Day | None = Field(default=None, description="Detected on or before (Paris)")
    status: Code[IncidentStatus] | None = None
    severity: Code[Severity] | None = None
    category: Code[IncidentCategory] | None = None
    application_id: Id | None = None
    organisation_id: Id | None = Field(default=None, description="Affecting this organisation")
    open_only: Checkbox = False
    include_archived: Checkbox = False
    sort: str = Field(
        default="-detected",
        description="detected, severity, reference, status; '-' for descending",
    )

    SORTS: ClassVar[tuple[str, ...]] = ("detected", "severity", "reference", "status")

    @field_validator("date_to")
    @classmethod
    def _after_start(cls, value, info):
        start = info.data.get("date_from")
        if value is not None and start is not None and start > value:
            raise ValueError(_("ne peut pas précéder date_from"))
        return value


# --- corrective actions ----------------------------------------------------------------------


class ActionSource(LabeledEnum):
    INCIDENT = "incident"
    BREACH = "breach"
    INTERNAL_AUDIT = "internal_audit"
    EXTERNAL_AUDIT = "external_audit"
    MANAGEMENT_REVIEW = "management_review"
    COMPLAINT = "complaint"
    SELF_IDENTIFIED = "self_identified"

    @classmethod
    def __labels__(cls):
        return {
            cls.INCIDENT: _l("Incident de sécurité"),
            cls.BREACH: _l("Violation de données personnelles"),
            cls.INTERNAL_AUDIT: _l("Audit interne"),
            cls.EXTERNAL_AUDIT: _l("Audit externe"),
            cls.MANAGEMENT_REVIEW: _l("Revue de direction"),
            cls.COMPLAINT: _l("Réclamation"),
            cls.SELF_IDENTIFIED: _l("Non-conformité constatée en interne"),
        }


class Grade(LabeledEnum):
    MAJOR = "major"
    MINOR = "minor"
    OBSERVATION = "observation"

    @classmethod
    def __labels__(cls):
        return {
            cls.MAJOR: _l("Non-conformité majeure"),
            cls.MINOR: _l("Non-conformité mineure"),
            cls.OBSERVATION: _l("Observation"),
        }


class RootCauseMethod(LabeledEnum):
    FIVE_WHYS = "five_whys"
    ISHIKAWA = "ishikawa"
    FAULT_TREE = "fault_tree"
    OTHER = "other"

    @classmethod
    def __labels__(cls):
        return {
            cls.FIVE_WHYS: _l("Cinq pourquoi"),
            cls.ISHIKAWA: _l("Diagramme d'Ishikawa (5M)"),
            cls.FAULT_TREE: _l("Arbre des causes"),
            cls.OTHER: _l("Autre méthode"),
        }


class ActionStatus(LabeledEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    IMPLEMENTED = "implemented"
    VERIFIED_EFFECTIVE = "verified_effective"
    NOT_EFFECTIVE = "not_effective"
    CLOSED = "closed"

    @classmethod
    def __labels__(cls):
        return {
            cls.OPEN: _l("Ouverte"),
            cls.IN_PROGRESS: _l("En cours"),
            cls.IMPLEMENTED: _l("Réalisée, efficacité à vérifier"),
            cls.VERIFIED_EFFECTIVE: _l("Efficacité vérifiée"),
            cls.NOT_EFFECTIVE: _l("Inefficace"),
            cls.CLOSED: _l("Close"),
        }

    @classmethod
    def pending(cls) -> tuple["ActionStatus", ...]:
        """Statuses in which the action still has to be carried out (so it can be late)."""
        return (cls.OPEN, cls.IN_PROGRESS, cls.NOT_EFFECTIVE)


class CorrectiveActionBase(SQLModel):
    """The fields of a corrective action a person writes: the nonconformity and its action."""

    source: Code[ActionSource] = Field(sa_type=str_enum(ActionSource), nullable=False)
    incident_id: Id | None = Field(default=None, foreign_key="incident.id", index=True)
    source_reference: Line | None = Field(default=None, max_length=200)
    title: Line = Field(max_length=200, nullable=False)
    nonconformity: Text = Field(max_length=10_000, sa_type=sa.Text, nullable=False)
    location: Line | None = Field(default=None, max_length=200)
    requirement: Line | None = Field(default=None, max_length=300)
    grade: Code[Grade] = Field(sa_type=str_enum(Grade), nullable=False)
    immediate_correction: Text | None = Field(default=None, max_length=10_000, sa_type=sa.Text)
    root_cause_method: Code[RootCauseMethod] | None = Field(
        default=None, sa_type=str_enum(RootCauseMethod)
    )
    root_causes: Text | None = Field(default=None, max_length=10_000, sa_type=sa.Text)
    action: Text = Field(max_length=10_000, sa_type=sa.Text, nullable=False)
    owner: Line = Field(max_length=200, nullable=False)
    due_on: Day = Field(nullable=False, index=True)
    management_system_change: Text | None = Field(default=None, max_length=10_000, sa_type=sa.Text)


class CorrectiveActionCheckBase(SQLModel):
    """What the steps of the lifecycle record: when the action was carried out, and the check
    of its effectiveness."""

    implemented_on: Day | None = None
    check_on: Day | None = None
    check_method: Text | None = Field(default=None, max_length=10_000, sa_type=sa.Text)
    check_result: Text | None = Field(default=None, max_length=10_000, sa_type=sa.Text)
    evidence_reference: Line | None = Field(default=None, max_length=300)


class CorrectiveActionCreate(CorrectiveActionBase, Input):
    """A new corrective action. Without an organisation, an action raised by an incident
    belongs to the incident's organisation."""

    organisation_id: Id | None = Field(default=None, description="Empty: the incident's.")
    opened_on: Day | None = Field(default=None, description="Empty: today.")


CorrectiveActionUpdate = partial(CorrectiveActionCreate)
# Stored with every action: left out of an update, never blanked.
CorrectiveActionUpdate.__required__ = CorrectiveActionUpdate.__required__ | {
    "organisation_id",
    "opened_on",
}


class CorrectiveActionPatch(CorrectiveActionUpdate):
    """An update sent to the API, with the version of the action it was made on."""

    version: int


class CorrectiveActionStep(CorrectiveActionCheckBase, Input):
    """What a step records: implemented_on when the action is carried out; the check when its
    effectiveness is concluded on; a new due_on when an ineffective action is taken up again."""

    due_on: Day | None = None


class CorrectiveActionTransition(CorrectiveActionStep):
    """A move of the action to another status, with what the step records."""

    status: Code[ActionStatus]


class CorrectiveActionTransitionPatch(CorrectiveActionTransition):
    """A move sent to the API, with the version of the action it was made on."""

    version: int


class CorrectiveActionRead(CorrectiveActionBase, CorrectiveActionCheckBase, Answer):
    # Text as stored (see Answer).
    source_reference: str | None
    title: str
    nonconformity: str
    location: str | None
    requirement: str | None
    immediate_correction: str | None
    root_causes: str | None
    action: str
    owner: str
    management_system_change: str | None
    check_method: str | None
    check_result: str | None
    evidence_reference: str | None
    id: int
    reference: str
    organisation_id: int
    opened_on: date
    status: ActionStatus
    status_changed_at: datetime | None
    closed_at: datetime | None
    incident: RecordRef | None
    organisation: OrganisationRef
    archived: bool = archived_alias()
    version: int
    created_at: datetime
    updated_at: datetime

    @computed_field
    @property
    def overdue(self) -> bool:
        """Still to be carried out, and past its due date (in Paris)."""
        return self.status in ActionStatus.pending() and self.due_on < today()


class ActionFilters(Filters):
    q: Line | None = Field(default=None, description="Reference, title, text or owner")
    status: Code[ActionStatus] | None = None
    source: Code[ActionSource] | None = None
    grade: Code[Grade] | None = None
    organisation_id: Id | None = None
    incident_id: Id | None = None
    overdue: Checkbox = False
    pending: Checkbox = False
    include_archived: Checkbox = False
    sort: str = Field(
        default="due", description="due, reference, status, opened; '-' for descending"
    )

    SORTS: ClassVar[tuple[str, ...]] = ("due", "reference", "status", "opened")
