"""Who sees what of the rights requests register: the SELECTs the pages, the API, the panels and
the other registers' reports share. A request belongs to its controller organisation and is
always scoped on that column (`compliance.access.scope()` for a user; an explicit list of
organisations for the reminders and the annual report, which have already chosen them)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import Session, selectinload

from compliance import search
from compliance.access import scope
from compliance.calendar import today_in_paris
from compliance.permissions import Action, Register
from compliance.tenancy import Organisation
from registers.processing.models import ProcessingActivity
from registers.rights.models import RightsRequest, RightsRequestApplication, RightsRequestProcessing
from registers.rights.schemas import (
    OPEN_STATUSES,
    Outcome,
    RightKind,
    RightsRequestFilters,
    RightsStatus,
)

REGISTER = Register.RIGHTS

LIST_OPTIONS = (selectinload(RightsRequest.organisation),)
# The activities with their supporting applications: the page proposes those not linked yet.
DETAIL_OPTIONS = (
    *LIST_OPTIONS,
    selectinload(RightsRequest.activities).selectinload(ProcessingActivity.applications),
    selectinload(RightsRequest.applications),
)

__all__ = ["RightsRequestFilters", "annual_figures", "due_or_late"]

R = RightsRequest
# The date that applies: the extended one once extended.
applicable_due = sa.func.coalesce(R.extended_due_on, R.due_on)
# The clock stands still: a reasonable doubt recorded, proof asked for and not yet arrived.
SUSPENDED = sa.and_(
    R.identity_doubt_reason.is_not(None),
    R.identity_requested_on.is_not(None),
    R.identity_received_on.is_(None),
)
IS_OPEN = R.status.in_(OPEN_STATUSES)


def late_condition(today: date | None = None):
    """Open, the clock running, and today (Paris) after the applicable due date."""
    return sa.and_(IS_OPEN, sa.not_(SUSPENDED), applicable_due < (today or today_in_paris()))


def due_within_condition(today: date, days: int):
    """Open, the clock running, due from today to `days` days ahead (not yet late)."""
    return sa.and_(
        IS_OPEN,
        sa.not_(SUSPENDED),
        applicable_due >= today,
        applicable_due <= today + timedelta(days=days),
    )


def _user(user):
    return current_user if user is None else user


def _within(statement, organisation_ids: Iterable[int] | None):
    if organisation_ids is None:
        return statement
    return statement.where(R.organisation_id.in_(list(organisation_ids)))


# --- for the other registers (reminders, annual report) -----------------------------------------


def due_or_late(
    session: Session, organisation_ids: Iterable[int] | None, today: date, within_days: int = 7
) -> list[RightsRequest]:
    """The open requests of `organisation_ids` (None: every organisation) whose clock runs and
    that are due within `within_days` days of `today`, or late; the most urgent first."""
    statement = (
        sa.select(R)
        .options(selectinload(R.organisation))
        .where(
            IS_OPEN,
            sa.not_(SUSPENDED),
            applicable_due <= today + timedelta(days=within_days),
        )
        .order_by(applicable_due, R.id)
    )
    return list(session.scalars(_within(statement, organisation_ids)))


ANSWERED = (Outcome.ANSWERED, Outcome.PARTIALLY_ANSWERED)


def annual_figures(session: Session, organisation_ids: Iterable[int] | None, year: int) -> dict:
    """The figures of the requests received in `year` by `organisation_ids` (None: every
    organisation), counted in SQL: received, by_right ({right code: count}, every right listed),
    answered_on_time and answered_late (fully or partly answered, against the applicable due
    date), extended, refused, withdrawn and open (no outcome yet); partially_refused (the partial
    answers, whose refused part "refused" leaves out); refused_on_time and refused_late (the
    refusals and the partial answers' refused parts, against the first month: Art. 12(4))."""
    in_year = sa.and_(R.received_on >= date(year, 1, 1), R.received_on <= date(year, 12, 31))
    answered = R.outcome.in_(ANSWERED)
    # A refusal, or the refused part of a partial answer: its reasons are due within the first
    # month, even when extended (Art. 12(4)).
    refusing = R.outcome.in_((Outcome.REFUSED, Outcome.PARTIALLY_ANSWERED))

    def count(condition):
        return sa.func.count().filter(condition)

    totals = sa.select(
        sa.func.count(),
        count(sa.and_(answered, R.answered_on <= applicable_due)),
        count(sa.and_(answered, R.answered_on > applicable_due)),
        count(R.extended_due_on.is_not(None)),
        count(R.outcome == Outcome.REFUSED),
        count(R.outcome == Outcome.WITHDRAWN),
        count(IS_OPEN),
        count(R.outcome == Outcome.PARTIALLY_ANSWERED),
        count(sa.and_(refusing, R.answered_on <= R.due_on)),
        count(sa.and_(refusing, R.answered_on > R.due_on)),
    ).where(in_year)
    row = session.execute(_within(totals, organisation_ids)).one()
    by_right = dict.fromkeys((kind.value for kind in RightKind), 0)
    rights = sa.select(R.right, sa.func.count()).where(in_year).group_by(R.right)
    for right, number in session.execute(_within(rights, organisation_ids)):
        by_right[getattr(right, "value", right)] = number
    keys = ("received", "answered_on_time", "answered_late", "extended", "refused", "withdrawn")
    figures = dict(zip(keys, row[:6], strict=True))
    figures["open"] = row[6]
    figures["partially_refused"] = row[7]
    figures["refused_on_time"] = row[8]
    figures["refused_late"] = row[9]
    figures["by_right"] = by_right
    return figures


# --- the pages and the API ----------------------------------------------------------------------

SORTS = {
    "due": (sa.case((IS_OPEN, 0), else_=1), applicable_due),
    "received": (R.received_on,),
    "reference": (R.reference_year, R.reference_number),
    "status": (R.status, R.due_on),
    "organisation": (Organisation.name, R.due_on),
}


def request_filters(args) -> RightsRequestFilters:
    """The list's filters from a query string; FilterError (the first bad value) otherwise."""
    return RightsRequestFilters.from_args(args)


def _filtered(statement, filters: RightsRequestFilters, today: date):
    for name in ("status", "right", "organisation_id"):
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(getattr(R, name) == value)
    if filters.processing_id is not None:
        statement = statement.where(R.id.in_(requests_for_processing(filters.processing_id)))
    if filters.application_id is not None:
        statement = statement.where(R.id.in_(requests_for_application(filters.application_id)))
    if filters.year is not None:
        statement = statement.where(
            R.received_on >= date(filters.year, 1, 1), R.received_on <= date(filters.year, 12, 31)
        )
    if filters.late:
        statement = statement.where(late_condition(today))
    if filters.open_only:
        statement = statement.where(IS_OPEN)
    if filters.q:
        pattern = search.like_pattern(filters.q)
        statement = statement.where(R.reference.ilike(pattern, escape="\\"))
    return statement


def visible_requests(
    user=None,
    filters: RightsRequestFilters | None = None,
    *,
    action: Action | str = Action.READ,
    selected: bool = True,
    options=LIST_OPTIONS,
    today: date | None = None,
) -> sa.Select:
    """SELECT of the requests the user may see (for `action`), filtered and sorted."""
    filters = filters or RightsRequestFilters()
    statement = sa.select(R).options(*options)
    if filters.sort.lstrip("-") == "organisation":
        statement = statement.join(Organisation, Organisation.id == R.organisation_id)
    statement = scope(statement, action, user=_user(user), selected=selected)
    statement = _filtered(statement, filters, today or today_in_paris())
    descending = filters.sort.startswith("-")
    columns = SORTS[filters.sort.lstrip("-")]
    order = [column.desc() if descending else column for column in columns]
    return statement.order_by(*order, R.id)


def requests_for_processing(processing_id: int) -> sa.Select:
    """The ids of the requests linked to a processing activity (for a filter or a panel)."""
    return sa.select(RightsRequestProcessing.request_id).where(
        RightsRequestProcessing.processing_id == processing_id
    )


def requests_for_application(application_id: int) -> sa.Select:
    return sa.select(RightsRequestApplication.request_id).where(
        RightsRequestApplication.application_id == application_id
    )


__all__ += ["RightsStatus", "late_condition", "visible_requests"]
