"""The management review's inputs (ISO/IEC 27001:2022 §9.3.2): the two this register gives
(the status of the actions decided by earlier reviews; the internal audits of the period), and
the presentation of every register's sections for a review: live while it is a draft, frozen
in its snapshot once held, each figure with its value for the period before (the trend)."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from compliance.registry import (
    ReviewFigure,
    ReviewInput,
    ReviewPeriod,
    ReviewSection,
    get_registry,
)
from registers.audits.models import (
    Audit,
    AuditOrganisation,
    DecidedAction,
    Finding,
    FindingKind,
    ManagementReview,
    ReviewStatus,
)
from registers.incidents.common import today
from registers.incidents.models import ActionStatus as CorrectiveStatus
from registers.incidents.models import CorrectiveAction
from registers.roadmap.schemas import ActionStatus as RoadmapStatus

SETTLED = (CorrectiveStatus.VERIFIED_EFFECTIVE, CorrectiveStatus.CLOSED)


def _count(session, statement) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(statement.subquery())) or 0


# --- audits -----------------------------------------------------------------------------------


def _audits(period: ReviewPeriod):
    statement = sa.select(Audit)
    if period.organisation_ids is not None:
        ids = list(period.organisation_ids)
        statement = statement.where(
            sa.or_(
                Audit.organisation_id.in_(ids),
                Audit.id.in_(
                    sa.select(AuditOrganisation.audit_id).where(
                        AuditOrganisation.organisation_id.in_(ids)
                    )
                ),
            )
        )
    return statement


def held_audits_statement(period: ReviewPeriod):
    """The audits carried out in the period: ended (actual end) within it."""
    return _audits(period).where(Audit.actual_end >= period.start, Audit.actual_end <= period.end)


def open_nonconformities_statement(period: ReviewPeriod):
    """The nonconformities of the audits ended by the period's end whose corrective action is
    missing or was not verified effective by then (its effectiveness check dated after the
    period's end: a settled action does not move back)."""
    ended = _audits(period).where(Audit.actual_end <= period.end).with_only_columns(Audit.id)
    settled = sa.and_(
        CorrectiveAction.status.in_(SETTLED),
        CorrectiveAction.check_on.is_not(None),
        CorrectiveAction.check_on <= period.end,
    )
    return (
        sa.select(Finding)
        .outerjoin(CorrectiveAction, CorrectiveAction.id == Finding.corrective_action_id)
        .where(
            Finding.audit_id.in_(ended),
            Finding.kind.in_(FindingKind.nonconformities()),
            sa.or_(CorrectiveAction.id.is_(None), sa.not_(settled)),
        )
    )


def audit_figures(session, period: ReviewPeriod) -> dict[str, int]:
    held = held_audits_statement(period)
    findings = sa.select(Finding).where(Finding.audit_id.in_(held.with_only_columns(Audit.id)))
    figures = {"audits": _count(session, held)}
    for kind in FindingKind:
        figures[f"findings_{kind.value}"] = _count(session, findings.where(Finding.kind == kind))
    figures["open_nonconformities"] = _count(session, open_nonconformities_statement(period))
    return figures


def audits_section(session, period: ReviewPeriod) -> ReviewSection:
    figures = audit_figures(session, period)
    labels = {
        "audits": _l("Audits internes réalisés sur la période"),
        **{f"findings_{kind.value}": kind.label for kind in FindingKind},
        "open_nonconformities": _l("Non-conformités non soldées en fin de période"),
    }
    audits = session.scalars(
        held_audits_statement(period)
        .options(selectinload(Audit.findings))
        .order_by(Audit.actual_end, Audit.id)
    )
    rows = tuple(
        (
            record.reference,
            record.title,
            record.auditor,
            record.actual_end,
            *(sum(1 for f in record.findings if f.kind == kind) for kind in FindingKind),
        )
        for record in audits
    )
    return ReviewSection(
        key="audits",
        clause="d) 3)",
        title=_l("Résultats des audits internes"),
        figures=tuple(ReviewFigure(key, str(labels[key]), value) for key, value in figures.items()),
        header=(
            _l("Référence"),
            _l("Audit"),
            _l("Auditeur"),
            _l("Fin"),
            *(kind.label for kind in FindingKind),
        ),
        rows=rows,
        endpoint="audits.index",
    )


# --- actions of earlier reviews ---------------------------------------------------------------


def _done(decided: DecidedAction, end: date) -> bool:
    """Done by `end`: by the date the roadmap action was completed, or the corrective action
    verified effective (the status alone is today's)."""
    roadmap_action, corrective = decided.roadmap_action, decided.corrective_action
    if roadmap_action is not None:
        return (
            roadmap_action.status == RoadmapStatus.DONE
            and roadmap_action.completed_on is not None
            and roadmap_action.completed_on <= end
        )
    if corrective is not None:
        return (
            corrective.status in SETTLED
            and corrective.check_on is not None
            and corrective.check_on <= end
        )
    return False


def previous_actions_statement(period: ReviewPeriod):
    """The actions decided by the reviews held on periods ended before this one starts."""
    statement = (
        sa.select(DecidedAction)
        .join(ManagementReview, ManagementReview.id == DecidedAction.review_id)
        .where(
            ManagementReview.status == ReviewStatus.HELD,
            ManagementReview.period_end < period.start,
        )
    )
    if period.organisation_ids is not None:
        statement = statement.where(
            ManagementReview.organisation_id.in_(list(period.organisation_ids))
        )
    return statement


def previous_actions_section(session, period: ReviewPeriod) -> ReviewSection:
    actions = list(
        session.scalars(
            previous_actions_statement(period).order_by(DecidedAction.due_on, DecidedAction.id)
        )
    )
    end = min(period.end, today())
    done = [a for a in actions if _done(a, period.end)]
    late = [a for a in actions if not _done(a, period.end) and a.due_on < end]
    figures = (
        ReviewFigure("decided", _l("Actions décidées par les revues précédentes"), len(actions)),
        ReviewFigure("done", _l("dont réalisées à la fin de la période"), len(done)),
        ReviewFigure("late", _l("dont en retard en fin de période"), len(late)),
    )
    rows = tuple(
        (a.review.reference, a.title, a.kind.label, a.record_reference, a.record_status, a.due_on)
        for a in actions
    )
    return ReviewSection(
        key="previous_actions",
        clause="a)",
        title=_l("Suites des revues de direction précédentes"),
        figures=figures,
        header=(
            _l("Revue"),
            _l("Action"),
            _l("Nature"),
            _l("Enregistrement"),
            _l("Statut"),
            _l("Échéance"),
        ),
        rows=rows,
        endpoint="reviews.index",
    )


REVIEW_INPUTS = (
    ReviewInput("previous_actions", previous_actions_section, order=10),
    ReviewInput("audits", audits_section, order=50),
)


# --- presentation -----------------------------------------------------------------------------


def period_of(review: ManagementReview) -> ReviewPeriod:
    """The period of the review; a review of the host organisation reads every organisation."""
    organisation = review.organisation
    ids = None if organisation is None or organisation.is_host else (review.organisation_id,)
    return ReviewPeriod(review.period_start, review.period_end, ids)


def _plain(value: Any):
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, int | float | bool):
        return value
    return str(value)


