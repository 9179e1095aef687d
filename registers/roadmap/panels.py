"""What the roadmap contributes to other pages: the actions linked to an application, an
incident or a corrective action (with the button that escalates the latter into the roadmap),
and the cards of the dashboard and of an organisation's page."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import aliased

from compliance.auth import can
from compliance.db import get_session
from compliance.pagination import paginate_param
from compliance.permissions import Action
from compliance.registry import Panel
from registers.roadmap import compute
from registers.roadmap.models import ActionStatus, RoadmapAction
from registers.roadmap.queries import (
    REGISTER,
    actions_for_corrective_action,
    actions_for_incident,
    application_actions,
    visible_actions,
    visible_roadmaps,
)

# The application's page: its own page parameter, apart from the other lists there.
APPLICATION_PAGE_PARAM = "roadmap_page"
APPLICATION_PAGE_SIZE = 25


def _linked_panel(actions, empty) -> dict:
    return {
        "title": _l("Feuille de route ANSSI"),
        "template": "roadmap/_linked_panel.html",
        "actions": actions,
        "today": compute.today(),
        "empty": empty,
    }


def application_panel(application) -> dict | None:
    if not can(REGISTER, Action.READ):
        return None
    page = paginate_param(
        get_session(),
        application_actions(application.id),
        APPLICATION_PAGE_PARAM,
        per_page=APPLICATION_PAGE_SIZE,
    )
    panel = _linked_panel(
        page.items, _l("Aucune action de la feuille de route ne porte sur cette application.")
    )
    return {**panel, "page": page, "anchor": "roadmap-panel"}


def incident_panel(incident) -> dict | None:
    if not can(REGISTER, Action.READ):
        return None
    return _linked_panel(
        actions_for_incident(incident.id),
        _l("Aucune action de la feuille de route ne découle de cet incident."),
    )


def corrective_action_panel(corrective_action) -> dict | None:
    if not can(REGISTER, Action.READ):
        return None
    panel = _linked_panel(
        actions_for_corrective_action(corrective_action.id),
        _l("Cette action corrective n'est portée par aucune action de la feuille de route."),
    )
    panel["corrective_action"] = corrective_action
    panel["may_escalate"] = (
        not corrective_action.is_archived
        and can(REGISTER, Action.CREATE, corrective_action.organisation_id)
        and not panel["actions"]
    )
    return panel


def _counts(statement) -> tuple[int, int, int, int]:
    """(all, done, in progress, late) among the actions of `statement`, in one query."""
    subquery = statement.order_by(None).subquery()
    action = aliased(RoadmapAction, subquery)
    row = (
        get_session()
        .execute(
            sa.select(
                sa.func.count(),
                sa.func.count().filter(action.status == ActionStatus.DONE),
                sa.func.count().filter(action.status == ActionStatus.IN_PROGRESS),
                sa.func.count().filter(
                    action.status.in_(ActionStatus.open()), action.target_on < compute.today()
                ),
            ).select_from(action)
        )
        .one()
    )
    return tuple(int(value or 0) for value in row)


def dashboard_widget(_context) -> dict | None:
    if not can(REGISTER, Action.READ):
        return None
    total, done, in_progress, late = _counts(visible_actions(current_user, options=()))
    roadmaps = list(get_session().scalars(visible_roadmaps().limit(5)))
    if not total and not roadmaps:
        return None
    return {
        "title": _l("Feuille de route ANSSI"),
        "template": "roadmap/_widget.html",
        "total": total,
        "done": done,
        "in_progress": in_progress,
        "late": late,
        "roadmaps": roadmaps,
    }


def organisation_widget(organisation) -> dict | None:
    if not can(REGISTER, Action.READ, organisation.id):
        return None
    statement = visible_actions(current_user, options=(), selected=False).where(
        RoadmapAction.organisation_id == organisation.id
    )
    total, done, in_progress, late = _counts(statement)
    roadmaps = [
        r
        for r in get_session().scalars(visible_roadmaps(selected=False))
        if r.organisation_id == organisation.id
    ]
    return {
        "title": _l("Feuille de route ANSSI"),
        "template": "roadmap/_widget.html",
        "total": total,
        "done": done,
        "in_progress": in_progress,
        "late": late,
        "roadmaps": roadmaps,
        "organisation": organisation,
    }


# What this register shows on other pages (mounted through its SPEC).
PANELS = (
    Panel("application", application_panel, order=40),
    Panel("incident", incident_panel, order=40),
    Panel("corrective_action", corrective_action_panel, order=40),
    Panel("dashboard", dashboard_widget, order=40),
    Panel("organisation", organisation_widget, order=40),
)
