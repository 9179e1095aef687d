"""Personal-data breaches (Art. 33 and 34 GDPR): one PersonalDataBreach per controller
organisation, with its 72-hour clock, its notifications to the CNIL and the decisions taken."""

# No `from __future__ import annotations`: SQLModel resolves relationship annotations at
# class creation and needs them as real objects or quoted names.

from datetime import UTC, datetime, timedelta
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlmodel import JSON, Field, Relationship, SQLModel

from compliance.crypto import EncryptedText
from compliance.db import IdMixin, RecordMixin, UTCDateTime, str_enum, utcnow
from compliance.enums import LabeledEnum
from compliance.permissions import Register
from compliance.tenancy import Organisation, Scope
from registers.incidents.models import Incident
from registers.processing.models import ProcessingActivity

# Art. 33(1): "without undue delay and, where feasible, not later than 72 hours after having
# become aware of it". Counted in absolute time: a daylight-saving change moves the wall clock,
# not the deadline.
NOTIFICATION_DELAY = timedelta(hours=72)


def deadline_for(awareness_at: datetime) -> datetime:
    """H0 + 72 hours, in UTC."""
    if awareness_at.tzinfo is None:
        raise ValueError("naive datetime: the awareness time must carry a timezone")
    return awareness_at.astimezone(UTC) + NOTIFICATION_DELAY


class BreachStatus(LabeledEnum):
    BEING_ASSESSED = "being_assessed"
    NOTIFIED = "notified"
    NOT_NOTIFIABLE = "not_notifiable"
    CLOSED = "closed"

    @classmethod
    def __labels__(cls):
        return {
            cls.BEING_ASSESSED: _l("En cours d'évaluation"),
            cls.NOTIFIED: _l("Notifiée à la CNIL"),
            cls.NOT_NOTIFIABLE: _l("Non notifiable (décision documentée)"),
            cls.CLOSED: _l("Close"),
        }


class BreachOrigin(LabeledEnum):
    INTERNAL = "internal"
    EXTERNAL = "external"
    UNKNOWN = "unknown"

    @classmethod
    def __labels__(cls):
        return {
            cls.INTERNAL: _l("Interne"),
            cls.EXTERNAL: _l("Externe"),
            cls.UNKNOWN: _l("Inconnue"),
        }


class BreachCause(LabeledEnum):
    ACCIDENTAL = "accidental"
    MALICIOUS = "malicious"
    UNKNOWN = "unknown"

    @classmethod
    def __labels__(cls):
        return {
            cls.ACCIDENTAL: _l("Accidentelle"),
            cls.MALICIOUS: _l("Malveillante"),
            cls.UNKNOWN: _l("Inconnue"),
        }


class Circumstance(LabeledEnum):
    """The circumstances the CNIL's online notification form offers."""

    LOST_OR_STOLEN_DEVICE = "lost_or_stolen_device"
    LOST_OR_STOLEN_PAPER = "lost_or_stolen_paper"
    MAIL_LOST_OR_OPENED = "mail_lost_or_opened"
    HACKING = "hacking"
    IMPROPER_DISPOSAL = "improper_disposal"
    UNINTENDED_PUBLICATION = "unintended_publication"
    WRONG_PERSON_DATA_SHOWN = "wrong_person_data_shown"
    SENT_TO_WRONG_RECIPIENT = "sent_to_wrong_recipient"
    VERBAL_DISCLOSURE = "verbal_disclosure"
    OTHER = "other"

    @classmethod
    def __labels__(cls):
        return {
            cls.LOST_OR_STOLEN_DEVICE: _l("Équipement perdu ou volé"),
            cls.LOST_OR_STOLEN_PAPER: _l("Papier perdu, volé ou laissé accessible"),
            cls.MAIL_LOST_OR_OPENED: _l("Courrier perdu ou ouvert avant d'être retourné"),
            cls.HACKING: _l("Piratage, logiciel malveillant, hameçonnage"),
            cls.IMPROPER_DISPOSAL: _l("Mise au rebut de documents ou d'appareils non sécurisée"),
            cls.UNINTENDED_PUBLICATION: _l("Publication non volontaire d'informations"),
            cls.WRONG_PERSON_DATA_SHOWN: _l("Données de la mauvaise personne affichées"),
            cls.SENT_TO_WRONG_RECIPIENT: _l("Données envoyées à un mauvais destinataire"),
            cls.VERBAL_DISCLOSURE: _l("Informations divulguées oralement"),
            cls.OTHER: _l("Autre"),
        }


