"""Personal-data breaches (Art. 33 and 34 GDPR): one PersonalDataBreach per controller
organisation, with its 72-hour clock, its notifications to the CNIL and the decisions taken."""

# No `from __future__ import annotations`: SQLModel resolves relationship annotations at
# class creation and needs them as real objects or quoted names.

from datetime import UTC, date, datetime, timedelta
from typing import Optional

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlmodel import Field, Relationship, SQLModel

from compliance.crypto import EncryptedText
from compliance.db import IdMixin, RecordMixin, UTCDateTime, str_enum, utcnow
from compliance.permissions import Register
from compliance.tenancy import Organisation, Scope
from registers.breaches.schemas import (
    FIRST_KINDS,
    BreachBase,
    BreachStatus,
    NoBreachDecisionBase,
    NotificationBase,
)
from registers.incidents.models import Incident
from registers.processing.models import ProcessingActivity

# Art. 33(1): "without undue delay and, where feasible, not later than 72 hours after having
# become aware of it". Counted in absolute time: a daylight-saving change moves the wall clock,
# not the deadline.
NOTIFICATION_DELAY = timedelta(hours=72)


# Art. 33(2): the processor informs the controller "without undue delay". Beyond this many hours
# (the COMPLIANCE_PROCESSOR_DELAY_HOURS setting), the delay is flagged.
PROCESSOR_DELAY_HOURS = 24


def processor_delay_limit() -> timedelta:
    """The processor's delay beyond which it is flagged (the setting, 24 hours by default)."""
    hours = PROCESSOR_DELAY_HOURS
    if has_app_context():
        hours = current_app.config.get("PROCESSOR_DELAY_HOURS", hours)
    return timedelta(hours=hours)


def deadline_for(awareness_at: datetime) -> datetime:
    """H0 + 72 hours, in UTC."""
    if awareness_at.tzinfo is None:
        raise ValueError("naive datetime: the awareness time must carry a timezone")
    return awareness_at.astimezone(UTC) + NOTIFICATION_DELAY


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


class PersonalDataBreach(RecordMixin, BreachBase, table=True):
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
    status: BreachStatus = Field(
        default=BreachStatus.BEING_ASSESSED,
        sa_type=str_enum(BreachStatus),
        nullable=False,
        index=True,
    )
    # H0 + 72 hours, kept in a column so that lists sort and filter on it in SQL.
    notification_deadline: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    # The notification decision and its reasons.
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    not_notified_reason: str | None = Field(default=None, sa_type=EncryptedText)
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
        # The duty card's "no breach yet for this controller" (fanout._undecided), per pair.
        sa.Index(
            "ix_personal_data_breach_incident_organisation",
            "incident_id",
            "organisation_id",
            "archived_at",
        ),
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
        """The first notification (initial or complete): the decision to notify."""
        return next((n for n in self.notifications if n.kind in FIRST_KINDS), None)

    @property
    def processor_delay(self) -> timedelta | None:
        """Art. 33(2): from the discovery (often by the processor) to the time the processor
        informed this controller; None when either is unknown."""
        if self.discovered_at is None or self.controller_informed_at is None:
            return None
        return self.controller_informed_at - self.discovered_at

    @property
    def processor_delay_hours(self) -> float | None:
        delay = self.processor_delay
        return None if delay is None else round(delay.total_seconds() / 3600, 1)

    @property
    def processor_delay_exceeded(self) -> bool:
        """Whether the processor took longer than the setting to inform the controller."""
        delay = self.processor_delay
        return delay is not None and delay > processor_delay_limit()

    @property
    def follow_up_due(self) -> date | None:
        """Art. 33(4): the due date of the complementary notification the latest notification
        announced, until a later one is recorded."""
        if not self.notifications or self.status == BreachStatus.CLOSED:
            return None
        latest = max(self.notifications, key=lambda n: (n.sent_at, n.id or 0))
        return latest.follow_up_by

    @property
    def nature(self) -> list[str]:
        """The codes of the security criteria breached, in the C, I, A order."""
        names = ("confidentiality", "integrity", "availability")
        return [name for name in names if getattr(self, name)]

    def state_at(self, now: datetime | None = None) -> str:
        """Where the 72-hour clock stands at `now`: running, late, notified, notified_late,
        not_notifiable or closed."""
        now = now or utcnow()
        initial = self.initial_notification
        if initial is not None:
            return "notified_late" if initial.sent_at > self.notification_deadline else "notified"
        if self.status == BreachStatus.BEING_ASSESSED:
            return "late" if now >= self.notification_deadline else "running"
        if self.status == BreachStatus.NOT_NOTIFIABLE or self.not_notified_reason:
            return "not_notifiable"
        return "closed"

    @property
    def deadline_state(self) -> str:
        """The clock's state now."""
        return self.state_at()

    @property
    def late(self) -> bool:
        """Past the deadline now with no decision yet."""
        return self.deadline_state == "late"

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


class BreachNotification(IdMixin, NotificationBase, table=True):
    """A notification made to the CNIL: the initial one, then complementary ones."""

    __tablename__ = "breach_notification"
    __scope__ = Scope.through(PersonalDataBreach, "breach_id")
    # Audited as part of its parent's change.
    __audit_parent__ = ("PersonalDataBreach", "breach_id")
    __audit_fold__ = True

    breach_id: int = Field(
        foreign_key="personal_data_breach.id", nullable=False, index=True, ondelete="CASCADE"
    )
    author_label: str | None = Field(default=None, max_length=254)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    breach: PersonalDataBreach = Relationship(back_populates="notifications")


class NoBreachDecision(IdMixin, NoBreachDecisionBase, table=True):
    """The documented decision that an incident is no personal-data breach for one controller
    it concerns (Art. 33(5)): why, who decided and when. With the breaches opened, these
    decisions account for every controller before the incident can close."""

    __tablename__ = "no_breach_decision"
    __scope__ = Scope(Register.BREACHES)

    incident_id: int = Field(
        foreign_key="incident.id", nullable=False, index=True, ondelete="CASCADE"
    )
    organisation_id: int = Field(
        foreign_key="organisation.id", nullable=False, index=True, ondelete="CASCADE"
    )
    decided_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    decided_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    decided_by_label: str | None = Field(default=None, max_length=254)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    organisation: Organisation = Relationship()
    incident: Incident = Relationship()

    __table_args__ = (sa.UniqueConstraint("incident_id", "organisation_id"),)

    def __str__(self) -> str:
        return f"{self.incident.reference} {self.organisation.name}"
