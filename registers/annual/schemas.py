"""The two records of the DPO's annual report, each declared once: the awareness and training
sessions the service gives, and the DPO's recommendations for the coming year."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from compliance.schemas import Input, Output, Query, partial
from compliance.types import Day, Id, Line, Switch, Text, WholeNumber

# The years a report may cover: the product keeps no register older than this.
FIRST_YEAR = 2000
LAST_YEAR = 2100
MAX_ATTENDEES = 100_000
MAX_MINUTES = 10 * 24 * 60


# --- awareness and training sessions -----------------------------------------------------------


class AwarenessSessionBase(SQLModel):
    """A session given to a member's staff or elected members (or, held by the syndicate, to
    the whole service): when, to whom, on what, how many came."""

    held_on: Day = Field(nullable=False)
    audience: Line = Field(max_length=200, nullable=False)
    topic: Line = Field(max_length=300, nullable=False)
    attendees: WholeNumber = Field(default=0, ge=0, le=MAX_ATTENDEES, nullable=False)
    duration_minutes: WholeNumber | None = Field(default=None, ge=1, le=MAX_MINUTES)
    notes: Text | None = Field(default=None, max_length=5_000, sa_type=sa.Text)


class AwarenessSessionCreate(AwarenessSessionBase, Input):
    organisation_id: Id


# Editing a session: its organisation stays; what the table requires cannot be blanked.
AwarenessSessionUpdate = partial(AwarenessSessionBase, "AwarenessSessionUpdate")
AwarenessSessionUpdate.__required__ = frozenset({"held_on", "audience", "topic", "attendees"})


class AwarenessSessionRead(AwarenessSessionBase, Output):
    id: int
    organisation_id: int
    version: int


class AwarenessSessionFilters(Query):
    year: WholeNumber | None = Field(default=None, ge=FIRST_YEAR, le=LAST_YEAR)
    q: Line | None = Field(default=None, description="audience or topic")
    include_archived: Switch = False


# --- the DPO's recommendations -----------------------------------------------------------------


class RecommendationBase(SQLModel):
    """What the DPO recommends a member (or the whole service) for the year after `year`."""

    text: Text = Field(max_length=20_000, sa_type=sa.Text, nullable=False)


class RecommendationWrite(RecommendationBase, Input):
    pass
