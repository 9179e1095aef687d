"""Who sees what of the roadmap: the SELECTs the pages, the API, the panels and the Word report
share. Every roadmap, action and assessment belongs to one organisation and is scoped with
compliance.access.scope() as the models declare (by their `organisation_id`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from compliance.access import get_or_404, scope
from compliance.db import get_session
from compliance.permissions import Action, Register
from registers.roadmap import compute
from registers.roadmap.models import (
    ActionApplication,
    ActionCorrectiveAction,
    ActionIncident,
    ActionStatus,
    HygieneAssessment,
    Priority,
    Roadmap,
    RoadmapAction,
    Theme,
)

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


class FilterError(ValueError):
    """A filter value that cannot be understood; `field` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _enum_arg(args, name, enum_cls):
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return enum_cls(raw)
    except ValueError:
        raise FilterError(name, _("valeur inconnue")) from None


def _int_arg(args, name):
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise FilterError(name, _("doit être un nombre entier"))
    return int(raw)


def _bool_arg(args, name) -> bool:
    return (args.get(name) or "").strip().lower() in {"1", "true", "yes", "on", "oui"}


@dataclass
class ActionFilters:
    q: str | None = None
    roadmap_id: int | None = None
    theme: Theme | None = None
    status: ActionStatus | None = None
    priority: Priority | None = None
    late: bool = False
    include_archived: bool = False

    @classmethod
    def from_args(cls, args) -> ActionFilters:
        return cls(
            q=(args.get("q") or "").strip() or None,
            roadmap_id=_int_arg(args, "roadmap_id"),
            theme=_enum_arg(args, "theme", Theme),
            status=_enum_arg(args, "status", ActionStatus),
            priority=_enum_arg(args, "priority", Priority),
            late=_bool_arg(args, "late"),
            include_archived=_bool_arg(args, "include_archived"),
        )

    @property
    def is_set(self) -> bool:
        return any(
            (self.q, self.theme, self.status, self.priority, self.late, self.include_archived)
        )


def late_condition(on: date | None = None):
    return sa.and_(
        RoadmapAction.status.in_(ActionStatus.open()),
        RoadmapAction.target_on < (on or compute.today()),
    )


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(statement, filters: ActionFilters):
    if not filters.include_archived:
        statement = statement.where(RoadmapAction.archived_at.is_(None))
    for name in ("roadmap_id", "theme", "status", "priority"):
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(getattr(RoadmapAction, name) == value)
    if filters.late:
        statement = statement.where(late_condition())
    if filters.q:
        like = _like(filters.q)
        statement = statement.where(
            sa.or_(
                RoadmapAction.code.ilike(like, escape="\\"),
                RoadmapAction.title.ilike(like, escape="\\"),
                RoadmapAction.owner.ilike(like, escape="\\"),
                RoadmapAction.description.ilike(like, escape="\\"),
            )
        )
    return statement


def visible_actions(
    user=None,
    filters: ActionFilters | None = None,
    *,
    action: Action | str = Action.READ,
    selected: bool = True,
    options=ACTION_OPTIONS,
) -> sa.Select:
    """SELECT of the roadmap actions the user may see, in plan order."""
    statement = sa.select(RoadmapAction).options(*options)
    statement = scope(statement, action, user=_user(user), selected=selected)
    statement = _filtered(statement, filters or ActionFilters())
    return statement.order_by(RoadmapAction.start_on, RoadmapAction.code, RoadmapAction.id)


def visible_roadmaps(user=None, *, include_archived=False, selected=True, action=Action.READ):
    statement = sa.select(Roadmap).options(selectinload(Roadmap.organisation))
    statement = scope(statement, action, user=_user(user), selected=selected)
    if not include_archived:
        statement = statement.where(Roadmap.archived_at.is_(None))
    return statement.order_by(Roadmap.start_on.desc(), Roadmap.id)


def roadmap_or_404(roadmap_id, action: Action | str = Action.READ, *, user=None) -> Roadmap:
    return get_or_404(Roadmap, roadmap_id, action, user=user)


def action_or_404(action_id, action: Action | str = Action.READ, *, user=None) -> RoadmapAction:
    return get_or_404(RoadmapAction, action_id, action, user=user)


def roadmap_actions(roadmap: Roadmap, *, include_archived=False) -> list[RoadmapAction]:
    """The actions of a roadmap already authorised (loaded through roadmap_or_404)."""
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


def _linked(link_model, column, record_id, user):
    statement = visible_actions(user, selected=False).where(
        RoadmapAction.id.in_(sa.select(link_model.action_id).where(column == record_id))
    )
    return list(get_session().scalars(statement))


def actions_for_application(application_id: int, user=None) -> list[RoadmapAction]:
    return _linked(ActionApplication, ActionApplication.application_id, application_id, user)


def actions_for_incident(incident_id: int, user=None) -> list[RoadmapAction]:
    return _linked(ActionIncident, ActionIncident.incident_id, incident_id, user)


def actions_for_corrective_action(corrective_action_id: int, user=None) -> list[RoadmapAction]:
    return _linked(
        ActionCorrectiveAction,
        ActionCorrectiveAction.corrective_action_id,
        corrective_action_id,
        user,
    )
