"""The Word documents of the audits register: the internal audit report (one audit, its
findings and the corrective actions they opened) and the management review (every section's
figures with the previous period, a bar chart each, its table, the decisions and the actions
decided). Each is rendered from its editable template, recorded and audited; the template check
runs these context builders over the demo."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from compliance.documents import DocumentImage, DocumentType, ExportRecord, export_document
from compliance.raster import bar_chart_png
from compliance.tenancy import Organisation
from registers.audits import review as review_inputs
from registers.audits.models import Audit, FindingKind, ManagementReview
from registers.audits.queries import REGISTER

AUDIT_REPORT = "internal-audit-report"
AUDIT_TITLE = "Rapport d'audit interne"
REVIEW = "management-review"
REVIEW_TITLE = "Revue de direction"
CHART_WIDTH_MM = 120
# The period's bars, and the previous period's, lighter.
CURRENT, PREVIOUS = "#000091", "#9a9aff"
KIND_COLOURS = {
    FindingKind.MAJOR: "#ce0500",
    FindingKind.MINOR: "#b34000",
    FindingKind.OBSERVATION: "#000091",
    FindingKind.IMPROVEMENT: "#18753c",
}


def _day(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


# --- the internal audit report ------------------------------------------------------------------


def audit_context(record: Audit) -> dict:
    with force_locale("fr"):
        counts = {kind: sum(1 for f in record.findings if f.kind == kind) for kind in FindingKind}
        bars = [(counts[kind], KIND_COLOURS[kind], str(counts[kind])) for kind in FindingKind]
        audited = [o.name for o in record.audited_organisations] or [
            f"{record.organisation.name} (syndicat)"
        ]
        return {
            "title": AUDIT_TITLE,
            "organisation": {"name": record.organisation.name},
            "audit": {
                "reference": record.reference,
                "title": record.title,
                "year": record.programme.year,
                "objectives": record.programme.objectives,
                "organisations": ", ".join(audited),
                "scope": record.scope,
                "criteria": record.criteria,
                "auditor": record.auditor,
                "independence": record.independence or "",
                "planned": f"{_day(record.planned_start)} – {_day(record.planned_end)}",
                "actual": (
                    f"{_day(record.actual_start)} – {_day(record.actual_end)}"
                    if record.actual_start
                    else "non commencé"
                ),
                "status": str(record.status.label),
                "conclusion": record.conclusion or "",
            },
            "kinds": [
                {"label": str(kind.label), "count": counts[kind], "fill": KIND_COLOURS[kind][1:]}
                for kind in FindingKind
            ],
            "chart": DocumentImage(bar_chart_png(bars), CHART_WIDTH_MM),
            "findings": [
                {
                    "reference": finding.reference,
                    "kind": str(finding.kind.label),
                    "clause": finding.clause or "",
                    "description": finding.description,
                    "evidence": finding.evidence or "",
                    "action": (
                        f"{finding.corrective_action.reference} · "
                        f"{finding.corrective_action.owner} · échéance "
                        f"{_day(finding.corrective_action.due_on)} · "
                        f"{finding.corrective_action.status.label}"
                        if finding.corrective_action
                        else ("à ouvrir" if finding.kind.is_nonconformity else "sans objet")
                    ),
                }
                for finding in record.findings
            ],
        }


def export_audit(session: Session, record: Audit, *, actor) -> tuple[bytes, ExportRecord]:
    return export_document(
        session,
        document=AUDIT_REPORT,
        template=AUDIT_REPORT,
        context=audit_context(record),
        title=f"{AUDIT_TITLE} — {record.reference}",
        filename=f"rapport-audit-{record.reference.lower()}.docx",
        actor=actor,
        organisation=record.organisation,
        parameters={"audit": record.reference},
    )


# --- the management review --------------------------------------------------------------------


def _trend(figure: dict) -> str:
    change = review_inputs.trend(figure)
    if change is None:
        return ""
    return f"+{change}" if change > 0 else ("=" if change == 0 else str(change))


CHARTED_FIGURES = 8


def _section(section: dict) -> dict:
    numeric = [f for f in section["figures"] if isinstance(f.get("value"), int | float)]
    bars = []
    for figure in numeric:
        bars.append((figure["value"], CURRENT, f"{figure['value']}"))
        previous = figure.get("previous")
        if isinstance(previous, int | float):
            bars.append((previous, PREVIOUS, f"({previous})"))
    return {
        "clause": section["clause"],
        "title": section["title"],
        "figures": [
            {
                "label": figure["label"],
                "value": "" if figure.get("value") is None else figure["value"],
                "previous": "" if figure.get("previous") is None else figure["previous"],
                "trend": _trend(figure),
            }
            for figure in section["figures"]
        ],
        # A chart where it says something: some figure not nil, few enough bars to read in
        # the table's order.
        "chart": (
            DocumentImage(bar_chart_png(bars), CHART_WIDTH_MM)
            if any(value for value, *_ in bars) and len(numeric) <= CHARTED_FIGURES
            else None
        ),
        "header": " · ".join(section["header"]),
        "rows": [
            " · ".join("" if value is None else str(value) for value in row)
            for row in section["rows"]
        ],
    }


def review_context(session: Session, review: ManagementReview) -> dict:
    with force_locale("fr"):
        sections = review_inputs.sections_of(session, review)
        return {
            "title": REVIEW_TITLE,
            "organisation": {"name": review.organisation.name},
            "review": {
                "reference": review.reference,
                "period": f"du {_day(review.period_start)} au {_day(review.period_end)}",
                "held_on": _day(review.held_on) or "date à fixer",
                "status": str(review.status.label),
                "frozen": review.is_held,
                "chair": review.chair or "",
                "participants": review.participants or "",
                "issue_changes": review.issue_changes or "",
                "party_needs": review.party_needs or "",
                "party_feedback": review.party_feedback or "",
                "improvements": review.improvements or "",
                "decisions": review.decisions or "",
            },
            "sections": [_section(section) for section in sections],
            "actions": [
                {
                    "title": action.title,
                    "kind": str(action.kind.label),
                    "owner": action.owner,
                    "due_on": _day(action.due_on),
                    "record": action.record_reference or "",
                    "status": action.record_status or "",
                }
                for action in review.actions
            ],
        }


def export_review(
    session: Session, review: ManagementReview, *, actor
) -> tuple[bytes, ExportRecord]:
    return export_document(
        session,
        document=REVIEW,
        template=REVIEW,
        context=review_context(session, review),
        title=f"{REVIEW_TITLE} — {review.reference}",
        filename=f"revue-de-direction-{review.reference.lower()}.docx",
        actor=actor,
        organisation=review.organisation,
        parameters={"review": review.reference},
    )


# --- the data of an organisation, to check a restyled template with ----------------------------


def live_audit(session: Session, organisation: Organisation, _user) -> dict | None:
    record = session.scalar(
        sa.select(Audit).where(Audit.organisation_id == organisation.id).order_by(Audit.id).limit(1)
    )
    return audit_context(record) if record is not None else None


def live_review(session: Session, organisation: Organisation, _user) -> dict | None:
    review = session.scalar(
        sa.select(ManagementReview)
        .where(ManagementReview.organisation_id == organisation.id)
        .order_by(ManagementReview.id)
        .limit(1)
    )
    return review_context(session, review) if review is not None else None


DOCUMENT_TYPES = (
    DocumentType(AUDIT_REPORT, _l("Rapport d'audit interne"), REGISTER.value, live_audit),
    DocumentType(REVIEW, _l("Revue de direction"), REGISTER.value, live_review),
)