class RiskLevel(LabeledEnum):
    """The risk to the rights and freedoms of the people (Art. 33(1) and 34(1))."""

    NONE = "none"
    RISK = "risk"
    HIGH = "high"

    @classmethod
    def __labels__(cls):
        return {
            cls.NONE: _l("Risque improbable"),
            cls.RISK: _l("Risque"),
            cls.HIGH: _l("Risque élevé"),
        }

    @classmethod
    def __meanings__(cls):
        return {
            cls.NONE: _l("Pas de notification à la CNIL ; la violation est inscrite au registre."),
            cls.RISK: _l("Notification à la CNIL dans les 72 heures."),
            cls.HIGH: _l("Notification à la CNIL et communication aux personnes concernées."),
        }

    @property
    def meaning(self) -> str:
        return str(type(self).__meanings__()[self])


class Art34Ground(LabeledEnum):
    """Why the people concerned are not told (Art. 34(1) and 34(3))."""

    NOT_HIGH_RISK = "not_high_risk"
    UNINTELLIGIBLE = "unintelligible"
    RISK_REMOVED = "risk_removed"
    PUBLIC_COMMUNICATION = "public_communication"

    @classmethod
    def __labels__(cls):
        return {
            cls.NOT_HIGH_RISK: _l("Pas de risque élevé pour les personnes (art. 34.1)"),
            cls.UNINTELLIGIBLE: _l(
                "Données rendues incompréhensibles, par exemple chiffrées (art. 34.3.a)"
            ),
            cls.RISK_REMOVED: _l(
                "Mesures ultérieures : le risque élevé n'est plus susceptible de se matérialiser "
                "(art. 34.3.b)"
            ),
            cls.PUBLIC_COMMUNICATION: _l(
                "Efforts disproportionnés : communication publique à la place (art. 34.3.c)"
            ),
        }


class NotificationKind(LabeledEnum):
    INITIAL = "initial"
    COMPLEMENTARY = "complementary"

    @classmethod
    def __labels__(cls):
        return {
            cls.INITIAL: _l("Notification initiale"),
            cls.COMPLEMENTARY: _l("Notification complémentaire"),
        }


