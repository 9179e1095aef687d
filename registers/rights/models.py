"""Data-subject rights requests (Art. 12 to 22 GDPR): one RightsRequest per request received by
a controller organisation, with its one-month clock, its extension, its outcome, and the
processing activities and applications where the person's data is searched."""

# No `from __future__ import annotations`: SQLModel resolves relationship annotations at
# class creation and needs them as real objects or quoted names.

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from compliance.calendar import period_end, today_in_paris
from compliance.crypto import EncryptedText
from compliance.db import RecordMixin, UTCDateTime, str_enum
from compliance.permissions import Register
from compliance.tenancy import Organisation, Scope
from registers.applications.models import Application
from registers.processing.models import ProcessingActivity
from registers.rights.schemas import (
    OPEN_STATUSES,
    Outcome,
    RefusalGround,
    RightsRequestBase,
    RightsStatus,
)

# Art. 12(3): "within one month of receipt of the request", "extended by two further months".
ANSWER_MONTHS = 1
EXTENDED_MONTHS = 3


def suspended_days(
    doubt_reason: str | None, requested_on: date | None, received_on: date | None
) -> int:
    """The days the clock stood still (Art. 12(6)): from the day proof of identity was asked for
    to the day it arrived, only when a reasonable doubt is recorded; 0 otherwise."""
    if not doubt_reason or requested_on is None or received_on is None:
        return 0
    return max((received_on - requested_on).days, 0)


def due_dates(request: "RightsRequestBase", *, extended: bool) -> tuple[date, date | None]:
    """(due_on, extended_due_on): one month, and three months when extended, from the day of
    receipt (Regulation No 1182/71), each moved by the days the clock stood still, then off a
    Saturday, Sunday or French public holiday."""
    extra = suspended_days(
        request.identity_doubt_reason, request.identity_requested_on, request.identity_received_on
    )
    due = period_end(request.received_on, ANSWER_MONTHS, extra_days=extra)
    later = period_end(request.received_on, EXTENDED_MONTHS, extra_days=extra) if extended else None
    return due, later


class RightsRequestProcessing(SQLModel, table=True):
    """A processing activity of the controller where the person's data is searched."""

    __tablename__ = "rights_request_processing"
    # Audited as part of its parent's change.
    __audit_parent__ = ("RightsRequest", "request_id")
    __audit_fold__ = True

    request_id: int = Field(foreign_key="rights_request.id", primary_key=True, ondelete="CASCADE")
    processing_id: int = Field(
        foreign_key="processing_activity.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class RightsRequestApplication(SQLModel, table=True):
    """An application of the map where the person's data is searched."""

    __tablename__ = "rights_request_application"
    __audit_parent__ = ("RightsRequest", "request_id")
    __audit_fold__ = True

    request_id: int = Field(foreign_key="rights_request.id", primary_key=True, ondelete="CASCADE")
    application_id: int = Field(
        foreign_key="application.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class RightsRequest(RecordMixin, RightsRequestBase, table=True):
    """A data-subject rights request as its controller records it."""

    __tablename__ = "rights_request"
    __scope__ = Scope(Register.RIGHTS)
    # What names or describes the person, or may: encrypted at rest, redacted from the audit.
    __sensitive__ = (
        "person_name",
        "person_contact",
        "details",
        "identity_doubt_reason",
        "extension_reasons",
        "answer_summary",
        "answer_means",
        "refusal_details",
        "refusal_reasoning",
        "recipients_informed",
    )

    reference: str = Field(max_length=20, nullable=False, unique=True, index=True)
    reference_year: int = Field(nullable=False)
    reference_number: int = Field(nullable=False)
    status: RightsStatus = Field(
        default=RightsStatus.RECEIVED, sa_type=str_enum(RightsStatus), nullable=False, index=True
    )
    outcome: Outcome | None = Field(default=None, sa_type=str_enum(Outcome))

    # The deadlines, kept in columns so that lists sort and filter on them in SQL.
    due_on: date = Field(nullable=False, index=True)
    extended_due_on: date | None = Field(default=None)
    started_on: date | None = Field(default=None)
    extension_reasons: str | None = Field(default=None, sa_type=EncryptedText)
    extension_notified_on: date | None = Field(default=None)

    # The outcome.
    answered_on: date | None = Field(default=None)
    answer_summary: str | None = Field(default=None, sa_type=EncryptedText)
    answer_means: str | None = Field(default=None, max_length=300)
    refusal_ground: RefusalGround | None = Field(default=None, sa_type=str_enum(RefusalGround))
    refusal_details: str | None = Field(default=None, max_length=500)
    refusal_reasoning: str | None = Field(default=None, sa_type=EncryptedText)
    # The letter told the person of the right to complain to the CNIL and to a judicial remedy.
    remedies_mentioned: bool = Field(default=False, nullable=False)
    withdrawn_on: date | None = Field(default=None)
    # Art. 19: the recipients told of a rectification, an erasure or a restriction.
    recipients_informed: str | None = Field(default=None, sa_type=EncryptedText)
    recipients_informed_on: date | None = Field(default=None)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    organisation: Organisation = Relationship()
    activities: list[ProcessingActivity] = Relationship(
        link_model=RightsRequestProcessing,
        sa_relationship_kwargs={"order_by": "ProcessingActivity.reference"},
    )
    applications: list[Application] = Relationship(
        link_model=RightsRequestApplication,
        sa_relationship_kwargs={"order_by": "Application.name"},
    )

    __table_args__ = (
        sa.UniqueConstraint("reference_year", "reference_number"),
        # The dashboard's and the reminders' counts: a member's open requests by due date.
        sa.Index(
            "ix_rights_request_organisation_status_due", "organisation_id", "status", "due_on"
        ),
    )

    def __str__(self) -> str:
        return self.reference

    @property
    def processing_ids(self) -> list[int]:
        return [activity.id for activity in self.activities]

    @property
    def application_ids(self) -> list[int]:
        return [application.id for application in self.applications]

    @property
    def is_open(self) -> bool:
        """No outcome yet: the clock runs (or stands still)."""
        return self.status in OPEN_STATUSES

    @property
    def clock_suspended(self) -> bool:
        """The clock stands still: a reasonable doubt is recorded, proof of identity was asked
        for and has not arrived."""
        return bool(
            self.is_open
            and self.identity_doubt_reason
            and self.identity_requested_on is not None
            and self.identity_received_on is None
        )

    @property
    def suspended_days(self) -> int:
        return suspended_days(
            self.identity_doubt_reason, self.identity_requested_on, self.identity_received_on
        )

    @property
    def applicable_due_on(self) -> date:
        """The date that applies: the extended one once extended."""
        return self.extended_due_on or self.due_on

    def is_late(self, today: date | None = None) -> bool:
        """Open, the clock running, and today (Paris) after the applicable due date."""
        today = today or today_in_paris()
        return self.is_open and not self.clock_suspended and today > self.applicable_due_on

    @property
    def late(self) -> bool:
        return self.is_late()

    @property
    def answered_late(self) -> bool | None:
        """None without an answer; otherwise whether it came after the applicable date."""
        if self.answered_on is None:
            return None
        return self.answered_on > self.applicable_due_on

    @property
    def refusal_late(self) -> bool:
        """A refusal, or the refused part of a partial answer, told after the first month: the
        reasons for not acting are due within one month even when the time is extended
        (Art. 12(4))."""
        return bool(
            self.refusal_ground is not None
            and self.answered_on is not None
            and self.answered_on > self.due_on
        )
