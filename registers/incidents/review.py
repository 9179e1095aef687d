"""What the incident log gives the management review (ISO/IEC 27001:2022 §9.3.2 c) 1) and
d)): the incidents of the period by severity, closed, open at its end, and the trend against the
period before; the corrective actions opened, closed, checked effective or not, late at the end.

An incident counts in the period it was detected (as the list's date filters read it); archived
records count as the lists show them by default: not at all."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from compliance.registry import ReviewFigure, ReviewInput, ReviewPeriod, ReviewSection
from registers.incidents.common import today
from registers.incidents.models import (
    ActionStatus,
    CorrectiveAction,
    Incident,
    IncidentStatus,
    Severity,
    affecting,
)
from registers.incidents.queries import start_of_day


def _bounds(period: ReviewPeriod):
    return start_of_day(period.start), start_of_day(period.end + timedelta(days=1))


def incidents_statement(period: ReviewPeriod):
    """The incidents detected in the period (in its scope), not archived."""
    start, end = _bounds(period)
    statement = sa.select(Incident).where(
        Incident.archived_at.is_(None), Incident.detected_at >= start, Incident.detected_at < end
    )
    if period.organisation_ids is not None:
        statement = statement.where(affecting(list(period.organisation_ids)))
    return statement


def _count(session, statement) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(statement.subquery())) or 0


def incident_figures(session, period: ReviewPeriod) -> dict[str, int]:
    start, end = _bounds(period)
    opened = incidents_statement(period)
    figures = {"opened": _count(session, opened)}
    for severity in Severity:
        figures[f"severity_{severity.value}"] = _count(
            session, opened.where(Incident.severity == severity)
        )
    scoped = sa.select(Incident).where(Incident.archived_at.is_(None))
    if period.organisation_ids is not None:
        scoped = scoped.where(affecting(list(period.organisation_ids)))
    figures["closed"] = _count(
        session,
        scoped.where(
            Incident.status == IncidentStatus.CLOSED,
            Incident.closed_at >= start,
            Incident.closed_at < end,
        ),
    )
    figures["open_at_end"] = _count(
        session,
        scoped.where(
            Incident.detected_at < end,
            sa.or_(Incident.closed_at.is_(None), Incident.closed_at >= end),
        ),
    )
    return figures


def incidents_section(session, period: ReviewPeriod) -> ReviewSection:
    figures = incident_figures(session, period)
    labels = {
        "opened": _l("Incidents détectés sur la période"),
        **{f"severity_{s.value}": _l("dont gravité %(label)s", label=s.label) for s in Severity},
        "closed": _l("Incidents clos sur la période"),
        "open_at_end": _l("Incidents ouverts en fin de période"),
    }
    rows = tuple(
        (incident.reference, incident.title, incident.severity.label, incident.status.label)
        for incident in session.scalars(
            incidents_statement(period).order_by(Incident.detected_at, Incident.id)
        )
    )
    return ReviewSection(
        key="incidents",
        clause="d) 2)",
        title=_l("Incidents de sécurité"),
        figures=tuple(ReviewFigure(key, labels[key], value) for key, value in figures.items()),
        header=(_l("Référence"), _l("Titre"), _l("Gravité"), _l("Phase")),
        rows=rows,
        endpoint="incidents.index",
    )


# --- corrective actions -----------------------------------------------------------------------


def _actions(period: ReviewPeriod):
    statement = sa.select(CorrectiveAction).where(CorrectiveAction.archived_at.is_(None))
    if period.organisation_ids is not None:
        statement = statement.where(
            CorrectiveAction.organisation_id.in_(list(period.organisation_ids))
        )
    return statement


def opened_actions_statement(period: ReviewPeriod):
    return _actions(period).where(
        CorrectiveAction.opened_on >= period.start, CorrectiveAction.opened_on <= period.end
    )


def _end_or_today(period: ReviewPeriod) -> date:
    """The period's end, or today for a period still running: nothing is late in the future."""
    return min(period.end, today())


def late_at(end: date):
    """Due before `end` and not carried out by then."""
    return sa.and_(
        CorrectiveAction.opened_on <= end,
        CorrectiveAction.due_on < end,
        sa.or_(CorrectiveAction.implemented_on.is_(None), CorrectiveAction.implemented_on > end),
    )


def action_figures(session, period: ReviewPeriod) -> dict[str, int]:
    start, end = _bounds(period)
    checked = _actions(period).where(
        CorrectiveAction.check_on >= period.start, CorrectiveAction.check_on <= period.end
    )
    return {
        "opened": _count(session, opened_actions_statement(period)),
        "closed": _count(
            session,
            _actions(period).where(
                CorrectiveAction.closed_at >= start, CorrectiveAction.closed_at < end
            ),
        ),
        "effective": _count(
            session,
            checked.where(
                CorrectiveAction.status.in_((ActionStatus.VERIFIED_EFFECTIVE, ActionStatus.CLOSED))
            ),
        ),
        "not_effective": _count(
            session, checked.where(CorrectiveAction.status == ActionStatus.NOT_EFFECTIVE)
        ),
        "late_at_end": _count(session, _actions(period).where(late_at(_end_or_today(period)))),
    }


def actions_section(session, period: ReviewPeriod) -> ReviewSection:
    figures = action_figures(session, period)
    labels = {
        "opened": _l("Actions correctives ouvertes sur la période"),
        "closed": _l("Actions correctives closes sur la période"),
        "effective": _l("Efficacité vérifiée sur la période"),
        "not_effective": _l("Jugées inefficaces sur la période"),
        "late_at_end": _l("En retard en fin de période"),
    }
    rows = tuple(
        (action.reference, action.title, action.source.label, action.status.label, action.due_on)
        for action in session.scalars(
            opened_actions_statement(period).order_by(
                CorrectiveAction.opened_on, CorrectiveAction.id
            )
        )
    )
    return ReviewSection(
        key="corrective_actions",
        clause="d) 1)",
        title=_l("Non-conformités et actions correctives"),
        figures=tuple(ReviewFigure(key, labels[key], value) for key, value in figures.items()),
        header=(_l("Référence"), _l("Titre"), _l("Origine"), _l("Statut"), _l("Échéance")),
        rows=rows,
        endpoint="incidents.actions",
    )


REVIEW_INPUTS = (
    ReviewInput("incidents", incidents_section, order=30),
    ReviewInput("corrective_actions", actions_section, order=20),
)