class BreachProcessing(SQLModel, table=True):
    """A processing activity of the controller concerned by the breach."""

    __tablename__ = "breach_processing"
    # Audited as part of its parent's change.
    __audit_parent__ = ("PersonalDataBreach", "breach_id")
    __audit_fold__ = True

    breach_id: int = Field(
        foreign_key="personal_data_breach.id", primary_key=True, ondelete="CASCADE"
    )
    processing_id: int = Field(
        foreign_key="processing_activity.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class PersonalDataBreach(RecordMixin, table=True):
    """A personal-data breach as one controller documents it (Art. 33(5))."""

    __tablename__ = "personal_data_breach"
    __scope__ = Scope(Register.BREACHES)
    # Free text that describes people and what happens to them: encrypted at rest, redacted
    # from the audit trail.
    __sensitive__ = (
        "description",
        "people_details",
        "consequences",
        "measures_taken",
        "measures_proposed",
        "risk_reasoning",
        "delay_reasons",
        "not_notified_reason",
        "communication_details",
        "contact",
    )

    reference: str = Field(max_length=20, nullable=False, unique=True, index=True)
    reference_year: int = Field(nullable=False)
    reference_number: int = Field(nullable=False)
    title: str = Field(max_length=200, nullable=False)
    # The controller: the member whose 72-hour clock this is.
    organisation_id: int = Field(
        foreign_key="organisation.id", nullable=False, index=True, ondelete="CASCADE"
    )
    incident_id: int | None = Field(
        default=None, foreign_key="incident.id", index=True, ondelete="SET NULL"
    )
    status: BreachStatus = Field(
        default=BreachStatus.BEING_ASSESSED,
        sa_type=str_enum(BreachStatus),
        nullable=False,
        index=True,
    )

    # Times. H0 is when this controller became aware; the deadline is kept in a column so that
    # lists sort and filter on it in SQL.
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    is_ongoing: bool = Field(default=False, nullable=False)
    discovered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Processor side (Art. 33(2)): when the processor told this controller.
    controller_informed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    awareness_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    notification_deadline: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)

    # Nature (several possible), origin and cause.
    confidentiality: bool = Field(default=False, nullable=False)
    integrity: bool = Field(default=False, nullable=False)
    availability: bool = Field(default=False, nullable=False)
    origin: BreachOrigin | None = Field(default=None, sa_type=str_enum(BreachOrigin))
    cause: BreachCause | None = Field(default=None, sa_type=str_enum(BreachCause))
    circumstance: Circumstance | None = Field(default=None, sa_type=str_enum(Circumstance))
    description: str | None = Field(default=None, sa_type=EncryptedText)

    # Scope: codes of processing.reference.SubjectCategory, DataCategory and SpecialCategory.
    subject_categories: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    people_count: int | None = None
    records_count: int | None = None
    people_details: str | None = Field(default=None, sa_type=EncryptedText)
    data_categories: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    special_categories: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    nir_concerned: bool = Field(default=False, nullable=False)
    criminal_data: bool = Field(default=False, nullable=False)

    # Consequences, measures and the risk assessment.
    consequences: str | None = Field(default=None, sa_type=EncryptedText)
    measures_taken: str | None = Field(default=None, sa_type=EncryptedText)
    measures_proposed: str | None = Field(default=None, sa_type=EncryptedText)
    risk_level: RiskLevel | None = Field(default=None, sa_type=str_enum(RiskLevel))
    risk_reasoning: str | None = Field(default=None, sa_type=EncryptedText)
    # Who the CNIL and the people may contact (the DPO, as a rule).
    contact: str | None = Field(default=None, sa_type=EncryptedText)

    # The notification decision and its reasons.
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delay_reasons: str | None = Field(default=None, sa_type=EncryptedText)
    not_notified_reason: str | None = Field(default=None, sa_type=EncryptedText)

    # Communication to the people (Art. 34), or why not.
    communicated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    communication_means: str | None = Field(default=None, max_length=300)
    communication_ground: Art34Ground | None = Field(default=None, sa_type=str_enum(Art34Ground))
    communication_details: str | None = Field(default=None, sa_type=EncryptedText)

    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    organisation: Organisation = Relationship()
    incident: Incident | None = Relationship()
    activities: list[ProcessingActivity] = Relationship(
        link_model=BreachProcessing,
        sa_relationship_kwargs={"order_by": "ProcessingActivity.reference"},
    )
    notifications: list["BreachNotification"] = Relationship(
        back_populates="breach",
        sa_relationship_kwargs={
            "cascade": "all, delete-orphan",
            "order_by": "(BreachNotification.sent_at, BreachNotification.id)",
        },
    )

    __table_args__ = (
        sa.UniqueConstraint("reference_year", "reference_number"),
        sa.CheckConstraint(
            "ended_at IS NULL OR started_at IS NULL OR started_at <= ended_at",
            name="started_before_ended",
        ),
        sa.CheckConstraint("people_count IS NULL OR people_count >= 0", name="people_positive"),
        sa.CheckConstraint("records_count IS NULL OR records_count >= 0", name="records_positive"),
    )

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_decided(self) -> bool:
        """Whether the notification decision was taken (notified, or documented not to be)."""
        return self.status != BreachStatus.BEING_ASSESSED

    @property
    def initial_notification(self) -> Optional["BreachNotification"]:
        return next((n for n in self.notifications if n.kind == NotificationKind.INITIAL), None)

    @property
    def nature(self) -> list[str]:
        """The codes of the security criteria breached, in the C, I, A order."""
        names = ("confidentiality", "integrity", "availability")
        return [name for name in names if getattr(self, name)]

    def is_late(self, now: datetime | None = None) -> bool:
        """Past the deadline with no decision yet."""
        now = now or utcnow()
        return self.status == BreachStatus.BEING_ASSESSED and now >= self.notification_deadline

    def notified_late(self) -> bool | None:
        """None when not notified; otherwise whether the initial notification missed 72 h."""
        initial = self.initial_notification
        if initial is None:
            return None
        return initial.sent_at > self.notification_deadline


class BreachNotification(IdMixin, table=True):
    """A notification made to the CNIL: the initial one, then complementary ones."""

    __tablename__ = "breach_notification"
    __scope__ = Scope.through(PersonalDataBreach, "breach_id")
    # Audited as part of its parent's change.
    __audit_parent__ = ("PersonalDataBreach", "breach_id")
    __audit_fold__ = True

    breach_id: int = Field(
        foreign_key="personal_data_breach.id", nullable=False, index=True, ondelete="CASCADE"
    )
    kind: NotificationKind = Field(sa_type=str_enum(NotificationKind), nullable=False)
    sent_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    # The number the CNIL's online service gives the notification.
    reference: str | None = Field(default=None, max_length=100)
    notes: str | None = Field(default=None, sa_type=EncryptedText)
    author_label: str | None = Field(default=None, max_length=254)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    breach: PersonalDataBreach = Relationship(back_populates="notifications")
