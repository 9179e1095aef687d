"""The security watch's tables: advisories, the identifiers of the map's applications, the
matches of advisories with applications and the treatments of each member using one."""

# No `from __future__ import annotations`: SQLModel resolves relationship annotations at
# class creation and needs them as real objects or quoted names.

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, Relationship

from compliance.access import Rule, holds_in_host
from compliance.calendar import today_in_paris
from compliance.db import RecordMixin, UTCDateTime, str_enum
from compliance.permissions import Action, Register
from compliance.tenancy import Organisation, Scope
from compliance.types import normalise_key
from registers.applications.models import Application, Deployment, deployed_in
from registers.watch.schemas import (
    AdvisoryBase,
    IdentifierBase,
    MatchState,
    TreatmentBase,
    TreatmentState,
)

# The watch is kept by the host's CISO: the host's readers see every advisory, its editors
# write them; a member sees the advisories its deployments are exposed to.
WATCH_READER = Rule("watch reader", holds_in_host(Register.WATCH), Action.READ)
WATCH_EDITOR = Rule("watch editor", holds_in_host(Register.WATCH), Action.EDIT)
KEPT_BY_HOST = {"everywhere": WATCH_READER, "writer": WATCH_EDITOR}


def _exposed(organisations):
    """SELECT of the ids of the advisories with a treatment in any of `organisations`."""
    return sa.select(Treatment.advisory_id).where(Treatment.organisation_id.in_(organisations))


class Advisory(AdvisoryBase, RecordMixin, table=True):
    """A security advisory received by the watch."""

    __tablename__ = "advisory"
    __scope__ = Scope(
        Register.WATCH,
        within=lambda organisations: Advisory.id.in_(_exposed(organisations)),
        selector=False,
        **KEPT_BY_HOST,
    )

    matches: list["AdvisoryMatch"] = Relationship(
        back_populates="advisory",
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "order_by": "AdvisoryMatch.id"},
    )

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class ApplicationIdentifier(IdentifierBase, RecordMixin, table=True):
    """A name by which advisories designate an application of the map."""

    __tablename__ = "application_identifier"
    __scope__ = Scope(
        Register.WATCH,
        within=lambda organisations: ApplicationIdentifier.application_id.in_(
            deployed_in(organisations)
        ),
        selector=False,
        **KEPT_BY_HOST,
    )

    application_id: int = Field(
        foreign_key="application.id", nullable=False, index=True, ondelete="CASCADE"
    )
    application: Application = Relationship()

    def __str__(self) -> str:
        return " ".join(filter(None, (self.vendor, self.product, self.cpe, self.purl)))


class AdvisoryMatch(RecordMixin, table=True):
    """An advisory found to concern an application; the CISO confirms or dismisses it."""

    __tablename__ = "advisory_match"
    __scope__ = Scope.through(Advisory, "advisory_id")

    advisory_id: int = Field(
        foreign_key="advisory.id", nullable=False, index=True, ondelete="CASCADE"
    )
    application_id: int = Field(
        foreign_key="application.id", nullable=False, index=True, ondelete="CASCADE"
    )
    state: MatchState = Field(
        default=MatchState.PROPOSED, sa_type=str_enum(MatchState, 16), nullable=False, index=True
    )
    # How it was found: "name", "cpe" or "purl".
    matched_by: str = Field(max_length=16, nullable=False)
    decided_by_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    advisory: Advisory = Relationship(back_populates="matches")
    application: Application = Relationship()

    __table_args__ = (sa.UniqueConstraint("advisory_id", "application_id"),)

    def __str__(self) -> str:
        return f"{self.advisory_id} x {self.application_id}"


def late_condition(today: date | None = None):
    """SQL: a treatment still pending after its due date."""
    today = today or today_in_paris()
    return sa.and_(Treatment.state == TreatmentState.PENDING, Treatment.due_on < today)


class Treatment(TreatmentBase, RecordMixin, table=True):
    """What one member does about a confirmed advisory on an application it uses."""

    __tablename__ = "advisory_treatment"
    __scope__ = Scope(Register.WATCH, **KEPT_BY_HOST)

    advisory_id: int = Field(
        foreign_key="advisory.id", nullable=False, index=True, ondelete="CASCADE"
    )
    match_id: int = Field(
        foreign_key="advisory_match.id", nullable=False, index=True, ondelete="CASCADE"
    )
    application_id: int = Field(
        foreign_key="application.id", nullable=False, index=True, ondelete="CASCADE"
    )
    deployment_id: int = Field(
        foreign_key="deployment.id", nullable=False, index=True, ondelete="CASCADE"
    )
    organisation_id: int = Field(
        foreign_key="organisation.id", nullable=False, index=True, ondelete="CASCADE"
    )
    due_on: date = Field(nullable=False, index=True)
    closed_on: date | None = Field(default=None, index=True)
    corrective_action_id: int | None = Field(
        default=None, foreign_key="corrective_action.id", index=True, ondelete="SET NULL"
    )
    incident_id: int | None = Field(
        default=None, foreign_key="incident.id", index=True, ondelete="SET NULL"
    )

    advisory: Advisory = Relationship()
    match: AdvisoryMatch = Relationship()
    application: Application = Relationship()
    deployment: Deployment = Relationship()
    organisation: Organisation = Relationship()

    __table_args__ = (sa.UniqueConstraint("match_id", "deployment_id"),)

    def __str__(self) -> str:
        return f"{self.advisory_id} / {self.organisation_id}"

    def is_late(self, today: date | None = None) -> bool:
        today = today or today_in_paris()
        return self.state == TreatmentState.PENDING and self.due_on < today

    @property
    def late(self) -> bool:
        return self.is_late()


def name_keys(vendor: str | None, product: str | None) -> tuple[str, str]:
    return normalise_key(vendor), normalise_key(product)


__all__ = [
    "WATCH_EDITOR",
    "WATCH_READER",
    "Advisory",
    "AdvisoryMatch",
    "ApplicationIdentifier",
    "Treatment",
    "late_condition",
    "name_keys",
]
