"""The risk register's Word document: the risk treatment plan (ISO 27001 6.1.3 e) of one
organisation: its heat maps before and after treatment, and each risk with its treatment, its
measures, its owner, its residual level and the owner's acceptance. Rendered from its editable
template, recorded and audited; the template check runs the context builder over the demo."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from compliance.calendar import today_in_paris
from compliance.documents import DocumentType, ExportRecord, export_document
from compliance.tenancy import Organisation, slugify
from registers.risks.models import Risk
from registers.risks.queries import DETAIL_OPTIONS, REGISTER
from registers.risks.schemas import LEVELS, RiskLevel, impact_label, likelihood_label

PLAN = "risk-treatment-plan"
PLAN_TITLE = "Plan de traitement des risques"


def plan_risks(session: Session, organisation: Organisation) -> list[Risk]:
    """The organisation's risks, the highest first (the caller checked the right to export)."""
    statement = (
        sa.select(Risk)
        .options(*DETAIL_OPTIONS)
        .where(Risk.organisation_id == organisation.id)
        .order_by(Risk.inherent_score.desc(), Risk.reference_year, Risk.reference_number)
    )
    return list(session.scalars(statement))


def _grid(risks: list[Risk], likelihood: str, impact: str) -> list[dict]:
    """The heat map as rows (likelihood V4 quasi certain first) of counts per impact."""
    counts: dict[tuple[int, int], int] = {}
    for risk in risks:
        cell = (getattr(risk, likelihood), getattr(risk, impact))
        if cell[0] is not None:
            counts[cell] = counts.get(cell, 0) + 1
    return [
        {
            "label": f"{level} – {likelihood_label(level)}",
            **{f"i{i}": counts.get((level, i), 0) or "" for i in LEVELS},
        }
        for level in reversed(LEVELS)
    ]


def _level(level: RiskLevel | None, score: int | None) -> str:
    return f"{level.label} ({score})" if level is not None else "non évalué"


def _row(risk: Risk, today) -> dict:
    # Codes only: the actions and the guide's measures are named in full in their own registers.
    measures = [", ".join(a.code for a in risk.roadmap_actions)] if risk.roadmap_actions else []
    if risk.measures:
        measures.append("ANSSI " + ", ".join(m.ref for m in risk.measures))
    acceptance = ""
    if risk.accepted_by:
        acceptance = f"{risk.accepted_by}, le {risk.accepted_on:%d/%m/%Y}"
        if risk.accepted_until:
            acceptance += f", jusqu'au {risk.accepted_until:%d/%m/%Y}"
    return {
        "reference": risk.reference,
        "title": risk.title,
        "scenario": risk.threat_scenario or "",
        "inherent": _level(risk.inherent_level, risk.inherent_score),
        "treatment": str(risk.treatment.label),
        "details": risk.treatment_details or "",
        "measures": "; ".join(measures) or "aucune mesure liée",
        "owner": risk.owner,
        "residual": _level(risk.residual_level, risk.residual_score),
        "acceptance": acceptance or "–",
        "review_on": risk.review_on,
        "review_late": risk.is_review_late(today),
        "status": str(risk.status.label),
    }


def plan_context(session: Session, organisation: Organisation, *, today=None) -> dict:
    today = today or today_in_paris()
    with force_locale("fr"):
        risks = plan_risks(session, organisation)
        return {
            "title": PLAN_TITLE,
            "organisation": {"name": organisation.name},
            "scope": {"label": organisation.name},
            "today": today,
            "impacts": [f"{i} – {impact_label(i)}" for i in LEVELS],
            "before": _grid(risks, "likelihood", "impact"),
            "after": _grid(risks, "residual_likelihood", "residual_impact"),
            "risks": [_row(risk, today) for risk in risks],
            "totals": {
                "risks": len(risks),
                "high": sum(r.inherent_score >= RiskLevel.HIGH.scores[0] for r in risks),
                "residual_high": sum(
                    (r.residual_score or 0) >= RiskLevel.HIGH.scores[0] for r in risks
                ),
                "accepted": sum(bool(r.accepted_by) for r in risks),
            },
        }


def export_plan(
    session: Session, organisation: Organisation, *, actor
) -> tuple[bytes, ExportRecord]:
    """Render, record and audit the treatment plan of one organisation (flushes only)."""
    context = plan_context(session, organisation)
    return export_document(
        session,
        document=PLAN,
        template=PLAN,
        context=context,
        title=f"{PLAN_TITLE} — {organisation.name}",
        filename=f"plan-traitement-risques-{slugify(organisation.name)}.docx",
        actor=actor,
        organisation=organisation,
        parameters={"organisation": organisation.slug, "risks": len(context["risks"])},
    )


def live_plan(session: Session, organisation: Organisation, _user) -> dict | None:
    if not plan_risks(session, organisation):
        return None
    return plan_context(session, organisation)


DOCUMENT_TYPES = (
    DocumentType(PLAN, _l("Plan de traitement des risques"), REGISTER.value, live_plan),
)
