"""The breach register's entities, declared once: a personal-data breach as one controller
documents it (Art. 33(5)) and a notification made to the CNIL. Their codes, the shared fields
(`XBase`, which the tables in models.py inherit), what a write accepts (`XCreate`, `XUpdate`),
what the API answers (`XRead`) and the list's filters (`BreachFilters`). A form, the API, the
demo and the incident fan-out hand their values to these schemas, so each door accepts and
refuses the same values with the same messages."""

# No `from __future__ import annotations`: the tables in models.py inherit these fields, and
# SQLModel needs their annotations as real objects.

from datetime import date, datetime
from typing import Annotated

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import BeforeValidator, WithJsonSchema, field_serializer, field_validator
from sqlmodel import JSON, Field, SQLModel

from compliance.crypto import EncryptedText
from compliance.db import UTCDateTime, str_enum
from compliance.enums import LabeledEnum
from compliance.i18n import PARIS
from compliance.schemas import Input, Output, Query, partial
from compliance.types import (
    MESSAGES,
    Code,
    Day,
    Id,
    Ids,
    Instant,
    Line,
    Sentence,
    Switch,
    Text,
    WholeNumber,
    is_blank,
    parse_flag,
)
from registers.processing.reference import DataCategory, SpecialCategory, SubjectCategory

# --- codes ------------------------------------------------------------------------------------


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
    """The kinds of notification the CNIL's online service knows (Art. 33(4): in phases). A
    complete notification gives everything at once; an initial one is followed by
    complementary ones, the last of which may be a complete one."""

    INITIAL = "initial"
    COMPLEMENTARY = "complementary"
    COMPLETE = "complete"

    @classmethod
    def __labels__(cls):
        return {
            cls.INITIAL: _l("Notification initiale"),
            cls.COMPLEMENTARY: _l("Notification complémentaire"),
            cls.COMPLETE: _l("Notification complète"),
        }


# The kinds that may open the notification (the decision to notify).
FIRST_KINDS = (NotificationKind.INITIAL, NotificationKind.COMPLETE)


# --- value types of this register -------------------------------------------------------------


def _allowed(enum_cls) -> str:
    return ", ".join(member.value for member in enum_cls)


def codes(enum_cls):
    """A list of codes of `enum_cls` (a list, or text separated by commas or semicolons), each
    once, in the enumeration's order; blank is the empty list."""

    def convert(value):
        if is_blank(value):
            return []
        if isinstance(value, str):
            value = value.replace(";", ",").split(",")
        if not isinstance(value, list | tuple | set):
            raise ValueError(str(MESSAGES["list"]))
        chosen = set()
        for item in value:
            if is_blank(item):
                continue
            raw = getattr(item, "value", item)
            try:
                chosen.add(enum_cls(raw.strip() if isinstance(raw, str) else raw))
            except ValueError:
                message = _("doit être l'une des valeurs : %(allowed)s", allowed=_allowed(enum_cls))
                raise ValueError(message) from None
        return [member.value for member in enum_cls if member in chosen]

    return convert


def Codes(enum_cls):
    """The type of a list of codes of `enum_cls` (a JSON column)."""
    code = Annotated[str, WithJsonSchema({"type": "string", "enum": [m.value for m in enum_cls]})]
    return Annotated[list[code], BeforeValidator(codes(enum_cls))]


def checkbox(value):
    """A box ticked or not: blank is not ticked (False); "on"/"off" as a browser sends them."""
    if is_blank(value):
        return False
    if isinstance(value, str) and value.strip().lower() in ("on", "off"):
        return value.strip().lower() == "on"
    return parse_flag(value)


Checkbox = Annotated[bool, BeforeValidator(checkbox)]


def paris_time(value: datetime | None) -> str | None:
    """ISO 8601 with the offset of Paris at that instant: 2026-10-27T09:00:00+01:00 (the
    deadline reads as the DPO and the CNIL read it, summer or winter time)."""
    return value.astimezone(PARIS).isoformat() if value is not None else None


