"""What the breach register contributes to other pages: on an incident, the controllers it
concerns, their breaches and "no breach" decisions ("Assess personal-data breach"); on the
dashboard, the incidents that may involve personal data and still await the DPO's decision for
some controller; on the dashboard and on an organisation's page, the running 72-hour clocks."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import aliased, selectinload

from compliance.access import scope
from compliance.auth import can
from compliance.db import get_session, utcnow
from compliance.permissions import Action
from compliance.registry import Panel
from registers.applications.models import Deployment
from registers.breaches.clock import clock, follow_up
from registers.breaches.fanout import (
    awaiting_decision,
    controllers_for,
    pending_controllers,
)
from registers.breaches.models import BreachNotification, PersonalDataBreach
from registers.breaches.queries import REGISTER, BreachFilters, late_condition, visible_breaches
from registers.breaches.schemas import BreachStatus
from registers.incidents.models import (
    Classification,
    Incident,
    IncidentApplication,
    IncidentStatus,
)

WIDGET_SIZE = 6


def incident_panel(incident) -> dict | None:
    """The controllers the incident concerns, their breaches and the button to assess them."""
    if not can(REGISTER, Action.READ):
        return None
    fanout = controllers_for(incident)
    breaches = list(
        get_session().scalars(
            visible_breaches(current_user, BreachFilters(incident_id=incident.id), selected=False)
        )
    )
    if not fanout.concerned and not breaches:
        return None
    return {
        "title": _l("Violations de données personnelles"),
        "template": "breaches/_incident_panel.html",
        "incident": incident,
        "fanout": fanout,
        "breaches": breaches,
        "clocks": {b.id: clock(b) for b in breaches},
        "pending": fanout.pending,
        "may_decide": [c for c in fanout.pending if c.may_create],
        "may_open": [c for c in fanout.creatable if not c.existing],
    }


DUTY_SIZE = 8
DUTY_NAMES = 5  # controllers named on each incident of the card
# The card counts the incidents awaiting a decision up to this many ("more than 99"): the count
# stops there, so that it costs the same for a national service's thousands of incidents.
DUTY_COUNTED = 99


def _candidates():
    """The incidents still open that may involve personal data: flagged, or on an application
    deployed at a member and not ruled out as a mere event (newest first)."""
    deployed = sa.exists().where(
        IncidentApplication.incident_id == Incident.id,
        Deployment.application_id == IncidentApplication.application_id,
        Deployment.archived_at.is_(None),
    )
    statement = sa.select(Incident).where(
        Incident.archived_at.is_(None),
        Incident.status != IncidentStatus.CLOSED,
        sa.or_(
            Incident.personal_data.is_(True),
            sa.and_(
                sa.or_(
                    Incident.classification.is_(None),
                    Incident.classification != Classification.EVENT,
                ),
                deployed,
            ),
        ),
    )
    return scope(statement, selected=False).order_by(Incident.detected_at.desc(), Incident.id)


def awaiting_incidents() -> sa.Select:
    """The incidents awaiting a decision of the user, the oldest first (their 72-hour clocks
    have run longest): the duty card's, and its full list's (views/decisions.py)."""
    return (
        _candidates()
        .where(awaiting_decision())
        .order_by(None)
        .order_by(Incident.detected_at, Incident.id)
    )


def with_pending(incidents: list[Incident]) -> list[tuple[Incident, int, list[str]]]:
    """Each incident with how many controllers the user may decide for are still to decide,
    and the first names of them: one statement."""
    pending = pending_controllers([i.id for i in incidents], DUTY_NAMES)
    return [(i, *pending.get(i.id, (0, []))) for i in incidents]


def duty_incidents(
    limit: int | None = DUTY_SIZE, counted: int | None = None
) -> tuple[list[tuple[Incident, int, list[str]]], int]:
    """The first `limit` incidents awaiting a decision (`awaiting_incidents`, with_pending),
    and how many such incidents there are, counted up to `counted` + 1 (None: all): three
    statements, whatever the data."""
    awaiting = awaiting_incidents()
    unordered = awaiting.order_by(None)
    bounded = unordered.limit(counted + 1) if counted is not None else unordered
    total = get_session().scalar(sa.select(sa.func.count()).select_from(bounded.subquery()))
    first = awaiting.limit(limit) if limit is not None else awaiting
    return with_pending(list(get_session().scalars(first))), total


def duty_widget(context) -> dict | None:
    """The DPO's card: incidents that may involve personal data with controllers still to
    decide (a breach or a documented "no breach"), each with its count; bounded, in SQL."""
    if not can(REGISTER, Action.CREATE):
        return None
    waiting, total = duty_incidents(counted=DUTY_COUNTED)
    return {
        "title": _l("Incidents à évaluer : données personnelles"),
        "template": "breaches/_duty_widget.html",
        "waiting": waiting,
        "waiting_total": min(total, DUTY_COUNTED),
        "waiting_more": total > DUTY_COUNTED,  # then "more than" waiting_total
    }


def _open_breaches(organisation_ids):
    """The breaches still being assessed in these organisations, most urgent first."""
    statement = visible_breaches(current_user, BreachFilters(open_only=True), selected=False).where(
        PersonalDataBreach.organisation_id.in_(organisation_ids)
    )
    return statement


def _count(statement) -> int:
    return get_session().scalar(
        sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())
    )


def _widget(organisation_ids, title, *, organisation=None) -> dict | None:
    """`organisation_ids`: a list, or a SELECT of ids (the dashboard's: every organisation the
    user sees, never loaded); the breaches are scoped to those the user may read anyway."""
    if isinstance(organisation_ids, sa.Select):
        if not can(REGISTER, Action.READ):
            return None
        ids = organisation_ids
    else:
        ids = [i for i in organisation_ids if can(REGISTER, Action.READ, i)]
        if not ids:
            return None
    now = utcnow()
    statement = _open_breaches(ids)
    running = list(get_session().scalars(statement.limit(WIDGET_SIZE)))
    decided = visible_breaches(current_user, selected=False).where(
        PersonalDataBreach.organisation_id.in_(ids),
        PersonalDataBreach.status.in_((BreachStatus.NOTIFIED, BreachStatus.NOT_NOTIFIABLE)),
    )
    # The notified breaches whose latest notification announced a complementary one
    # (`follow_up_due`), found and ordered in SQL: only the first ones are loaded.
    latest = aliased(BreachNotification)
    later = aliased(BreachNotification)
    announcing = (
        decided.join(latest, latest.breach_id == PersonalDataBreach.id)
        .where(
            PersonalDataBreach.status == BreachStatus.NOTIFIED,
            latest.follow_up_by.is_not(None),
            ~sa.exists().where(
                later.breach_id == latest.breach_id,
                sa.or_(
                    later.sent_at > latest.sent_at,
                    sa.and_(later.sent_at == latest.sent_at, later.id > latest.id),
                ),
            ),
        )
        .order_by(None)
    )
    first = (
        announcing.order_by(latest.follow_up_by, PersonalDataBreach.reference)
        .limit(WIDGET_SIZE)
        .options(selectinload(PersonalDataBreach.notifications))
    )
    awaited = [
        (breach, reminder)
        for breach in get_session().scalars(first)
        if (reminder := follow_up(breach, now)) is not None
    ]
    return {
        "title": title,
        "template": "breaches/_widget.html",
        # Art. 33(4): complementary notifications announced and not yet recorded.
        "follow_ups": awaited,
        "follow_ups_total": _count(announcing),
        "breaches": running,
        "clocks": {b.id: clock(b, now) for b in running},
        "open_total": _count(statement),
        "late_total": _count(statement.where(late_condition(now))),
        "decided_total": _count(decided),
        "organisation": organisation,
    }


def dashboard_widget(context) -> dict | None:
    ids = context.get("organisation_ids")
    if ids is None:
        ids = [o.id for o in context.get("organisations", [])]
    return _widget(ids, _l("Violations de données : délais de 72 heures"))


def organisation_widget(organisation) -> dict | None:
    title = _l("Violations de données : délais de 72 heures")
    return _widget([organisation.id], title, organisation=organisation)


# What this register shows on other pages (mounted through its SPEC).
PANELS = (
    Panel("incident_impact", incident_panel, order=10),
    Panel("dashboard", duty_widget, order=14),
    Panel("dashboard", dashboard_widget, order=15),
    Panel("organisation", organisation_widget, order=15),
)
