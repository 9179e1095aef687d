"""The two records of the DPO's annual report, each declared once: the awareness and training
sessions the service gives, and the DPO's recommendations for the coming year."""

from __future__ import annotations

import sqlalchemy as sa
from pydantic import StrictBool, StrictInt
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


class AwarenessSessionPatch(AwarenessSessionUpdate):
    """A change of the API: the values, the version the client read (required), and
    `archived` (true archives the session, false restores it)."""

    version: StrictInt | None = Field(default=None, description="the version you read")
    archived: StrictBool | None = None


class AwarenessSessionRead(AwarenessSessionBase, Output):
    id: int
    organisation_id: int
    archived: bool = Field(validation_alias="is_archived")
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


# --- the report's figures (the API's answer) ---------------------------------------------------


class AnnualReportQuery(Query):
    year: WholeNumber | None = Field(
        default=None, ge=FIRST_YEAR, le=LAST_YEAR, description="the civil year (default: this one)"
    )


class AnnualReportRead(Output):
    """The figures of a report: a member's, or the whole service's (the sum of its members')."""

    year: int
    service: bool
    organisation_id: int = Field(description="the member, or for the service its host")
    organisation_ids: list[int] = Field(description="the organisations counted")
    activities: dict[str, int]
    breaches: dict[str, int]
    awareness: dict[str, int]
    rights: dict[str, int | dict[str, int]]
    recommendation: str | None = None