# What an answer's instant is: text in ISO 8601, with the offset of Paris.
ParisTime = Annotated[
    str,
    WithJsonSchema(
        {"type": "string", "format": "date-time", "description": "with the offset of Paris"}
    ),
]


# --- a breach ---------------------------------------------------------------------------------


class BreachBase(SQLModel):
    """The fields of a breach that a write sets and the API answers."""

    title: Line = Field(max_length=200, nullable=False)
    # The controller: the member whose 72-hour clock this is.
    organisation_id: Id = Field(
        foreign_key="organisation.id", nullable=False, index=True, ondelete="CASCADE"
    )
    incident_id: Id | None = Field(
        default=None, foreign_key="incident.id", index=True, ondelete="SET NULL"
    )

    # Times. H0 (awareness_at) is when this controller became aware.
    started_at: Instant | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: Instant | None = Field(default=None, sa_type=UTCDateTime)
    is_ongoing: Checkbox = Field(default=False, nullable=False)
    discovered_at: Instant | None = Field(default=None, sa_type=UTCDateTime)
    # Processor side (Art. 33(2)): when the processor told this controller.
    controller_informed_at: Instant | None = Field(default=None, sa_type=UTCDateTime)
    awareness_at: Instant = Field(sa_type=UTCDateTime, nullable=False)

    # Nature (several possible), origin and cause. Free text that describes people and what
    # happens to them is encrypted at rest (EncryptedText).
    confidentiality: Checkbox = Field(default=False, nullable=False)
    integrity: Checkbox = Field(default=False, nullable=False)
    availability: Checkbox = Field(default=False, nullable=False)
    origin: Code[BreachOrigin] | None = Field(default=None, sa_type=str_enum(BreachOrigin))
    cause: Code[BreachCause] | None = Field(default=None, sa_type=str_enum(BreachCause))
    circumstance: Code[Circumstance] | None = Field(default=None, sa_type=str_enum(Circumstance))
    description: Text | None = Field(default=None, max_length=20_000, sa_type=EncryptedText)

    # Scope: codes of processing.reference.SubjectCategory, DataCategory and SpecialCategory.
    subject_categories: Codes(SubjectCategory) = Field(
        default_factory=list, sa_type=JSON, nullable=False
    )
    people_count: WholeNumber | None = Field(default=None, ge=0)
    records_count: WholeNumber | None = Field(default=None, ge=0)
    people_details: Text | None = Field(default=None, max_length=5_000, sa_type=EncryptedText)
    data_categories: Codes(DataCategory) = Field(default_factory=list, sa_type=JSON, nullable=False)
    special_categories: Codes(SpecialCategory) = Field(
        default_factory=list, sa_type=JSON, nullable=False
    )
    nir_concerned: Checkbox = Field(default=False, nullable=False)
    criminal_data: Checkbox = Field(default=False, nullable=False)

    # Consequences, measures and the risk assessment.
    consequences: Text | None = Field(default=None, max_length=10_000, sa_type=EncryptedText)
    measures_taken: Text | None = Field(default=None, max_length=10_000, sa_type=EncryptedText)
    measures_proposed: Text | None = Field(default=None, max_length=10_000, sa_type=EncryptedText)
    risk_level: Code[RiskLevel] | None = Field(default=None, sa_type=str_enum(RiskLevel))
    risk_reasoning: Text | None = Field(default=None, max_length=10_000, sa_type=EncryptedText)
    # Who the CNIL and the people may contact (the DPO, as a rule).
    contact: Text | None = Field(default=None, max_length=500, sa_type=EncryptedText)
    # Why the notification came after the 72 hours.
    delay_reasons: Text | None = Field(default=None, max_length=10_000, sa_type=EncryptedText)

    # Communication to the people (Art. 34), or why not.
    communicated_at: Instant | None = Field(default=None, sa_type=UTCDateTime)
    communication_means: Line | None = Field(default=None, max_length=300)
    communication_ground: Code[Art34Ground] | None = Field(
        default=None, sa_type=str_enum(Art34Ground)
    )
    communication_details: Text | None = Field(
        default=None, max_length=10_000, sa_type=EncryptedText
    )


