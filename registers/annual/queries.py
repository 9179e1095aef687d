"""Who sees what of the annual report: the sessions list and the organisations a report may
be read for, scoped with compliance.access as the models declare (by `organisation_id`)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from compliance.access import scope
from compliance.permissions import Action, Register
from registers.annual.models import AwarenessSession
from registers.annual.schemas import AwarenessSessionFilters

REGISTER = Register.ANNUAL


def session_filters(args) -> AwarenessSessionFilters:
    """The list's filters from a query string; FilterError names the first bad one."""
    return AwarenessSessionFilters.from_args(args)


def visible_sessions(
    filters: AwarenessSessionFilters, action=Action.READ, *, user=None, selected: bool = True
):
    """The sessions the user sees (with `selected`, of the organisation picked in the
    selector), filtered, the latest first."""
    statement = sa.select(AwarenessSession).options(selectinload(AwarenessSession.organisation))
    statement = scope(statement, action, user=user, selected=selected)
    if filters.year is not None:
        statement = statement.where(
            AwarenessSession.held_on >= date(filters.year, 1, 1),
            AwarenessSession.held_on < date(filters.year + 1, 1, 1),
        )
    if filters.q:
        statement = statement.where(
            sa.or_(
                AwarenessSession.topic.icontains(filters.q, autoescape=True),
                AwarenessSession.audience.icontains(filters.q, autoescape=True),
            )
        )
    if not filters.include_archived:
        statement = statement.where(AwarenessSession.archived_at.is_(None))
    return statement.order_by(AwarenessSession.held_on.desc(), AwarenessSession.id.desc())
