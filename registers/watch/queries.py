"""The watch's reads, shared by the pages, the API, the Word bulletin and the review: the
advisories the user sees with their exposure counted in SQL, an advisory's matches and
treatments, a member's exposure, and the figures of a period."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from compliance.access import scope
from compliance.calendar import today_in_paris
from compliance.i18n import PARIS
from compliance.permissions import Action, Register
from registers.applications.models import Application, Deployment
from registers.watch.models import Advisory, AdvisoryMatch, Treatment, late_condition
from registers.watch.schemas import AdvisoryFilters, AdvisorySeverity, MatchState, TreatmentState

REGISTER = Register.WATCH

__all__ = ["REGISTER", "AdvisoryFilters"]


def _visible_treatments(action=Action.READ, *, user=None, organisation_id: int | None = None):
    """SELECT of the ids of the treatments the user sees (one organisation's when given)."""
    statement = scope(sa.select(Treatment.id), action, model=Treatment, selected=False, user=user)
    if organisation_id is not None:
        statement = statement.where(Treatment.organisation_id == organisation_id)
    return statement


def visible_applications(*, user=None):
    """SELECT of the ids of the applications of the map the user sees (a member's referent:
    those it uses): the matches shown and counted are theirs."""
    return scope(sa.select(Application.id), model=Application, selected=False, user=user)


def exposure_columns(*, user=None, organisation_id: int | None = None):
    """Correlated counts per advisory, over the treatments the user sees: members exposed,
    deployments exposed, late treatments; and the matches to review."""
    visible = _visible_treatments(user=user, organisation_id=organisation_id)

    def count(expression, *conditions):
        return (
            sa.select(expression)
            .where(Treatment.advisory_id == Advisory.id, Treatment.id.in_(visible), *conditions)
            .correlate(Advisory)
            .scalar_subquery()
        )

    members = count(sa.func.count(sa.distinct(Treatment.organisation_id)))
    deployments = count(sa.func.count(Treatment.id))
    late = count(sa.func.count(Treatment.id), late_condition())
    to_review = (
        sa.select(sa.func.count(AdvisoryMatch.id))
        .where(
            AdvisoryMatch.advisory_id == Advisory.id,
            AdvisoryMatch.state == MatchState.PROPOSED,
            AdvisoryMatch.application_id.in_(visible_applications(user=user)),
        )
        .correlate(Advisory)
        .scalar_subquery()
    )
    return (
        members.label("members"),
        deployments.label("deployments"),
        late.label("late"),
        to_review.label("to_review"),
    )


def filtered(statement, filters: AdvisoryFilters | None, *, user=None):
    if filters is None:
        return statement
    if filters.severity:
        statement = statement.where(Advisory.severity == filters.severity)
    if filters.source:
        statement = statement.where(Advisory.source == filters.source)
    if filters.match_state:
        statement = statement.where(
            Advisory.id.in_(
                sa.select(AdvisoryMatch.advisory_id).where(
                    AdvisoryMatch.state == filters.match_state,
                    AdvisoryMatch.application_id.in_(visible_applications(user=user)),
                )
            )
        )
    if filters.published_from:
        statement = statement.where(Advisory.published_on >= filters.published_from)
    if filters.published_to:
        statement = statement.where(Advisory.published_on <= filters.published_to)
    return statement


def visible_advisories(filters: AdvisoryFilters | None = None, *, user=None):
    """SELECT of (Advisory, members, deployments, late, to_review), newest first."""
    statement = sa.select(Advisory, *exposure_columns(user=user))
    statement = scope(statement, model=Advisory, user=user)
    newest_first = (Advisory.published_on.desc(), Advisory.id.desc())
    return filtered(statement, filters, user=user).order_by(*newest_first)


def advisory_list(filters: AdvisoryFilters | None = None, *, user=None):
    """SELECT of the advisories alone (the API's list)."""
    statement = scope(sa.select(Advisory), user=user)
    newest_first = (Advisory.published_on.desc(), Advisory.id.desc())
    return filtered(statement, filters, user=user).order_by(*newest_first)


def matches_of(session, advisory: Advisory, *, user=None) -> list[AdvisoryMatch]:
    """The matches of an advisory on the applications the user sees in the map (a member's
    referent: those it uses)."""
    applications = visible_applications(user=user)
    statement = (
        sa.select(AdvisoryMatch)
        .options(selectinload(AdvisoryMatch.application))
        .where(
            AdvisoryMatch.advisory_id == advisory.id,
            AdvisoryMatch.application_id.in_(applications),
        )
        .order_by(AdvisoryMatch.state, AdvisoryMatch.id)
    )
    return list(session.scalars(statement))


TREATMENT_OPTIONS = (
    selectinload(Treatment.organisation),
    selectinload(Treatment.application),
    selectinload(Treatment.deployment),
    selectinload(Treatment.advisory),
)


def treatment_list(advisory: Advisory, *, user=None):
    """SELECT of the treatments of an advisory the user sees, by member."""
    statement = (
        sa.select(Treatment).options(*TREATMENT_OPTIONS).where(Treatment.advisory_id == advisory.id)
    )
    statement = scope(statement, selected=False, user=user)
    return statement.order_by(Treatment.organisation_id, Treatment.id)


def treatments_of(session, advisory: Advisory, *, user=None) -> list[Treatment]:
    return list(session.scalars(treatment_list(advisory, user=user)))


def exposure_of(session, organisation_id: int, *, user=None) -> list[Treatment]:
    """A member's treatments (what it is exposed to), the pending first, by due date."""
    statement = (
        sa.select(Treatment)
        .options(*TREATMENT_OPTIONS)
        .where(Treatment.organisation_id == organisation_id)
    )
    statement = scope(statement, selected=False, user=user)
    pending_first = sa.case((Treatment.state == TreatmentState.PENDING, 0), else_=1)
    return list(session.scalars(statement.order_by(pending_first, Treatment.due_on, Treatment.id)))


def advisories_of_application(session, application: Application, *, user=None):
    """(match, advisory) of an application, the newest advisory first."""
    statement = (
        sa.select(AdvisoryMatch, Advisory)
        .join(Advisory, Advisory.id == AdvisoryMatch.advisory_id)
        .where(AdvisoryMatch.application_id == application.id)
        .order_by(Advisory.published_on.desc(), Advisory.id.desc())
    )
    statement = scope(statement, model=Advisory, user=user)
    return list(session.execute(statement))


# --- figures of a period (the dashboard, the review, the bulletin) ----------------------------


def period_figures(
    session,
    start: date,
    end: date,
    *,
    organisation_ids=None,
    today: date | None = None,
) -> dict:
    """The watch's figures for a period, both days included, over every advisory (the
    review's and bulletin's scope: `organisation_ids` narrows it to those members: their
    treatments, and the advisories and matches confirmed on applications they use):
    advisories received by severity, matches confirmed, treatments due, closed, and late (due
    in the period and still pending, or closed after their due date)."""
    today = today or today_in_paris()
    received_statement = (
        sa.select(Advisory.severity, sa.func.count(Advisory.id))
        .where(Advisory.published_on.between(start, end))
        .group_by(Advisory.severity)
    )
    confirmed = sa.select(sa.func.count(AdvisoryMatch.id)).where(
        AdvisoryMatch.state == MatchState.CONFIRMED,
        AdvisoryMatch.decided_at >= _paris_midnight(start),
        AdvisoryMatch.decided_at < _paris_midnight(end + timedelta(days=1)),
    )
    if organisation_ids is not None:
        # Those members' advisories: a treatment of theirs, or a confirmed match on an
        # application they use.
        concerning = sa.or_(
            AdvisoryMatch.id.in_(
                sa.select(Treatment.match_id).where(Treatment.organisation_id.in_(organisation_ids))
            ),
            AdvisoryMatch.application_id.in_(
                sa.select(Deployment.application_id).where(
                    Deployment.organisation_id.in_(organisation_ids),
                    Deployment.archived_at.is_(None),
                )
            ),
        )
        confirmed = confirmed.where(concerning)
        received_statement = received_statement.where(
            Advisory.id.in_(
                sa.select(AdvisoryMatch.advisory_id).where(
                    AdvisoryMatch.state == MatchState.CONFIRMED, concerning
                )
            )
        )
    received = dict(session.execute(received_statement).all())
    treatments = sa.select(sa.func.count(Treatment.id))
    if organisation_ids is not None:
        treatments = treatments.where(Treatment.organisation_id.in_(organisation_ids))
    due = treatments.where(Treatment.due_on.between(start, end))
    closed = treatments.where(Treatment.closed_on.between(start, end))
    late = due.where(
        sa.or_(
            sa.and_(Treatment.state == TreatmentState.PENDING, Treatment.due_on < today),
            Treatment.closed_on > Treatment.due_on,
        )
    )
    return {
        "received": {severity.value: received.get(severity, 0) for severity in AdvisorySeverity},
        "received_total": sum(received.values()),
        "confirmed": session.scalar(confirmed) or 0,
        "due": session.scalar(due) or 0,
        "closed": session.scalar(closed) or 0,
        "late": session.scalar(late) or 0,
    }


def _paris_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=PARIS).astimezone(UTC)
