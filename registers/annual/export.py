"""The data of the Word document "Bilan annuel du délégué à la protection des données", for a
member's highest management (Art. 38(3), 39) or for the whole service: the year's figures of
each register, charts, the awareness sessions and the DPO's recommendations; as a plain dict
for its template (templates/word/annual-report.docx)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from compliance.documents import DocumentImage, DocumentType, ExportRecord, export_document
from compliance.i18n import PARIS
from compliance.permissions import Register
from registers.annual.report import AnnualReport, member_report
from registers.annual.rights import right_labels

DOCUMENT = "annual-report"
TITLE = "Bilan annuel du délégué à la protection des données"
DOCUMENT_TYPE = DocumentType(
    name=DOCUMENT,
    title=_l("Bilan annuel du délégué à la protection des données"),
    register=Register.ANNUAL.value,
    context=lambda session, organisation, user: live_context(session, organisation, user),
)
CHART_WIDTH_MM = 120


def _duration(minutes: int | None) -> str:
    if not minutes:
        return ""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def _chart(chart) -> dict:
    return {
        "title": chart.title,
        "empty": chart.is_empty,
        "image": DocumentImage(chart.png, CHART_WIDTH_MM),
        "legend": [{"label": b.label, "value": b.value, "fill": b.fill} for b in chart.bars],
    }


def _session_row(record) -> dict:
    return {
        "date": record.held_on,
        "organisation": record.organisation.name,
        "audience": record.audience,
        "topic": record.topic,
        "attendees": record.attendees,
        "duration": _duration(record.duration_minutes),
        "notes": record.notes or "",
    }


def _member_row(line) -> dict:
    return {
        "name": line.organisation.name,
        **{f"activities_{k}": v for k, v in line.activities.items()},
        **{f"breaches_{k}": v for k, v in line.breaches.items()},
        **{f"awareness_{k}": v for k, v in line.awareness.items()},
    }


def report_context(report: AnnualReport) -> dict:
    """Everything the document shows, as plain values (French: the document's language)."""
    with force_locale("fr"):
        labels = right_labels()
        drawn = {chart.key: _chart(chart) for chart in report.charts}
        rights = dict(report.rights)
        rights["rows"] = [
            {"label": labels[code], "count": count} for code, count in rights["by_right"].items()
        ]
        return {
            "title": TITLE,
            "year": report.year,
            "next_year": report.year + 1,
            "service": report.service,
            "organisation": {
                "name": "Service mutualisé" if report.service else report.organisation.name,
                "kind": report.organisation.kind.label,
                "host": report.organisation.name,
                "dpo": report.organisation.dpo_name or "",
                "representative": report.organisation.legal_representative or "",
            },
            "member_count": len(report.members),
            "activities": report.activities,
            "breaches": report.breaches,
            "awareness": report.awareness,
            "rights": rights,
            "charts": drawn,
            "sessions": [_session_row(record) for record in report.sessions],
            "recommendation": report.recommendation.text if report.recommendation else "",
            "members": [_member_row(line) for line in report.members],
        }


def export_filename(report: AnnualReport) -> str:
    who = "service" if report.service else report.organisation.slug
    return f"bilan-dpo-{who}-{report.year}.docx"


def export_annual_report(
    session: Session, report: AnnualReport, *, actor
) -> tuple[bytes, ExportRecord]:
    """Render, record and audit the report (flushes, never commits). The caller has checked
    that the actor may export it."""
    context = report_context(report)
    return export_document(
        session,
        document=DOCUMENT,
        template=DOCUMENT,
        context=context,
        title=f"{TITLE} {report.year} — {context['organisation']['name']}",
        filename=export_filename(report),
        actor=actor,
        organisation=report.organisation,
        parameters={
            "year": report.year,
            "service": report.service,
            "organisations": len(report.members) if report.service else 1,
        },
    )


def live_context(session: Session, organisation, _user) -> dict:
    """The organisation's report of the current year, to check a restyled template with."""
    return report_context(member_report(session, organisation, datetime.now(PARIS).year))
