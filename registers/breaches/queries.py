"""Who sees what of the breach register: the SELECTs the pages, the API, the panels and the
exports share. A breach belongs to its controller organisation and is always scoped with
`compliance.access.scope()` on that column: a member never sees another member's breach."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import selectinload

from compliance import search
from compliance.access import scope
from compliance.db import utcnow
from compliance.permissions import Action, Register
from compliance.tenancy import Organisation
from registers.breaches.models import BreachProcessing, PersonalDataBreach
from registers.breaches.schemas import BreachFilters, BreachStatus

REGISTER = Register.BREACHES

BREACH_OPTIONS = (
    selectinload(PersonalDataBreach.organisation),
    selectinload(PersonalDataBreach.incident),
    selectinload(PersonalDataBreach.notifications),
)
DETAIL_OPTIONS = (*BREACH_OPTIONS, selectinload(PersonalDataBreach.activities))

__all__ = ["BreachFilters"]


def _user(user):
    return current_user if user is None else user


def late_condition(now: datetime | None = None):
    """Past the 72 hours without a notification decision."""
    return sa.and_(
        PersonalDataBreach.status == BreachStatus.BEING_ASSESSED,
        PersonalDataBreach.notification_deadline <= (now or utcnow()),
    )


def breach_filters(args) -> BreachFilters:
    """The list's filters from a query string; FilterError (the first bad value) otherwise."""
    return BreachFilters.from_args(args)


# Breaches still being assessed first (their clock runs), then by deadline.
_OPEN_FIRST = sa.case((PersonalDataBreach.status == BreachStatus.BEING_ASSESSED, 0), else_=1)
SORTS = {
    "deadline": (_OPEN_FIRST, PersonalDataBreach.notification_deadline),
    "awareness": (PersonalDataBreach.awareness_at,),
    "reference": (PersonalDataBreach.reference_year, PersonalDataBreach.reference_number),
    "status": (PersonalDataBreach.status, PersonalDataBreach.notification_deadline),
    "organisation": (Organisation.name, PersonalDataBreach.notification_deadline),
}


def _filtered(statement, filters: BreachFilters):
    if not filters.include_archived:
        statement = statement.where(PersonalDataBreach.archived_at.is_(None))
    for name in ("status", "organisation_id", "incident_id"):
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(getattr(PersonalDataBreach, name) == value)
    if filters.processing_id is not None:
        statement = statement.where(
            PersonalDataBreach.id.in_(
                sa.select(BreachProcessing.breach_id).where(
                    BreachProcessing.processing_id == filters.processing_id
                )
            )
        )
    if filters.late:
        statement = statement.where(late_condition())
    if filters.open_only:
        statement = statement.where(PersonalDataBreach.status == BreachStatus.BEING_ASSESSED)
    if filters.q:
        searched = (PersonalDataBreach.reference, PersonalDataBreach.title)
        statement = statement.where(search.matching(PersonalDataBreach, searched, filters.q))
    return statement


def visible_breaches(
    user=None,
    filters: BreachFilters | None = None,
    *,
    action: Action | str = Action.READ,
    selected: bool = True,
    everything: bool = False,
    options=BREACH_OPTIONS,
) -> sa.Select:
    """SELECT of the breaches the user may see (for `action`), filtered and sorted, related rows
    preloaded. everything=True is for the command line, which sees the whole register."""
    filters = filters or BreachFilters()
    statement = sa.select(PersonalDataBreach).options(*options)
    if filters.sort.lstrip("-") == "organisation":
        # Joined for that sort only: the page's COUNT and the other sorts do without it.
        statement = statement.join(
            Organisation, Organisation.id == PersonalDataBreach.organisation_id
        )
    if not everything:
        statement = scope(statement, action, user=_user(user), selected=selected)
    statement = _filtered(statement, filters)
    descending = filters.sort.startswith("-")
    columns = SORTS[filters.sort.lstrip("-")]
    order = [column.desc() if descending else column for column in columns]
    return statement.order_by(*order, PersonalDataBreach.id)
