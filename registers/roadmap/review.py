"""What the roadmap gives the management review (ISO/IEC 27001:2022 §9.3.2 c) 3) and f)): the
actions done in the period, those in progress and late at its end, and the hygiene measures the
organisations apply. Archived actions count as the list shows them by default: not at all."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from compliance.registry import ReviewFigure, ReviewInput, ReviewPeriod, ReviewSection
from registers.roadmap.models import HygieneAssessment, RoadmapAction, today
from registers.roadmap.schemas import ActionStatus, AssessmentState


def _scoped(statement, model, period: ReviewPeriod):
    if period.organisation_ids is not None:
        statement = statement.where(model.organisation_id.in_(list(period.organisation_ids)))
    return statement


def _actions(period: ReviewPeriod):
    statement = sa.select(RoadmapAction).where(RoadmapAction.archived_at.is_(None))
    return _scoped(statement, RoadmapAction, period)


def done_statement(period: ReviewPeriod):
    return _actions(period).where(
        RoadmapAction.status == ActionStatus.DONE,
        RoadmapAction.completed_on >= period.start,
        RoadmapAction.completed_on <= period.end,
    )


def _count(session, statement) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(statement.subquery())) or 0


def roadmap_figures(session, period: ReviewPeriod) -> dict[str, int]:
    not_done_by_end = sa.or_(
        RoadmapAction.completed_on.is_(None), RoadmapAction.completed_on > period.end
    )
    live = sa.and_(RoadmapAction.status != ActionStatus.CANCELLED, not_done_by_end)
    assessments = _scoped(
        sa.select(HygieneAssessment).where(HygieneAssessment.state == AssessmentState.DONE),
        HygieneAssessment,
        period,
    )
    return {
        "done": _count(session, done_statement(period)),
        "in_progress": _count(
            session,
            _actions(period).where(
                live, RoadmapAction.start_on <= period.end, RoadmapAction.target_on >= period.end
            ),
        ),
        "late_at_end": _count(
            session,
            _actions(period).where(live, RoadmapAction.target_on < min(period.end, today())),
        ),
        "measures_applied": _count(session, assessments),
    }


def roadmap_section(session, period: ReviewPeriod) -> ReviewSection:
    figures = roadmap_figures(session, period)
    labels = {
        "done": _l("Actions réalisées sur la période"),
        "in_progress": _l("Actions en cours en fin de période"),
        "late_at_end": _l("Actions en retard en fin de période"),
        "measures_applied": _l("Mesures d'hygiène appliquées (état actuel)"),
    }
    rows = tuple(
        (action.code, action.title, action.completed_on)
        for action in session.scalars(
            done_statement(period).order_by(RoadmapAction.completed_on, RoadmapAction.id)
        )
    )
    return ReviewSection(
        key="roadmap",
        clause="d) 4)",
        title=_l("Avancement de la feuille de route"),
        figures=tuple(ReviewFigure(key, labels[key], value) for key, value in figures.items()),
        header=(_l("Code"), _l("Action"), _l("Réalisée le")),
        rows=rows,
        endpoint="roadmap.index",
    )


REVIEW_INPUTS = (ReviewInput("roadmap", roadmap_section, order=60),)
