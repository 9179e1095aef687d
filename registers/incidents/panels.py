"""What the incident log contributes to other pages: the incidents of an application (on its
page of the map) and the CISO's dashboard widget (late actions, actions awaiting their
effectiveness check, incidents under way)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from compliance.auth import can
from compliance.db import get_session
from compliance.permissions import Action
from compliance.registry import Panel
from registers.incidents.common import today
from registers.incidents.models import ActionStatus
from registers.incidents.queries import (
    REGISTER,
    ActionFilters,
    IncidentFilters,
    visible_actions,
    visible_incidents,
)

PANEL_SIZE = 10
WIDGET_SIZE = 5


def _count(statement) -> int:
    return get_session().scalar(
        sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())
    )


def application_panel(application):
    """The incidents that affected this application, among those the user may see."""
    if not can(REGISTER, Action.READ):
        return None
    statement = visible_incidents(
        current_user, IncidentFilters(application_id=application.id), selected=False
    )
    incidents = list(get_session().scalars(statement.limit(PANEL_SIZE)))
    return {
        "title": _l("Incidents de sécurité"),
        "template": "incidents/_application_panel.html",
        "incidents": incidents,
        "total": _count(statement) if len(incidents) == PANEL_SIZE else len(incidents),
        "application": application,
    }


def dashboard_widget(_context):
    """For those who handle incidents (the CISO): what needs doing in the corrective actions."""
    if not can(REGISTER, Action.EDIT):
        return None
    session = get_session()
    overdue = visible_actions(current_user, ActionFilters(overdue=True))
    awaiting = visible_actions(current_user, ActionFilters(status=ActionStatus.IMPLEMENTED))
    under_way = visible_incidents(current_user, IncidentFilters(open_only=True))
    return {
        "title": _l("Incidents et actions correctives"),
        "template": "incidents/_dashboard_widget.html",
        "overdue": list(session.scalars(overdue.limit(WIDGET_SIZE))),
        "overdue_total": _count(overdue),
        "awaiting": list(session.scalars(awaiting.limit(WIDGET_SIZE))),
        "awaiting_total": _count(awaiting),
        "open_incidents": _count(under_way),
        "today": today(),
    }


# What this register shows on other pages (mounted through its SPEC).
PANELS = (
    Panel("application", application_panel, order=30),
    Panel("dashboard", dashboard_widget, order=30),
)
