"""The CISO's e-mail reminder of the roadmap (`compliance notify`): an action past its target
date and not done."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from compliance.notices import Notice, NoticeKind, paris_day
from compliance.permissions import Role
from registers.roadmap.models import RoadmapAction
from registers.roadmap.queries import late_condition

LATE_ACTION = "roadmap_late"


def late_actions(session: Session, now: datetime) -> Iterator[Notice]:
    statement = sa.select(RoadmapAction).where(
        RoadmapAction.archived_at.is_(None), late_condition(paris_day(now))
    )
    for action in session.scalars(statement.order_by(RoadmapAction.target_on, RoadmapAction.id)):
        yield Notice(
            kind=LATE_ACTION,
            organisation_id=action.organisation_id,
            event_key=f"{action.id}:{action.target_on}",
            record_ref=action.code,
            title=action.title,
            endpoint="roadmap.action",
            values={"action_id": action.id},
            detail=_l("Date cible dépassée"),
            due=action.target_on,
        )


NOTICES = (
    NoticeKind(
        LATE_ACTION, _l("Feuille de route : actions en retard"), Role.CISO, late_actions, 30
    ),
)
