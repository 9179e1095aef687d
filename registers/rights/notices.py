"""The DPO's e-mail reminders of the rights requests (`compliance notify`): a request received,
and a request due within 7 days or late. The person is never named in a message: a request is
given by its reference and the right exercised."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from compliance.notices import Notice, NoticeKind, paris_day
from compliance.permissions import Role
from registers.rights.models import RightsRequest
from registers.rights.queries import due_or_late
from registers.rights.schemas import OPEN_STATUSES

RECEIVED_WITHIN = timedelta(days=7)
DUE_WITHIN_DAYS = 7

RECEIVED = "rights_received"
DUE = "rights_due"


def _notice(kind: str, request: RightsRequest, key: str, detail, due=None) -> Notice:
    return Notice(
        kind=kind,
        organisation_id=request.organisation_id,
        event_key=key,
        record_ref=request.reference,
        title=request.right,
        endpoint="rights.detail",
        values={"request_id": request.id},
        detail=detail,
        due=due,
    )


def received(session: Session, now: datetime) -> Iterator[Notice]:
    statement = sa.select(RightsRequest).where(
        RightsRequest.status.in_(OPEN_STATUSES),
        RightsRequest.created_at >= now - RECEIVED_WITHIN,
    )
    for request in session.scalars(statement.order_by(RightsRequest.id)):
        detail = _l("Nouvelle demande reçue")
        yield _notice(RECEIVED, request, str(request.id), detail, request.due_on)


def due(session: Session, now: datetime) -> Iterator[Notice]:
    today = paris_day(now)
    for request in due_or_late(session, None, today, within_days=DUE_WITHIN_DAYS):
        deadline = request.extended_due_on or request.due_on
        if deadline < today:
            key, detail = f"{request.id}:{deadline}:late", _l("Réponse en retard")
        else:
            key, detail = f"{request.id}:{deadline}:soon", _l("Réponse due dans les 7 jours")
        yield _notice(DUE, request, key, detail, deadline)


NOTICES = (
    NoticeKind(RECEIVED, _l("Demandes de droits reçues"), Role.DPO, received, order=13),
    NoticeKind(DUE, _l("Demandes de droits à échéance"), Role.DPO, due, order=14),
)
