"""The Word document of a DPIA, in the structure of the CNIL's method: the context, the
fundamental principles, the risks with their measures, and the validation (the risk map, the
action plan, the opinions, the controller's decision and the prior consultation of the CNIL).

The context is plain dicts for the sandboxed template; the risk map is the PNG the pages draw.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from compliance.documents import DocumentImage, DocumentType, ExportRecord, export_document
from compliance.tenancy import Organisation
from registers.dpia import compute
from registers.dpia.models import Dpia
from registers.dpia.queries import OPTIONS, REGISTER
from registers.dpia.risk_map import risk_map_png
from registers.dpia.schemas import Judgement, MeasureState, Principle, PrincipleGroup, RiskLevel

DOCUMENT = "dpia"
TITLE = "Analyse d'impact relative à la protection des données"
MAP_WIDTH_MM = 110


def _label(value) -> str:
    return str(value.label) if value is not None else ""


def _level(value) -> str:
    return _label(RiskLevel(value)) if value else "non estimée"


def _principles(dpia: Dpia) -> list[dict]:
    stored = dpia.principles or {}
    groups = []
    for group in PrincipleGroup:
        points = []
        for principle in Principle:
            if principle.group != group:
                continue
            answer = stored.get(principle.value) or {}
            judgement = answer.get("judgement")
            points.append(
                {
                    "label": str(principle.label),
                    "justification": answer.get("justification") or "",
                    "judgement": _label(Judgement(judgement)) if judgement else "à juger",
                    "improvable": judgement == Judgement.IMPROVABLE.value,
                }
            )
        groups.append({"label": str(group.label), "points": points})
    return groups


def _measure(measure) -> dict:
    action = measure.roadmap_action
    return {
        "title": measure.title,
        "description": measure.description or "",
        "state": _label(measure.state),
        "planned": measure.state == MeasureState.PLANNED,
        "owner": measure.owner or "",
        "due_on": measure.due_on,
        "hygiene_measure": measure.hygiene_measure or "",
        "roadmap_action": str(getattr(action, "code", "") or action) if action else "",
    }


def _risk(placement, risk) -> dict:
    return {
        "number": placement.kind.number,
        "label": _label(placement.kind),
        "sources": risk.sources or "",
        "threats": risk.threats or "",
        "impacts": risk.impacts or "",
        "severity": _level(risk.severity),
        "likelihood": _level(risk.likelihood),
        "justification": risk.justification or "",
        "residual_severity": _level(placement.residual_severity),
        "residual_likelihood": _level(placement.residual_likelihood),
        "residual_justification": risk.residual_justification or "",
        "zone": _label(placement.zone) or "non estimé",
        "residual_zone": _label(placement.residual_zone) or "non estimé",
    }


def dpia_context(session: Session, dpia: Dpia) -> dict:
    """What the DPIA template prints (a pure read)."""
    with force_locale("fr"):
        by_kind = {risk.kind: risk for risk in dpia.risks}
        risks = [_risk(p, by_kind[p.kind]) for p in compute.placements(dpia.risks)]
        measures = [_measure(measure) for measure in dpia.measures]
        principles = _principles(dpia)
        zone = compute.residual_zone(dpia)
        high = compute.high_residual_risks(dpia)
        activity = dpia.processing
        return {
            "title": TITLE,
            "scope": {"label": f"{dpia.reference} {dpia.title}"},
            "dpia": {
                "reference": dpia.reference,
                "title": dpia.title,
                "organisation": dpia.organisation.name,
                "processing": f"{activity.reference} {activity.name}" if activity else "",
                "shared": dpia.is_shared,
                "status": _label(dpia.status),
                "validated_at": dpia.validated_at,
                "next_review_on": dpia.next_review_on,
                "revision_reason": dpia.revision_reason or "",
                "residual_zone": _label(zone) or "non estimé",
            },
            "context": {
                name: getattr(dpia, name) or ""
                for name in (
                    "overview",
                    "purposes",
                    "controller",
                    "processors",
                    "applications",
                    "data_lifecycle",
                    "supporting_assets",
                    "standards",
                )
            },
            "principles": principles,
            "measures": measures,
            "existing_measures": [m for m in measures if not m["planned"]],
            "risks": risks,
            "risk_map": DocumentImage(risk_map_png(dpia), MAP_WIDTH_MM),
            "action_plan": [m for m in measures if m["planned"]],
            "improvable_principles": [
                point["label"]
                for group in principles
                for point in group["points"]
                if point["improvable"]
            ],
            "validation": {
                "dpo_opinion": dpia.dpo_opinion or "",
                "dpo_opinion_on": dpia.dpo_opinion_on,
                "persons_opinion": dpia.persons_opinion or "",
                "persons_not_sought_reason": dpia.persons_not_sought_reason or "",
                "controller_decision": dpia.controller_decision or "",
                "decision_on": dpia.decision_on,
            },
            "consultation": {
                "required": bool(high),
                "risks": ", ".join(_label(p.kind) for p in high),
                "requested_on": dpia.consultation_requested_on,
                "answer_on": dpia.cnil_answer_on,
                "answer": dpia.cnil_answer or "",
            },
            "versions": [
                {
                    "number": kept.number,
                    "validated_at": kept.validated_at,
                    "by": kept.validated_by_label or "",
                    "digest": kept.digest,
                }
                for kept in dpia.versions
            ],
        }


def export_dpia(session: Session, dpia: Dpia, *, actor) -> tuple[bytes, ExportRecord]:
    """Render, record and audit the Word document of one DPIA (flushes, never commits)."""
    return export_document(
        session,
        document=DOCUMENT,
        template=DOCUMENT,
        context=dpia_context(session, dpia),
        title=f"{TITLE} {dpia.reference} {dpia.title}",
        filename=f"aipd-{dpia.reference.lower()}.docx",
        actor=actor,
        organisation=dpia.organisation,
        parameters={"dpia": dpia.reference, "organisation": dpia.organisation_id},
    )


def live_dpia(session: Session, organisation: Organisation, user) -> dict | None:
    """The organisation's first DPIA, to check a restyled template with."""
    dpia = session.scalar(
        sa.select(Dpia)
        .where(Dpia.organisation_id == organisation.id)
        .options(*OPTIONS)
        .order_by(Dpia.id)
        .limit(1)
    )
    return dpia_context(session, dpia) if dpia else None


DOCUMENT_TYPES = (DocumentType(DOCUMENT, _l("Analyse d'impact (AIPD)"), REGISTER.value, live_dpia),)
