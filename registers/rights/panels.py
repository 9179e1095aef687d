"""What the rights requests register shows on other pages: on the dashboard and on an
organisation's page, the open requests late or due within the week, the most urgent first, and
their counts; a fixed number of statements whatever the data."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from compliance.auth import can
from compliance.calendar import today_in_paris
from compliance.db import get_session
from compliance.permissions import Action
from compliance.registry import Panel
from registers.rights.models import RightsRequest
from registers.rights.queries import (
    IS_OPEN,
    REGISTER,
    SUSPENDED,
    RightsRequestFilters,
    applicable_due,
    due_within_condition,
    late_condition,
    visible_requests,
)

WIDGET_SIZE = 6
# Due "this week": from today to six days ahead.
WEEK = 6


def _widget(organisation_ids, title, *, organisation=None) -> dict | None:
    """`organisation_ids`: a list, or a SELECT of ids (the dashboard's, never loaded)."""
    if isinstance(organisation_ids, sa.Select):
        if not can(REGISTER, Action.READ):
            return None
        ids = organisation_ids
    else:
        ids = [i for i in organisation_ids if can(REGISTER, Action.READ, i)]
        if not ids:
            return None
    today = today_in_paris()
    visible = visible_requests(current_user, selected=False).where(
        RightsRequest.organisation_id.in_(ids)
    )
    urgent = visible.where(
        IS_OPEN, sa.not_(SUSPENDED), applicable_due <= today + timedelta(days=WEEK)
    ).order_by(None)
    shown = list(
        get_session().scalars(urgent.order_by(applicable_due, RightsRequest.id).limit(WIDGET_SIZE))
    )
    base = visible.order_by(None).with_only_columns(RightsRequest.id).subquery()
    counts = (
        get_session()
        .execute(
            sa.select(
                sa.func.count().filter(late_condition(today)),
                sa.func.count().filter(due_within_condition(today, WEEK)),
                sa.func.count().filter(IS_OPEN),
            ).where(RightsRequest.id.in_(sa.select(base.c.id)))
        )
        .one()
    )
    return {
        "title": title,
        "template": "rights/_widget.html",
        "requests": shown,
        "today": today,
        "late_total": counts[0],
        "week_total": counts[1],
        "open_total": counts[2],
        "organisation": organisation,
    }


PANEL_SIZE = 10


def application_panel(application) -> dict | None:
    """On an application's page: the open requests whose data is searched in it (an outage or a
    breach there delays their answer), among those the user may see."""
    if not can(REGISTER, Action.READ):
        return None
    filters = RightsRequestFilters(application_id=application.id, open_only=True)
    statement = visible_requests(current_user, filters, selected=False)
    shown = list(get_session().scalars(statement.limit(PANEL_SIZE)))
    total = len(shown)
    if total == PANEL_SIZE:
        total = get_session().scalar(
            sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())
        )
    return {
        "title": _l("Demandes de droits en cours"),
        "template": "rights/_application_panel.html",
        "requests": shown,
        "total": total,
        "today": today_in_paris(),
        "application": application,
    }


def dashboard_widget(context) -> dict | None:
    ids = context.get("organisation_ids")
    if ids is None:
        ids = [o.id for o in context.get("organisations", [])]
    return _widget(ids, _l("Demandes de droits : échéances"))


def organisation_widget(organisation) -> dict | None:
    title = _l("Demandes de droits : échéances")
    return _widget([organisation.id], title, organisation=organisation)


# What this register shows on other pages (mounted through its SPEC).
PANELS = (
    Panel("application", application_panel, order=45),
    Panel("dashboard", dashboard_widget, order=16),
    Panel("organisation", organisation_widget, order=16),
)
