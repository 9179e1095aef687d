"""What the watch shows on other pages: on the dashboard, the matches to review and the late
treatments; on an application's page, the advisories concerning it and the identifiers by
which advisories name it (editable there by the CISO). A fixed number of statements."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from compliance.access import allowed, scope
from compliance.auth import can
from compliance.calendar import today_in_paris
from compliance.db import get_session
from compliance.permissions import Action
from compliance.registry import Panel
from registers.watch import forms
from registers.watch.models import (
    WATCH_EDITOR,
    AdvisoryMatch,
    ApplicationIdentifier,
    Treatment,
    late_condition,
)
from registers.watch.queries import REGISTER, advisories_of_application, visible_applications
from registers.watch.schemas import MatchState, TreatmentState

WIDGET_SIZE = 6
PANEL_SIZE = 10


def dashboard_widget(_context) -> dict | None:
    if not can(REGISTER, Action.READ):
        return None
    session = get_session()
    today = today_in_paris()
    to_review = scope(
        sa.select(sa.func.count(sa.distinct(AdvisoryMatch.advisory_id))).where(
            AdvisoryMatch.state == MatchState.PROPOSED,
            AdvisoryMatch.application_id.in_(visible_applications()),
        ),
        model=AdvisoryMatch,
    )
    late = scope(sa.select(Treatment).where(late_condition(today)), selected=False)
    shown = list(
        session.scalars(
            late.options(sa.orm.selectinload(Treatment.advisory))
            .options(sa.orm.selectinload(Treatment.organisation))
            .order_by(Treatment.due_on, Treatment.id)
            .limit(WIDGET_SIZE)
        )
    )
    late_total = session.scalar(
        sa.select(sa.func.count()).select_from(late.order_by(None).subquery())
    )
    return {
        "title": _l("Veille de sécurité"),
        "template": "watch/_widget.html",
        "to_review": session.scalar(to_review) or 0,
        "late": shown,
        "late_total": late_total or 0,
        "today": today,
    }


def application_panel(application) -> dict | None:
    if not can(REGISTER, Action.READ):
        return None
    session = get_session()
    rows = advisories_of_application(session, application)
    identifiers = list(
        session.scalars(
            scope(
                sa.select(ApplicationIdentifier).where(
                    ApplicationIdentifier.application_id == application.id
                ),
                selected=False,
            ).order_by(ApplicationIdentifier.id)
        )
    )
    may_write = allowed(WATCH_EDITOR, action=Action.CREATE)
    return {
        "title": _l("Veille de sécurité"),
        "template": "watch/_application_panel.html",
        "rows": rows[:PANEL_SIZE],
        "total": len(rows),
        "identifiers": identifiers,
        "application": application,
        "form": forms.IdentifierForm(formdata=None) if may_write else None,
        "may_write": may_write,
    }


def organisation_widget(organisation) -> dict | None:
    """On an organisation's page: its treatments to do and late, and its exposure page."""
    if not can(REGISTER, Action.READ, organisation.id):
        return None
    today = today_in_paris()
    visible = scope(
        sa.select(Treatment.id).where(Treatment.organisation_id == organisation.id),
        model=Treatment,
        selected=False,
    ).subquery()
    pending, late = (
        get_session()
        .execute(
            sa.select(
                sa.func.count().filter(Treatment.state == TreatmentState.PENDING),
                sa.func.count().filter(late_condition(today)),
            ).where(Treatment.id.in_(sa.select(visible.c.id)))
        )
        .one()
    )
    return {
        "title": _l("Veille de sécurité"),
        "template": "watch/_organisation_widget.html",
        "pending": pending,
        "late_total": late,
        "organisation": organisation,
    }


PANELS = (
    Panel("application", application_panel, order=50),
    Panel("dashboard", dashboard_widget, order=18),
    Panel("organisation", organisation_widget, order=18),
)