class BreachCreate(BreachBase, Input):
    """A new breach: its title, controller and H0 are required; `processing_ids` are
    processing activities of that controller. Reasons must say something (a sentence)."""

    processing_ids: Ids = Field(default_factory=list)
    risk_reasoning: Sentence | None = Field(default=None, max_length=10_000)
    delay_reasons: Sentence | None = Field(default=None, max_length=10_000)
    communication_details: Sentence | None = Field(default=None, max_length=10_000)


BreachUpdate = partial(BreachCreate)
# The controller of a breach never changes (another controller has its own breach), nor does
# the incident it came from: the services refuse a change of these.
FIXED_AFTER_CREATION = ("organisation_id", "incident_id")


class Versioned(Input):
    """The version of the record the client read (optimistic locking)."""

    version: int = Field(description="The version read (optimistic locking).")


class BreachPatch(BreachUpdate, Versioned):
    """A breach's changes and the version read (the API's PATCH)."""


class NotNotifiable(Input):
    """The documented decision not to notify (Art. 33(1)): why there is no risk."""

    risk_level: Code[RiskLevel] | None = None
    risk_reasoning: Sentence = Field(max_length=10_000)
    not_notified_reason: Sentence = Field(max_length=10_000)
    communication_ground: Code[Art34Ground] | None = None


class NotNotifiablePost(NotNotifiable, Versioned):
    """The decision and the version read (the API's POST)."""


# --- a notification to the CNIL -----------------------------------------------------------------


class NotificationBase(SQLModel):
    """A notification made to the CNIL."""

    kind: Code[NotificationKind] = Field(sa_type=str_enum(NotificationKind), nullable=False)
    sent_at: Instant = Field(sa_type=UTCDateTime, nullable=False)
    # The number the CNIL's online service gives the notification.
    reference: Line | None = Field(default=None, max_length=100)
    notes: Text | None = Field(default=None, max_length=5_000, sa_type=EncryptedText)
    # Art. 33(4): the date by which the complementary notification this one announces is due;
    # a reminder until a later notification is recorded.
    follow_up_by: Day | None = Field(default=None)


class NotificationCreate(NotificationBase, Input):
    """A notification to record; past the 72 hours, the first one needs the reasons for the
    delay (kept on the breach)."""

    delay_reasons: Sentence | None = Field(default=None, max_length=10_000)


class NotificationPost(NotificationCreate, Versioned):
    """A notification and the version of the breach read (the API's POST)."""


# --- what the API answers -----------------------------------------------------------------------


class NotificationRead(NotificationBase, Output):
    id: int

    @field_serializer("sent_at", when_used="json")
    def _paris(self, value: datetime) -> ParisTime:
        return paris_time(value)


class OrganisationRef(Output):
    id: int
    slug: str
    name: str


class IncidentRef(Output):
    id: int
    reference: str


class ActivityRef(Output):
    id: int
    reference: str
    name: str


# The instants of an answer, always set or not.
INSTANTS = ("awareness_at", "notification_deadline", "created_at", "updated_at")
OPTIONAL_INSTANTS = (
    "started_at",
    "ended_at",
    "discovered_at",
    "controller_informed_at",
    "decided_at",
    "communicated_at",
    "closed_at",
)


