"""The tables of the annual report: awareness sessions and the DPO's recommendations, each
belonging to one organisation (the host organisation's are the whole service's)."""

# No `from __future__ import annotations`: SQLModel resolves relationship annotations at
# class creation and needs them as real objects or quoted names.

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, Relationship

from compliance.db import RecordMixin, UTCDateTime
from compliance.permissions import Register
from compliance.tenancy import Organisation, Scope
from registers.annual.schemas import AwarenessSessionBase, RecommendationBase


class AwarenessSession(RecordMixin, AwarenessSessionBase, table=True):
    """An awareness or training session; one held by the host organisation (the syndicate)
    is a service-wide session."""

    __tablename__ = "awareness_session"
    __scope__ = Scope(Register.ANNUAL)

    organisation_id: int = Field(foreign_key="organisation.id", nullable=False, ondelete="CASCADE")
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    organisation: Organisation = Relationship()

    __table_args__ = (
        sa.CheckConstraint("attendees >= 0", name="attendees_positive"),
        sa.CheckConstraint(
            "duration_minutes IS NULL OR duration_minutes > 0", name="duration_positive"
        ),
        # The report's counts (one organisation's sessions of one year); leads with the owner.
        sa.Index("ix_awareness_session_organisation_held", "organisation_id", "held_on"),
    )

    def __str__(self) -> str:
        return f"{self.held_on.isoformat()} {self.topic}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class DpoRecommendation(RecordMixin, RecommendationBase, table=True):
    """The DPO's recommendations to an organisation for the year after `year`; with
    `service_wide`, those to the whole service (kept in the host organisation)."""

    __tablename__ = "dpo_recommendation"
    __scope__ = Scope(Register.ANNUAL)

    organisation_id: int = Field(foreign_key="organisation.id", nullable=False, ondelete="CASCADE")
    year: int = Field(nullable=False)
    service_wide: bool = Field(default=False, nullable=False)

    organisation: Organisation = Relationship()

    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "year", "service_wide"),
        sa.CheckConstraint("year >= 2000 AND year <= 2100", name="year_range"),
    )

    def __str__(self) -> str:
        return f"{self.year}"
