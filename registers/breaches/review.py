"""What the breaches register gives the management review (ISO/IEC 27001:2022 §9.3.2 c) 1)):
the personal-data breaches the period became aware of, and how many were notified to the CNIL.
Archived breaches count as the list shows them by default: not at all."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from compliance.i18n import PARIS
from compliance.registry import ReviewFigure, ReviewInput, ReviewPeriod, ReviewSection
from registers.breaches.models import BreachNotification, PersonalDataBreach


def breaches_statement(period: ReviewPeriod):
    """The breaches whose awareness (H0) falls in the period, in its scope."""
    start = datetime.combine(period.start, time(), tzinfo=PARIS)
    end = datetime.combine(period.end + timedelta(days=1), time(), tzinfo=PARIS)
    statement = sa.select(PersonalDataBreach).where(
        PersonalDataBreach.archived_at.is_(None),
        PersonalDataBreach.awareness_at >= start,
        PersonalDataBreach.awareness_at < end,
    )
    if period.organisation_ids is not None:
        statement = statement.where(
            PersonalDataBreach.organisation_id.in_(list(period.organisation_ids))
        )
    return statement


def _count(session, statement) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(statement.subquery())) or 0


def breach_figures(session, period: ReviewPeriod) -> dict[str, int]:
    statement = breaches_statement(period)
    notified = statement.where(
        sa.exists().where(BreachNotification.breach_id == PersonalDataBreach.id)
    )
    return {"breaches": _count(session, statement), "notified": _count(session, notified)}


def breaches_section(session, period: ReviewPeriod) -> ReviewSection:
    figures = breach_figures(session, period)
    labels = {
        "breaches": _l("Violations de données personnelles"),
        "notified": _l("dont notifiées à la CNIL"),
    }
    rows = tuple(
        (breach.reference, breach.title, breach.status.label)
        for breach in session.scalars(
            breaches_statement(period).order_by(
                PersonalDataBreach.awareness_at, PersonalDataBreach.id
            )
        )
    )
    return ReviewSection(
        key="breaches",
        clause="d) 2)",
        title=_l("Violations de données personnelles"),
        figures=tuple(ReviewFigure(key, labels[key], value) for key, value in figures.items()),
        header=(_l("Référence"), _l("Titre"), _l("Statut")),
        rows=rows,
        endpoint="breaches.index",
    )


REVIEW_INPUTS = (ReviewInput("breaches", breaches_section, order=40),)