class BreachRead(BreachBase, Output):
    """A breach as the API answers it: instants in ISO 8601 with the offset of Paris."""

    id: int
    reference: str
    status: BreachStatus
    notification_deadline: datetime
    # The clock now: running, late, notified, notified_late, not_notifiable or closed.
    deadline_state: str
    late: bool
    decided_at: datetime | None
    not_notified_reason: str | None
    closed_at: datetime | None
    # Art. 33(2): the processor's delay between discovery and informing this controller, in
    # hours, and whether it is beyond the COMPLIANCE_PROCESSOR_DELAY_HOURS setting.
    processor_delay_hours: float | None
    processor_delay_exceeded: bool
    # Art. 33(4): the complementary notification announced and not yet recorded.
    follow_up_due: date | None
    processing_ids: list[int] = Field(validation_alias="activities")
    processing_activities: list[ActivityRef] = Field(validation_alias="activities")
    organisation: OrganisationRef
    incident: IncidentRef | None
    notifications: list[NotificationRead]
    archived: bool = Field(validation_alias="is_archived")
    version: int
    created_at: datetime
    updated_at: datetime

    @field_validator("processing_ids", mode="before")
    @classmethod
    def _ids_of(cls, activities) -> list:
        return [getattr(activity, "id", activity) for activity in activities]

    @field_serializer(*INSTANTS, when_used="json")
    def _paris(self, value: datetime) -> ParisTime:
        return paris_time(value)

    @field_serializer(*OPTIONAL_INSTANTS, when_used="json")
    def _paris_or_none(self, value: datetime | None) -> ParisTime | None:
        return paris_time(value)


# --- the list's filters ---------------------------------------------------------------------------

SORTS = ("deadline", "awareness", "reference", "status", "organisation")


class BreachFilters(Query):
    """The list's filters, from the query string."""

    q: Line | None = None
    status: Code[BreachStatus] | None = None
    organisation_id: WholeNumber | None = None
    incident_id: WholeNumber | None = None
    processing_id: WholeNumber | None = None
    late: Switch = False
    open_only: Switch = False
    include_archived: Switch = False
    sort: Line = Field(
        default="deadline",
        description="deadline, awareness, reference, status or organisation; - before: descending",
    )

    @field_validator("sort", mode="before")
    @classmethod
    def _default_sort(cls, value):
        return "deadline" if is_blank(value) else value

    @field_validator("sort", mode="after")
    @classmethod
    def _known_sort(cls, value: str) -> str:
        if value.lstrip("-") not in SORTS:
            raise ValueError(
                _("doit être l'une des valeurs : %(allowed)s", allowed=", ".join(SORTS))
            )
        return value


# --- a controller's "no breach" decision --------------------------------------------------------


class NoBreachGround(LabeledEnum):
    """Why an incident is no personal-data breach for one controller (Art. 33(5))."""

    NO_PERSONAL_DATA = "no_personal_data"
    NOT_AFFECTED = "not_affected"

    @classmethod
    def __labels__(cls):
        return {
            cls.NO_PERSONAL_DATA: _l("Aucune donnée personnelle de ce responsable n'est en cause"),
            cls.NOT_AFFECTED: _l(
                "Données personnelles en cause, mais ni perdues, ni altérées, ni divulguées, "
                "ni indisponibles"
            ),
        }


class NoBreachDecisionBase(SQLModel):
    """What the DPO records for a controller when the incident is no breach for it."""

    ground: Code[NoBreachGround] = Field(sa_type=str_enum(NoBreachGround), nullable=False)
    reason: Sentence = Field(max_length=5_000)


class NoBreachDecisionCreate(NoBreachDecisionBase, Input):
    """The decision for the controllers `organisation_ids` of an incident (one record each)."""

    organisation_ids: Ids = Field(min_length=1)
    decided_at: Instant | None = None


class NoBreachDecisionRead(NoBreachDecisionBase, Output):
    """A "no breach" decision as the API answers it."""

    id: int
    incident_id: int
    organisation_id: int
    decided_at: datetime
    decided_by_label: str | None

    @field_serializer("decided_at", when_used="json")
    def _paris(self, value: datetime) -> ParisTime:
        return paris_time(value)


class NoBreachDecisions(Output):
    """The decisions recorded by one request."""

    decisions: list[NoBreachDecisionRead]
