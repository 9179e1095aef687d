"""The e-mail reminders of the risk register (`compliance notify`): a risk whose review date has
passed, or whose acceptance by its owner has run out. The CISO hears of every risk; the DPO of
the risks that concern personal data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from compliance.notices import Notice, NoticeKind, paris_day
from compliance.permissions import Role
from registers.risks.models import Risk
from registers.risks.queries import acceptance_expired_condition, review_late_condition

OVERDUE = "risks_overdue"
OVERDUE_PERSONAL = "risks_overdue_personal_data"


def overdue_risks(session: Session, today, *, personal_data_only: bool = False) -> list[Risk]:
    """The open risks whose review date or acceptance has passed, the oldest first."""
    statement = sa.select(Risk).where(
        sa.or_(review_late_condition(today), acceptance_expired_condition(today))
    )
    if personal_data_only:
        statement = statement.where(Risk.personal_data.is_(True))
    return list(session.scalars(statement.order_by(Risk.reference_year, Risk.reference_number)))


def _notices(kind: str, risks: list[Risk], today) -> Iterator[Notice]:
    for risk in risks:
        events = []
        if risk.is_review_late(today):
            events.append(
                (
                    f"{risk.id}:review:{risk.review_on}",
                    _l("Revue du risque en retard"),
                    risk.review_on,
                )
            )
        if risk.is_acceptance_expired(today):
            events.append(
                (
                    f"{risk.id}:acceptance:{risk.accepted_until}",
                    _l("Acceptation du risque échue"),
                    risk.accepted_until,
                )
            )
        for key, detail, due in events:
            yield Notice(
                kind=kind,
                organisation_id=risk.organisation_id,
                event_key=key,
                record_ref=risk.reference,
                title=risk.title,
                endpoint="risks.detail",
                values={"risk_id": risk.id},
                detail=detail,
                due=due,
            )


def overdue(session: Session, now: datetime) -> Iterator[Notice]:
    today = paris_day(now)
    yield from _notices(OVERDUE, overdue_risks(session, today), today)


def overdue_personal(session: Session, now: datetime) -> Iterator[Notice]:
    today = paris_day(now)
    risks = overdue_risks(session, today, personal_data_only=True)
    yield from _notices(OVERDUE_PERSONAL, risks, today)


NOTICES = (
    NoticeKind(
        OVERDUE,
        _l("Risques à revoir ou dont l'acceptation est échue"),
        Role.CISO,
        overdue,
        order=46,
    ),
    NoticeKind(
        OVERDUE_PERSONAL,
        _l("Risques sur des données personnelles à revoir"),
        Role.DPO,
        overdue_personal,
        order=47,
    ),
)
