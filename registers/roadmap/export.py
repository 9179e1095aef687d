"""The data of the Word report "Feuille de route de cybersécurité", for the board, the members
and ANSSI: summary, progress figures and charts, the actions by theme with status and budget,
the hygiene-measure coverage table and what is late and why; as a plain dict for its template
(templates/word/roadmap-report.docx)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from compliance.documents import (
    DocumentImage,
    DocumentType,
    ExportRecord,
    export_document,
    format_document_date,
)
from compliance.tenancy import slugify
from registers.roadmap import compute, figures, raster
from registers.roadmap.catalogue import ATTRIBUTION, LICENCE, all_measures
from registers.roadmap.models import Roadmap, RoadmapAction
from registers.roadmap.queries import (
    REGISTER,
    assessments_of,
    organisation_actions,
    roadmap_actions,
)

DOCUMENT = "roadmap-report"
TITLE = "Feuille de route de cybersécurité"
DOCUMENT_TYPE = DocumentType(
    name=DOCUMENT,
    title=_l("Feuille de route de cybersécurité (rapport)"),
    register=REGISTER.value,
    context=lambda session, organisation, user: live_context(session, organisation, user),
)


def _fill(colour: str) -> str:
    return colour.lstrip("#").upper()


def _euros(value) -> str:
    return figures.euros(value, "fr") if value is not None else ""


def _action_row(action: RoadmapAction, today: date) -> dict:
    return {
        "code": action.code,
        "title": action.title,
        "theme": action.theme.numbered_label,
        "priority": action.priority.value,
        "owner": action.owner or "",
        "start": compute.quarter_label(compute.quarter_of(action.start_on)),
        "target": compute.quarter_label(compute.quarter_of(action.target_on)),
        "target_on": action.target_on,
        "status": action.status.label,
        "progress": 100 if action.status.value == "done" else action.progress,
        "late": action.is_late(today),
        "late_mark": "en retard" if action.is_late(today) else "",
        "estimated": _euros(action.estimated_total),
        "spent": _euros(action.spent_total),
        "subsidy": _euros(action.subsidy_amount),
        "measures": ", ".join(m.ref for m in action.measures),
        "reason": action.delay_reason or "",
        "description": action.description or "",
    }


def _legend(bars) -> list[dict]:
    return [{"label": b.label, "value": b.shown, "fill": _fill(b.colour)} for b in bars]


def _charts(progress, money, coverage) -> dict:
    status_bars = figures.status_bars(progress)
    budget_bars = figures.budget_bars(money, "fr")
    segments = figures.coverage_segments(coverage)
    top = max((b.value for b in status_bars), default=0)
    return {
        "status": DocumentImage(
            raster.bar_chart_png([(b.value, b.colour, b.shown) for b in status_bars], maximum=top),
            110,
        ),
        "budget": DocumentImage(
            raster.bar_chart_png([(b.value, b.colour, b.shown) for b in budget_bars]), 110
        ),
        "coverage": DocumentImage(
            raster.stacked_bar_png([(s.value, s.colour) for s in segments]), 160
        ),
        "status_legend": _legend(status_bars),
        "budget_legend": _legend(budget_bars),
        "coverage_legend": _legend(segments),
    }


def roadmap_context(session: Session, roadmap: Roadmap, *, today: date | None = None) -> dict:
    """Everything the report shows, as plain values (French: the document's language)."""
    today = today or compute.today()
    with force_locale("fr"):
        actions = roadmap_actions(roadmap)
        rows = compute.measure_rows(
            all_measures(session),
            assessments_of(roadmap.organisation_id),
            organisation_actions(roadmap.organisation_id),
        )
        progress = compute.progress(actions, today)
        money = compute.budget(actions, roadmap)
        coverage = compute.coverage(rows)
        labels = figures.coverage_labels()
        return {
            "title": TITLE,
            "attribution": f"{ATTRIBUTION} — {LICENCE}",
            "today": today,
            "organisation": {
                "name": roadmap.organisation.name,
                "kind": roadmap.organisation.kind.label,
            },
            "roadmap": {
                "title": roadmap.title,
                "summary": roadmap.summary or "",
                "period": f"{format_document_date(roadmap.start_on)} au "
                f"{format_document_date(roadmap.end_on)}",
                "state": roadmap.state.label,
                "programme": roadmap.programme_name or "",
                "agreement": roadmap.grant_agreement or "",
                "subsidy_total": _euros(roadmap.subsidy_total),
                "cofunding_rate": f"{roadmap.cofunding_rate} %"
                if roadmap.cofunding_rate is not None
                else "",
                "subsidy_received": _euros(roadmap.subsidy_received),
                "subsidy_pending": _euros(money.subsidy_pending),
                "funding_notes": roadmap.funding_notes or "",
            },
            "figures": {
                "total": progress.total,
                "done": progress.done,
                "in_progress": progress.in_progress,
                "planned": progress.planned,
                "postponed": progress.postponed,
                "cancelled": progress.cancelled,
                "late": progress.late,
                "overall": progress.overall,
            },
            "budget": {
                "estimated": _euros(money.estimated),
                "spent": _euros(money.spent),
                "spent_share": f"{money.spent_share} %",
                "subsidised": _euros(money.subsidised),
                "own_funding": _euros(money.own_funding),
                "investment_estimated": _euros(money.investment_estimated),
                "investment_spent": _euros(money.investment_spent),
                "operating_estimated": _euros(money.operating_estimated),
                "operating_spent": _euros(money.operating_spent),
            },
            "coverage": {
                "total": coverage.total,
                "covered": coverage.covered,
                "applied": coverage.applied,
                "applicable": coverage.applicable,
                "planned": coverage.planned,
                "sentence": figures.coverage_sentence(coverage),
                "gaps": coverage.gaps,
                "rows": [
                    {"label": labels[kind], "count": coverage.counts[kind]}
                    for kind in compute.Coverage.ORDER
                ],
            },
            "charts": _charts(progress, money, coverage),
            "themes": [
                {
                    "label": label,
                    "count": len(members),
                    "estimated": _euros(compute.budget(members).estimated),
                    "spent": _euros(compute.budget(members).spent),
                    "actions": [_action_row(a, today) for a in members],
                }
                for label, members in figures.groups(actions, "theme")
            ],
            "late": [_action_row(a, today) for a in actions if a.is_late(today)],
            "measures": [
                {
                    "ref": row.measure.ref,
                    "theme": row.measure.theme.value,
                    "title": row.measure.title,
                    "level": row.measure.level.label,
                    "state": row.state.label if row.state else "Non évaluée",
                    "comment": (row.assessment.comment or "") if row.assessment else "",
                    "actions": ", ".join(a.code for a in row.open_actions),
                    "coverage": labels[row.coverage],
                }
                for row in rows
            ],
        }


def export_filename(roadmap: Roadmap) -> str:
    return f"feuille-de-route-{slugify(roadmap.organisation.name)}-{roadmap.start_on.year}.docx"


def export_roadmap_report(
    session: Session, roadmap: Roadmap, *, actor, today: date | None = None
) -> tuple[bytes, ExportRecord]:
    """Render, record and audit the report (flushes, never commits). The caller has checked
    that the actor may export this roadmap."""
    context = roadmap_context(session, roadmap, today=today)
    return export_document(
        session,
        document=DOCUMENT,
        template=DOCUMENT,
        context=context,
        title=f"{TITLE} — {roadmap.organisation.name} — {roadmap.title}",
        filename=export_filename(roadmap),
        actor=actor,
        organisation=roadmap.organisation,
        parameters={"roadmap_id": roadmap.id, "actions": context["figures"]["total"]},
    )


def live_context(session: Session, organisation, _user) -> dict | None:
    """The organisation's first roadmap, to check a restyled template with."""
    roadmap = session.scalar(
        sa.select(Roadmap)
        .where(Roadmap.organisation_id == organisation.id)
        .order_by(Roadmap.id)
        .limit(1)
    )
    return roadmap_context(session, roadmap) if roadmap is not None else None
