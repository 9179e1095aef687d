"""Who sees what of the risk register: the SELECTs the pages, the API, the panels, the heat maps,
the reminders and the management review share. A risk belongs to its organisation (the
syndicate or a member) and is always scoped on that column."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import Session, selectinload

from compliance import search
from compliance.access import scope
from compliance.calendar import today_in_paris
from compliance.permissions import Action, Register
from compliance.tenancy import Organisation
from registers.risks.models import (
    Risk,
    RiskApplication,
    RiskInterface,
    RiskProcessing,
    RiskRoadmapAction,
)
from registers.risks.schemas import LEVELS, OPEN_STATUSES, RiskFilters, RiskLevel

REGISTER = Register.RISKS
R = Risk

LIST_OPTIONS = (selectinload(R.organisation),)
DETAIL_OPTIONS = (
    *LIST_OPTIONS,
    selectinload(R.applications),
    selectinload(R.interfaces),
    selectinload(R.activities),
    selectinload(R.roadmap_actions),
    selectinload(R.measures),
    selectinload(R.dpia),
)

IS_OPEN = R.status.in_(OPEN_STATUSES)

__all__ = ["RiskFilters", "risk_filters", "visible_risks"]


def review_late_condition(today: date | None = None):
    """Open, and its review date passed (Paris)."""
    return sa.and_(IS_OPEN, R.review_on.is_not(None), R.review_on < (today or today_in_paris()))


def acceptance_expired_condition(today: date | None = None):
    """Open, and the owner's acceptance has run out."""
    return sa.and_(
        IS_OPEN, R.accepted_until.is_not(None), R.accepted_until < (today or today_in_paris())
    )


def level_condition(column, level: RiskLevel):
    low, high = level.scores
    return sa.and_(column >= low, column <= high)


def risk_filters(args) -> RiskFilters:
    """The list's filters from a query string; FilterError (the first bad value) otherwise."""
    return RiskFilters.from_args(args)


def _links(link, column: str, value: int):
    return R.id.in_(sa.select(link.risk_id).where(getattr(link, column) == value))


def _filtered(statement, filters: RiskFilters, today: date):
    for name in (
        "organisation_id",
        "treatment",
        "status",
        "likelihood",
        "impact",
        "residual_likelihood",
        "residual_impact",
    ):
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(getattr(R, name) == value)
    if filters.level is not None:
        statement = statement.where(level_condition(R.inherent_score, filters.level))
    if filters.residual_level is not None:
        statement = statement.where(level_condition(R.residual_score, filters.residual_level))
    if filters.owner:
        statement = statement.where(R.owner.ilike(search.like_pattern(filters.owner), escape="\\"))
    if filters.application_id is not None:
        statement = statement.where(
            _links(RiskApplication, "application_id", filters.application_id)
        )
    if filters.processing_id is not None:
        statement = statement.where(_links(RiskProcessing, "processing_id", filters.processing_id))
    if filters.roadmap_action_id is not None:
        statement = statement.where(
            _links(RiskRoadmapAction, "roadmap_action_id", filters.roadmap_action_id)
        )
    if filters.review_late:
        statement = statement.where(review_late_condition(today))
    if filters.personal_data:
        statement = statement.where(R.personal_data.is_(True))
    if filters.q:
        pattern = search.like_pattern(filters.q)
        statement = statement.where(
            sa.or_(R.reference.ilike(pattern, escape="\\"), R.title.ilike(pattern, escape="\\"))
        )
    return statement


# Each sort's columns, ascending; "level" reads highest first, so its own order is reversed.
SORTS = {
    "level": (sa.func.coalesce(R.residual_score, R.inherent_score), R.inherent_score),
    "reference": (R.reference_year, R.reference_number),
    "review": (R.review_on,),
    "organisation": (Organisation.name, R.reference_year, R.reference_number),
}
HIGHEST_FIRST = ("level",)


def visible_risks(
    user=None,
    filters: RiskFilters | None = None,
    *,
    action: Action | str = Action.READ,
    selected: bool = True,
    options=LIST_OPTIONS,
    today: date | None = None,
) -> sa.Select:
    """SELECT of the risks the user may see (for `action`), filtered and sorted."""
    filters = filters or RiskFilters()
    statement = sa.select(R).options(*options)
    if filters.sort.lstrip("-") == "organisation":
        statement = statement.join(Organisation, Organisation.id == R.organisation_id)
    statement = scope(
        statement, action, user=current_user if user is None else user, selected=selected
    )
    statement = _filtered(statement, filters, today or today_in_paris())
    name = filters.sort.lstrip("-")
    descending = filters.sort.startswith("-") != (name in HIGHEST_FIRST)
    columns = SORTS[name]
    order = [column.desc() if descending else column for column in columns]
    return statement.order_by(*order, R.id)


def heat_maps(session: Session, statement: sa.Select) -> dict:
    """The counts of the risks `statement` selects per (likelihood, impact) cell, before and
    after treatment, in two GROUP BY statements: {"before": {(l, i): n}, "after": {...},
    "unassessed": risks without a residual assessment}."""
    ids = statement.order_by(None).with_only_columns(R.id).subquery()
    maps = {}
    for key, likelihood, impact in (
        ("before", R.likelihood, R.impact),
        ("after", R.residual_likelihood, R.residual_impact),
    ):
        counts = dict.fromkeys(((lik, imp) for lik in LEVELS for imp in LEVELS), 0)
        rows = session.execute(
            sa.select(likelihood, impact, sa.func.count())
            .where(R.id.in_(sa.select(ids.c.id)), likelihood.is_not(None))
            .group_by(likelihood, impact)
        )
        for lik, imp, number in rows:
            counts[(lik, imp)] = number
        maps[key] = counts
    maps["unassessed"] = session.scalar(
        sa.select(sa.func.count()).where(R.id.in_(sa.select(ids.c.id)), R.residual_score.is_(None))
    )
    return maps


# --- for the other registers' pages, the reminders and the review -------------------------------


def risks_for_roadmap_action(action_id: int) -> sa.Select:
    return sa.select(RiskRoadmapAction.risk_id).where(
        RiskRoadmapAction.roadmap_action_id == action_id
    )


def risks_for_interface(interface_id: int) -> sa.Select:
    return sa.select(RiskInterface.risk_id).where(RiskInterface.interface_id == interface_id)


def within(statement, organisation_ids: Iterable[int] | None):
    """`statement` narrowed to `organisation_ids` (None: every organisation)."""
    if organisation_ids is None:
        return statement
    return statement.where(R.organisation_id.in_(list(organisation_ids)))
