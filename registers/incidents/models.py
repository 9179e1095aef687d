"""Security incidents followed through the ISO/IEC 27035 phases, their timeline and external
reports, and the corrective actions of the management system (ISO/IEC 27001:2022 §10.2)."""

# No `from __future__ import annotations`: SQLModel resolves relationship annotations at
# class creation and needs them as real objects or quoted names.

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlmodel import Field, Relationship, SQLModel

from compliance.crypto import EncryptedText
from compliance.db import IdMixin, RecordMixin, UTCDateTime, str_enum, utcnow
from compliance.enums import LabeledEnum
from compliance.permissions import Register
from compliance.tenancy import Organisation, Scope
from registers.applications.models import Application, Deployment


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


def affecting(organisations):
    """The incidents that affect any of `organisations` (a SELECT of ids, or a few ids):
    reported by one of them, naming one among the organisations affected, or affecting an
    application one of them used when the incident was detected (a deployment not archived,
    or archived after the detection)."""
    return sa.or_(
        Incident.organisation_id.in_(organisations),
        sa.exists().where(
            IncidentOrganisation.incident_id == Incident.id,
            IncidentOrganisation.organisation_id.in_(organisations),
        ),
        sa.exists().where(
            IncidentApplication.incident_id == Incident.id,
            Deployment.application_id == IncidentApplication.application_id,
            Deployment.organisation_id.in_(organisations),
            sa.or_(Deployment.archived_at.is_(None), Deployment.archived_at > Incident.detected_at),
        ),
    )


