"""The CISO's e-mail reminders of the corrective actions (`compliance notify`): an action due
within a week or late, and an action carried out whose effectiveness is still to check."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from compliance.notices import Notice, NoticeKind, paris_day
from compliance.permissions import Role
from registers.incidents.models import ActionStatus, CorrectiveAction

DUE_WITHIN = timedelta(days=7)

ACTION_DUE = "corrective_action_due"
ACTION_CHECK = "corrective_action_check"


def _notice(kind: str, action: CorrectiveAction, key: str, detail, due=None) -> Notice:
    return Notice(
        kind=kind,
        organisation_id=action.organisation_id,
        event_key=key,
        record_ref=action.reference,
        title=action.title,
        endpoint="incidents.action_detail",
        values={"action_id": action.id},
        detail=detail,
        due=due,
    )


def _live():
    return sa.select(CorrectiveAction).where(CorrectiveAction.archived_at.is_(None))


def due_actions(session: Session, now: datetime) -> Iterator[Notice]:
    today = paris_day(now)
    statement = _live().where(
        CorrectiveAction.status.in_(ActionStatus.pending()),
        CorrectiveAction.due_on <= today + DUE_WITHIN,
    )
    for action in session.scalars(statement.order_by(CorrectiveAction.due_on)):
        if action.due_on < today:
            key, detail = f"{action.id}:{action.due_on}:late", _l("En retard")
        else:
            key, detail = f"{action.id}:{action.due_on}:soon", _l("À réaliser dans les 7 jours")
        yield _notice(ACTION_DUE, action, key, detail, action.due_on)


def checks_due(session: Session, now: datetime) -> Iterator[Notice]:
    statement = _live().where(CorrectiveAction.status == ActionStatus.IMPLEMENTED)
    for action in session.scalars(statement.order_by(CorrectiveAction.id)):
        yield _notice(
            ACTION_CHECK,
            action,
            f"{action.id}:{action.implemented_on}",
            _l("Réalisée : efficacité à vérifier"),
        )


NOTICES = (
    NoticeKind(ACTION_DUE, _l("Actions correctives à échéance"), Role.CISO, due_actions, 20),
    NoticeKind(ACTION_CHECK, _l("Actions correctives à vérifier"), Role.CISO, checks_due, 21),
)
