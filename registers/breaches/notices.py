"""The DPO's e-mail reminders of the breach register (`compliance notify`): a new breach, a
72-hour deadline within 24 hours or passed without a decision, and an incident that may involve
personal data while a controller it concerns has decided nothing yet (neither a breach nor a
documented "no breach")."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from compliance.notices import Notice, NoticeKind
from compliance.permissions import Role
from registers.breaches.fanout import concerned_pairs
from registers.breaches.models import NoBreachDecision, PersonalDataBreach
from registers.breaches.schemas import BreachStatus
from registers.incidents.models import Incident, IncidentStatus

# A breach recorded within this period is announced as new (older ones were known before the
# reminders started).
NEW_WITHIN = timedelta(days=7)
DEADLINE_WARNING = timedelta(hours=24)

NEW_BREACH = "breach_new"
BREACH_DEADLINE = "breach_deadline"
INCIDENT_DECISION = "incident_decision"


def _notice(kind: str, breach: PersonalDataBreach, key: str, detail) -> Notice:
    return Notice(
        kind=kind,
        organisation_id=breach.organisation_id,
        event_key=key,
        record_ref=breach.reference,
        title=breach.title,
        endpoint="breaches.detail",
        values={"breach_id": breach.id},
        detail=detail,
        due=breach.notification_deadline if breach.status == BreachStatus.BEING_ASSESSED else None,
    )


def new_breaches(session: Session, now: datetime) -> Iterator[Notice]:
    statement = sa.select(PersonalDataBreach).where(
        PersonalDataBreach.archived_at.is_(None),
        PersonalDataBreach.created_at >= now - NEW_WITHIN,
    )
    for breach in session.scalars(statement.order_by(PersonalDataBreach.id)):
        yield _notice(NEW_BREACH, breach, str(breach.id), _l("Nouvelle violation enregistrée"))


def deadlines(session: Session, now: datetime) -> Iterator[Notice]:
    statement = sa.select(PersonalDataBreach).where(
        PersonalDataBreach.archived_at.is_(None),
        PersonalDataBreach.status == BreachStatus.BEING_ASSESSED,
        PersonalDataBreach.notification_deadline <= now + DEADLINE_WARNING,
    )
    for breach in session.scalars(statement.order_by(PersonalDataBreach.notification_deadline)):
        if breach.notification_deadline <= now:
            key, detail = f"{breach.id}:late", _l("Délai de 72 heures dépassé sans décision")
        else:
            key, detail = f"{breach.id}:soon", _l("Moins de 24 heures avant la fin des 72 heures")
        yield _notice(BREACH_DEADLINE, breach, key, detail)


def undecided_incidents(session: Session, now: datetime) -> Iterator[Notice]:
    """Each open incident and controller it concerns with neither a breach nor a "no breach"
    decision: one statement."""
    open_incidents = sa.select(Incident.id).where(
        Incident.archived_at.is_(None), Incident.status != IncidentStatus.CLOSED
    )
    pairs = concerned_pairs(open_incidents)
    statement = (
        sa.select(Incident, pairs.c.organisation_id)
        .join(pairs, pairs.c.incident_id == Incident.id)
        .where(
            ~sa.exists().where(
                PersonalDataBreach.incident_id == pairs.c.incident_id,
                PersonalDataBreach.organisation_id == pairs.c.organisation_id,
                PersonalDataBreach.archived_at.is_(None),
            ),
            ~sa.exists().where(
                NoBreachDecision.incident_id == pairs.c.incident_id,
                NoBreachDecision.organisation_id == pairs.c.organisation_id,
            ),
        )
        .order_by(Incident.detected_at, Incident.id, pairs.c.organisation_id)
    )
    for incident, organisation_id in session.execute(statement):
        yield Notice(
            kind=INCIDENT_DECISION,
            organisation_id=organisation_id,
            event_key=f"{incident.id}:{organisation_id}",
            record_ref=incident.reference,
            title=incident.title,
            endpoint="incidents.detail",
            values={"incident_id": incident.id},
            detail=_l("Peut concerner des données personnelles : violation ou non, à décider"),
        )


NOTICES = (
    NoticeKind(NEW_BREACH, _l("Nouvelles violations de données"), Role.DPO, new_breaches, 10),
    NoticeKind(
        BREACH_DEADLINE, _l("Violations : délai de 72 heures"), Role.DPO, deadlines, order=11
    ),
    NoticeKind(
        INCIDENT_DECISION,
        _l("Incidents à évaluer : données personnelles"),
        Role.DPO,
        undecided_incidents,
        order=12,
    ),
)