class IncidentApplication(SQLModel, table=True):
    """An application of the map affected by an incident."""

    __tablename__ = "incident_application"
    # Audited as part of its parent's change.
    __audit_parent__ = ("Incident", "incident_id")
    __audit_fold__ = True

    incident_id: int = Field(foreign_key="incident.id", primary_key=True, ondelete="CASCADE")
    application_id: int = Field(
        foreign_key="application.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class IncidentOrganisation(SQLModel, table=True):
    """An organisation affected directly, not (only) through an application it uses."""

    __tablename__ = "incident_organisation"
    # Audited as part of its parent's change.
    __audit_parent__ = ("Incident", "incident_id")
    __audit_fold__ = True

    incident_id: int = Field(foreign_key="incident.id", primary_key=True, ondelete="CASCADE")
    organisation_id: int = Field(
        foreign_key="organisation.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class Incident(RecordMixin, table=True):
    """A security event or incident, from its report to its closing."""

    __tablename__ = "incident"
    # Seen by every organisation it affects (see `affecting`); written in its own.
    __scope__ = Scope(Register.INCIDENTS, within=lambda organisations: affecting(organisations))
    # Free text that may name people: encrypted at rest, redacted from the audit trail.
    __sensitive__ = ("description", "impact_notes", "reported_by")

    reference: str = Field(max_length=20, nullable=False, unique=True, index=True)
    reference_year: int = Field(nullable=False)
    reference_number: int = Field(nullable=False)
    title: str = Field(max_length=200, nullable=False)
    # The organisation that reported it, and owns the record.
    organisation_id: int = Field(foreign_key="organisation.id", nullable=False, index=True)
    category: IncidentCategory = Field(sa_type=str_enum(IncidentCategory), nullable=False)
    severity: Severity = Field(sa_type=str_enum(Severity, 1), nullable=False, index=True)
    classification: Classification | None = Field(default=None, sa_type=str_enum(Classification))
    detection_source: DetectionSource = Field(sa_type=str_enum(DetectionSource), nullable=False)
    status: IncidentStatus = Field(
        default=IncidentStatus.REPORTED,
        sa_type=str_enum(IncidentStatus),
        nullable=False,
        index=True,
    )
    occurred_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    detected_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    reported_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    contained_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When each phase began (the transitions), set by the lifecycle.
    assessed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    response_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lessons_learnt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    impact_confidentiality: ImpactLevel | None = Field(
        default=None, sa_type=impact_level("confidentiality")
    )
    impact_integrity: ImpactLevel | None = Field(default=None, sa_type=impact_level("integrity"))
    impact_availability: ImpactLevel | None = Field(
        default=None, sa_type=impact_level("availability")
    )
    personal_data: bool | None = None
    reported_by: str | None = Field(default=None, sa_type=EncryptedText)
    description: str = Field(sa_type=EncryptedText, nullable=False)
    impact_notes: str | None = Field(default=None, sa_type=EncryptedText)
    lessons_learnt: str | None = Field(default=None, sa_type=sa.Text)
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    organisation: Organisation = Relationship()
    applications: list[Application] = Relationship(
        link_model=IncidentApplication,
        sa_relationship_kwargs={"order_by": "Application.name_key"},
    )
    affected_organisations: list[Organisation] = Relationship(
        link_model=IncidentOrganisation,
        sa_relationship_kwargs={"order_by": "Organisation.name"},
    )
    entries: list["TimelineEntry"] = Relationship(
        back_populates="incident",
        sa_relationship_kwargs={
            "cascade": "all, delete-orphan",
            "order_by": "(TimelineEntry.at, TimelineEntry.id)",
        },
    )
    reports: list["ExternalReport"] = Relationship(
        back_populates="incident",
        sa_relationship_kwargs={
            "cascade": "all, delete-orphan",
            "order_by": "(ExternalReport.made_on, ExternalReport.id)",
        },
    )
    actions: list["CorrectiveAction"] = Relationship(
        back_populates="incident",
        sa_relationship_kwargs={"order_by": "CorrectiveAction.id"},
    )

    __table_args__ = (
        sa.UniqueConstraint("reference_year", "reference_number"),
        sa.CheckConstraint(
            "occurred_at IS NULL OR occurred_at <= detected_at", name="occurred_before_detected"
        ),
    )

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_closed(self) -> bool:
        return self.status == IncidentStatus.CLOSED


class TimelineEntry(IdMixin, table=True):
    """One dated fact of an incident: who did, saw, said or decided what, and when."""

    __tablename__ = "incident_timeline_entry"
    __scope__ = Scope.through(Incident, "incident_id")
    # Audited as part of its parent's change.
    __audit_parent__ = ("Incident", "incident_id")
    __audit_fold__ = True
    __sensitive__ = ("text",)

    incident_id: int = Field(
        foreign_key="incident.id", nullable=False, index=True, ondelete="CASCADE"
    )
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    kind: EntryKind = Field(sa_type=str_enum(EntryKind), nullable=False)
    text: str = Field(sa_type=EncryptedText, nullable=False)
    author_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    # The author's name when written (a user may leave; the command line has no user row).
    author_label: str | None = Field(default=None, max_length=254)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    incident: Incident = Relationship(back_populates="entries")


class ExternalReport(IdMixin, table=True):
    """A report made outside: CERT-FR, police complaint, insurer, CNIL (through a breach)."""

    __tablename__ = "incident_external_report"
    __scope__ = Scope.through(Incident, "incident_id")
    # Audited as part of its parent's change.
    __audit_parent__ = ("Incident", "incident_id")
    __audit_fold__ = True
    __sensitive__ = ("notes",)

    incident_id: int = Field(
        foreign_key="incident.id", nullable=False, index=True, ondelete="CASCADE"
    )
    kind: ReportKind = Field(sa_type=str_enum(ReportKind), nullable=False)
    made_on: date = Field(nullable=False)
    reference: str | None = Field(default=None, max_length=200)
    # A complaint or a report often names the people involved: encrypted at rest.
    notes: str | None = Field(default=None, sa_type=EncryptedText)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    incident: Incident = Relationship(back_populates="reports")


class SearchToken(SQLModel, table=True):
    """A blind index of the words of an incident's encrypted text (keyed hashes, never the
    words), so that a search finds them without the database holding any plaintext."""

    __tablename__ = "incident_search_token"

    incident_id: int = Field(foreign_key="incident.id", primary_key=True, ondelete="CASCADE")
    token: str = Field(max_length=32, primary_key=True, index=True)


# --- corrective actions ---------------------------------------------------------------------


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


class CorrectiveAction(RecordMixin, table=True):
    """A nonconformity and what is done about it (ISO/IEC 27001:2022 §10.2)."""

    __tablename__ = "corrective_action"
    # Seen by the users who see its organisation or its incident; written in its own.
    __scope__ = Scope(
        Register.INCIDENTS,
        within=lambda organisations: sa.or_(
            CorrectiveAction.organisation_id.in_(organisations),
            CorrectiveAction.incident_id.in_(
                sa.select(Incident.id).where(affecting(organisations))
            ),
        ),
    )

    reference: str = Field(max_length=20, nullable=False, unique=True, index=True)
    reference_year: int = Field(nullable=False)
    reference_number: int = Field(nullable=False)
    # The organisation whose management system the nonconformity belongs to.
    organisation_id: int = Field(foreign_key="organisation.id", nullable=False, index=True)
    source: ActionSource = Field(sa_type=str_enum(ActionSource), nullable=False)
    # When the nonconformity was recorded: the year of the reference.
    opened_on: date = Field(nullable=False)
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    source_reference: str | None = Field(default=None, max_length=200)
    title: str = Field(max_length=200, nullable=False)
    nonconformity: str = Field(sa_type=sa.Text, nullable=False)
    location: str | None = Field(default=None, max_length=200)
    requirement: str | None = Field(default=None, max_length=300)
    grade: Grade = Field(sa_type=str_enum(Grade), nullable=False)
    immediate_correction: str | None = Field(default=None, sa_type=sa.Text)
    root_cause_method: RootCauseMethod | None = Field(
        default=None, sa_type=str_enum(RootCauseMethod)
    )
    root_causes: str | None = Field(default=None, sa_type=sa.Text)
    action: str = Field(sa_type=sa.Text, nullable=False)
    owner: str = Field(max_length=200, nullable=False)
    due_on: date = Field(nullable=False, index=True)
    status: ActionStatus = Field(
        default=ActionStatus.OPEN, sa_type=str_enum(ActionStatus), nullable=False, index=True
    )
    status_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    implemented_on: date | None = None
    check_on: date | None = None
    check_method: str | None = Field(default=None, sa_type=sa.Text)
    check_result: str | None = Field(default=None, sa_type=sa.Text)
    evidence_reference: str | None = Field(default=None, max_length=300)
    management_system_change: str | None = Field(default=None, sa_type=sa.Text)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    organisation: Organisation = Relationship()
    incident: Incident | None = Relationship(back_populates="actions")

    __table_args__ = (
        sa.UniqueConstraint("reference_year", "reference_number"),
        sa.CheckConstraint(
            "source <> 'incident' OR incident_id IS NOT NULL", name="incident_source_linked"
        ),
    )

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def is_overdue(self, today: date) -> bool:
        return self.status in ActionStatus.pending() and self.due_on < today

    @property
    def awaits_check(self) -> bool:
        return self.status == ActionStatus.IMPLEMENTED