def present(sections: list[ReviewSection], previous: list[ReviewSection]) -> list[dict]:
    """The sections as plain values (what the snapshot keeps and the pages show), each figure
    with its value for the previous period."""
    before = {
        section.key: {figure.key: figure.value for figure in section.figures}
        for section in previous
    }
    return [
        {
            "key": section.key,
            "clause": section.clause,
            "title": str(section.title),
            "figures": [
                {
                    "key": figure.key,
                    "label": str(figure.label),
                    "value": _plain(figure.value),
                    "previous": _plain(before.get(section.key, {}).get(figure.key)),
                }
                for figure in section.figures
            ],
            "header": [str(label) for label in section.header],
            "rows": [[_plain(value) for value in row] for row in section.rows],
            "endpoint": section.endpoint,
        }
        for section in sections
    ]


def live_sections(session, period: ReviewPeriod) -> list[dict]:
    registry = get_registry()
    return present(
        registry.review_sections(session, period),
        registry.review_sections(session, period.previous()),
    )


def snapshot(session, review: ManagementReview) -> dict:
    """What the review presents, frozen: its period and every section with its figures."""
    period = period_of(review)
    return {
        "period": [period.start.isoformat(), period.end.isoformat()],
        "sections": live_sections(session, period),
    }


def sections_of(session, review: ManagementReview) -> list[dict]:
    """A held review's frozen sections; a draft's, computed now."""
    if review.is_held and review.snapshot:
        return review.snapshot.get("sections", [])
    return live_sections(session, period_of(review))


def trend(figure: dict) -> int | float | None:
    """The change against the previous period, when both are numbers."""
    value, previous = figure.get("value"), figure.get("previous")
    numbers = (int, float)
    if isinstance(value, numbers) and isinstance(previous, numbers):
        return value - previous
    return None
