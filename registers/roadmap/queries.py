"""Who sees what of the roadmap: the SELECTs the pages, the API, the panels and the Word report
share. Every roadmap, action and assessment belongs to one organisation and is scoped with
compliance.access.scope() as the models declare (by their `organisation_id`)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import selectinload

from compliance import search
from compliance.access import scope
from compliance.db import get_session
from compliance.permissions import Action, Register
from registers.roadmap import compute
from registers.roadmap.models import (
    ActionApplication,
    ActionCorrectiveAction,
    ActionIncident,
    ActionStatus,
    HygieneAssessment,
    Roadmap,
    RoadmapAction,
)
from registers.roadmap.schemas import RoadmapActionFilters

REGISTER = Register.ROADMAP

ACTION_OPTIONS = (
    selectinload(RoadmapAction.measures),
    selectinload(RoadmapAction.milestones),
    selectinload(RoadmapAction.roadmap),
)
DETAIL_OPTIONS = (
    *ACTION_OPTIONS,
    selectinload(RoadmapAction.applications),
    selectinload(RoadmapAction.incidents),
    selectinload(RoadmapAction.corrective_actions),
)


def _user(user):
    return current_user if user is None else user


def action_filters(args) -> RoadmapActionFilters:
    """The actions list's filters of a query string; FilterError names the first bad one."""
    return RoadmapActionFilters.from_args(args)


def late_condition(on: date | None = None):
    return sa.and_(
        RoadmapAction.status.in_(ActionStatus.open()),
        RoadmapAction.target_on < (on or compute.today()),
    )


def _filtered(statement, filters: RoadmapActionFilters):
    if not filters.include_archived:
        statement = statement.where(RoadmapAction.archived_at.is_(None))
    for name in ("roadmap_id", "theme", "status", "priority"):
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(getattr(RoadmapAction, name) == value)
    if filters.late:
        statement = statement.where(late_condition())
    if filters.q:
        searched = (
            RoadmapAction.code,
            RoadmapAction.title,
            RoadmapAction.owner,
            RoadmapAction.description,
        )
        statement = statement.where(search.matching(RoadmapAction, searched, filters.q))
    return statement


def visible_actions(
    user=None,
    filters: RoadmapActionFilters | None = None,
    *,
    action: Action | str = Action.READ,
    selected: bool = True,
    options=ACTION_OPTIONS,
) -> sa.Select:
    """SELECT of the roadmap actions the user may see, in plan order."""
    statement = sa.select(RoadmapAction).options(*options)
    statement = scope(statement, action, user=_user(user), selected=selected)
    statement = _filtered(statement, filters or RoadmapActionFilters())
    return statement.order_by(RoadmapAction.start_on, RoadmapAction.code, RoadmapAction.id)


def visible_roadmaps(user=None, *, include_archived=False, selected=True, action=Action.READ):
    statement = sa.select(Roadmap).options(selectinload(Roadmap.organisation))
    statement = scope(statement, action, user=_user(user), selected=selected)
    if not include_archived:
        statement = statement.where(Roadmap.archived_at.is_(None))
    return statement.order_by(Roadmap.start_on.desc(), Roadmap.id)


def roadmap_actions(roadmap: Roadmap, *, include_archived=False) -> list[RoadmapAction]:
    """The actions of a roadmap already authorised (loaded through get_or_404)."""
    statement = (
        sa.select(RoadmapAction)
        .options(*DETAIL_OPTIONS)
        .where(RoadmapAction.roadmap_id == roadmap.id)
        .order_by(RoadmapAction.start_on, RoadmapAction.code)
    )
    if not include_archived:
        statement = statement.where(RoadmapAction.archived_at.is_(None))
    return list(get_session().scalars(statement))


def organisation_actions(organisation_id: int) -> list[RoadmapAction]:
    """The open (not archived) actions of every roadmap of an organisation, with measures."""
    statement = (
        sa.select(RoadmapAction)
        .options(selectinload(RoadmapAction.measures))
        .join(Roadmap, Roadmap.id == RoadmapAction.roadmap_id)
        .where(
            RoadmapAction.organisation_id == organisation_id,
            RoadmapAction.archived_at.is_(None),
            Roadmap.archived_at.is_(None),
        )
        .order_by(RoadmapAction.code)
    )
    return list(get_session().scalars(statement))


def assessments_of(organisation_id: int) -> list[HygieneAssessment]:
    return list(
        get_session().scalars(
            sa.select(HygieneAssessment).where(HygieneAssessment.organisation_id == organisation_id)
        )
    )


def _linked_statement(link_model, column, record_id, user):
    return visible_actions(user, selected=False).where(
        RoadmapAction.id.in_(sa.select(link_model.action_id).where(column == record_id))
    )


def _linked(link_model, column, record_id, user):
    return list(get_session().scalars(_linked_statement(link_model, column, record_id, user)))


def application_actions(application_id: int, user=None) -> sa.Select:
    """SELECT of the visible actions linked to an application (every member's roadmap may
    link to a shared application: page it)."""
    return _linked_statement(
        ActionApplication, ActionApplication.application_id, application_id, user
    )


def actions_for_incident(incident_id: int, user=None) -> list[RoadmapAction]:
    return _linked(ActionIncident, ActionIncident.incident_id, incident_id, user)


def actions_for_corrective_action(corrective_action_id: int, user=None) -> list[RoadmapAction]:
    return _linked(
        ActionCorrectiveAction,
        ActionCorrectiveAction.corrective_action_id,
        corrective_action_id,
        user,
    )
