"""The data of the incident log's Word documents, as plain dicts for their templates:
the incident report (one incident: summary, timeline, impact, reports, actions, lessons),
the incident log of a period, and the corrective-action log (the SMSI evidence of ISO/IEC
27001:2022 §10.2).

user=None is the command line, which sees the whole log; otherwise the documents hold what
the user may export, narrowed to the organisation picked in the selector.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from compliance.documents import DocumentType, ExportRecord, export_document, format_document_date
from compliance.durations import format_duration
from compliance.permissions import Action
from compliance.tenancy import Organisation, selected_organisation_id
from registers.incidents.common import today
from registers.incidents.models import (
    ActionStatus,
    CorrectiveAction,
    Incident,
    IncidentCategory,
    IncidentStatus,
    Severity,
)
from registers.incidents.queries import (
    REGISTER,
    ActionFilters,
    IncidentFilters,
    impact,
    visible_actions,
    visible_incidents,
)

REPORT, LOG, ACTIONS = "incident-report", "incident-log", "corrective-action-log"
TITLES = {
    REPORT: "Rapport d'incident de sécurité",
    LOG: "Journal des incidents de sécurité",
    ACTIONS: "Journal des actions correctives",
}


def _need(value) -> str:
    return str(value) if value else "–"


def duration(start: datetime | None, end: datetime | None) -> str:
    """How long between two instants, in the kernel's wording ('3 j 4 h 0 min')."""
    if not start or not end or end < start:
        return ""
    return format_duration(end - start)


def _label(value) -> str:
    return value.label if value is not None else ""


def _yes_no_unknown(value) -> str:
    return {True: "oui", False: "non"}.get(value, "à déterminer")


# --- the incident report -------------------------------------------------------------------


def _incident_summary(incident: Incident) -> dict:
    return {
        "reference": incident.reference,
        "title": incident.title,
        "category": _label(incident.category),
        "severity": _label(incident.severity),
        "severity_meaning": incident.severity.meaning,
        "classification": _label(incident.classification),
        "detection_source": _label(incident.detection_source),
        "status": _label(incident.status),
        "organisation": incident.organisation.name,
        "reported_by": incident.reported_by or "",
        "occurred_at": incident.occurred_at,
        "detected_at": incident.detected_at,
        "reported_at": incident.reported_at,
        "contained_at": incident.contained_at,
        "resolved_at": incident.resolved_at,
        "closed_at": incident.closed_at,
        "time_to_detect": duration(incident.occurred_at, incident.detected_at),
        "time_to_contain": duration(incident.detected_at, incident.contained_at),
        "time_to_resolve": duration(incident.detected_at, incident.resolved_at),
        "confidentiality": _label(incident.impact_confidentiality) or "non évalué",
        "integrity": _label(incident.impact_integrity) or "non évalué",
        "availability": _label(incident.impact_availability) or "non évalué",
        "personal_data": _yes_no_unknown(incident.personal_data),
        "description": incident.description,
        "impact_notes": incident.impact_notes or "",
        "lessons_learnt": incident.lessons_learnt or "",
        "applications": ", ".join(a.name for a in incident.applications),
    }


def _phases(incident: Incident) -> list[dict]:
    steps = [
        (IncidentStatus.REPORTED, incident.reported_at),
        (IncidentStatus.ASSESSED, incident.assessed_at),
        (IncidentStatus.RESPONDING, incident.response_started_at),
        (IncidentStatus.LESSONS_LEARNT, incident.lessons_learnt_at),
        (IncidentStatus.CLOSED, incident.closed_at),
    ]
    return [
        {"name": status.label, "at": at, "current": status == incident.status}
        for status, at in steps
    ]


def _action_row(action: CorrectiveAction, on: date) -> dict:
    return {
        "reference": action.reference,
        "title": action.title,
        "opened_on": action.opened_on,
        "source": action.source.label,
        "origin": action.incident.reference if action.incident else (action.source_reference or ""),
        "organisation": action.organisation.name,
        "nonconformity": action.nonconformity,
        "location": action.location or "",
        "requirement": action.requirement or "",
        "grade": action.grade.label,
        "immediate_correction": action.immediate_correction or "",
        "root_cause_method": _label(action.root_cause_method),
        "root_causes": action.root_causes or "",
        "action": action.action,
        "owner": action.owner,
        "due_on": action.due_on,
        "status": action.status.label,
        "overdue": action.is_overdue(on),
        "state": "En retard" if action.is_overdue(on) else action.status.label,
        "implemented_on": action.implemented_on,
        "check_on": action.check_on,
        "check_method": action.check_method or "",
        "check_result": action.check_result or "",
        "evidence_reference": action.evidence_reference or "",
        "management_system_change": action.management_system_change or "",
        "closed_at": action.closed_at,
    }


def incident_report_context(session: Session, incident: Incident, *, user) -> dict:
    with force_locale("fr"):
        affected = impact(incident, user, session=session, everything=user is None)
        on = today()
        applications = [
            {
                "name": a.name,
                "domain": a.domain or "",
                "vendor": a.vendor.name if a.vendor else "",
                "hosting": a.hosting.label,
                "needs": " / ".join(
                    _need(getattr(a, n))
                    for n in ("availability", "integrity", "confidentiality", "traceability")
                ),
            }
            for a in incident.applications
        ]
        organisations = [
            {
                "name": item.organisation.name,
                "kind": item.organisation.kind.label,
                "how": _how(item),
                "applications": ", ".join(item.applications),
            }
            for item in affected.organisations
        ]
        return {
            "title": TITLES[REPORT],
            "scope": {"label": incident.reference},
            "incident": _incident_summary(incident),
            "phases": _phases(incident),
            "timeline": [
                {
                    "at": entry.at,
                    "kind": entry.kind.label,
                    "author": entry.author_label or "",
                    "text": entry.text,
                }
                for entry in incident.entries
            ],
            "applications": applications,
            "organisations": organisations,
            "hidden_organisations": affected.hidden,
            "reports": [
                {
                    "kind": report.kind.label,
                    "made_on": report.made_on,
                    "reference": report.reference or "",
                    "notes": report.notes or "",
                }
                for report in incident.reports
            ],
            "actions": [_action_row(a, on) for a in incident.actions if not a.is_archived],
        }


def _how(item) -> str:
    parts = []
    if item.reporting:
        parts.append("organisation déclarante")
    if item.direct:
        parts.append("touchée directement")
    if item.applications:
        parts.append("par les applications qu'elle utilise")
    return ", ".join(parts)


def export_incident_report(
    session: Session, incident: Incident, *, user, actor
) -> tuple[bytes, ExportRecord]:
    """Render, record and audit the report of one incident (flushes, never commits)."""
    context = incident_report_context(session, incident, user=user)
    return export_document(
        session,
        document=REPORT,
        template=REPORT,
        context=context,
        title=f"{TITLES[REPORT]} {incident.reference}",
        filename=f"rapport-incident-{incident.reference.lower()}.docx",
        actor=actor,
        organisation=incident.organisation,
        parameters={"incident": incident.reference},
    )


# --- the logs ------------------------------------------------------------------------------


def _scope(session: Session, user) -> tuple[str, Organisation | None]:
    """The wording of a log's scope, and the organisation whose restyled template applies."""
    chosen = selected_organisation_id() if user is not None else None
    if chosen is not None:
        organisation = session.get(Organisation, chosen)
        return organisation.name, organisation
    host = session.scalar(sa.select(Organisation).where(Organisation.is_host).limit(1))
    label = f"{host.name} et ses membres" if host else "Toutes les organisations"
    return label, host


def _period_label(date_from: date | None, date_to: date | None) -> str:
    if date_from and date_to:
        return f"du {format_document_date(date_from)} au {format_document_date(date_to)}"
    if date_from:
        return f"depuis le {format_document_date(date_from)}"
    if date_to:
        return f"jusqu'au {format_document_date(date_to)}"
    return "depuis l'ouverture du registre"


def incident_log_context(
    session: Session, *, user, date_from: date | None = None, date_to: date | None = None
) -> dict:
    with force_locale("fr"):
        filters = IncidentFilters(date_from=date_from, date_to=date_to, sort="detected")
        statement = visible_incidents(
            user, filters, action=Action.EXPORT, everything=user is None
        ).options(selectinload(Incident.actions), selectinload(Incident.reports))
        incidents = list(session.scalars(statement))
        label, _owner = _scope(session, user)
        severities = Counter(i.severity for i in incidents)
        categories = Counter(i.category for i in incidents)
        return {
            "title": TITLES[LOG],
            "scope": {"label": label},
            "period": _period_label(date_from, date_to),
            "totals": {
                "incidents": len(incidents),
                "open": sum(1 for i in incidents if i.status != IncidentStatus.CLOSED),
                "serious": sum(1 for i in incidents if i.severity.requires_lessons),
                "reports": sum(len(i.reports) for i in incidents),
                "actions": sum(len(i.actions) for i in incidents),
            },
            "by_severity": [
                {"label": s.label, "meaning": s.meaning, "count": severities.get(s, 0)}
                for s in Severity
            ],
            "by_category": [
                {"label": c.label, "count": categories[c]}
                for c in IncidentCategory
                if categories.get(c)
            ],
            "incidents": [_log_row(i) for i in incidents],
        }


def _log_row(incident: Incident) -> dict:
    return {
        "reference": incident.reference,
        "title": incident.title,
        "category": incident.category.label,
        "severity": incident.severity.label,
        "status": incident.status.label,
        "organisation": incident.organisation.name,
        "detected_at": incident.detected_at,
        "closed_at": incident.closed_at,
        "time_to_resolve": duration(incident.detected_at, incident.resolved_at),
        "applications": ", ".join(a.name for a in incident.applications),
        "reports": ", ".join(r.kind.label for r in incident.reports),
        "actions": ", ".join(a.reference for a in incident.actions if not a.is_archived),
        "lessons_learnt": incident.lessons_learnt or "",
    }


def export_incident_log(
    session: Session,
    *,
    user,
    actor,
    date_from: date | None = None,
    date_to: date | None = None,
) -> tuple[bytes, ExportRecord]:
    context = incident_log_context(session, user=user, date_from=date_from, date_to=date_to)
    _label, owner = _scope(session, user)
    suffix = "-".join(d.isoformat() for d in (date_from, date_to) if d) or "complet"
    return export_document(
        session,
        document=LOG,
        template=LOG,
        context=context,
        title=f"{TITLES[LOG]} ({context['period']})",
        filename=f"journal-incidents-{suffix}.docx",
        actor=actor,
        organisation=owner,
        parameters={
            "from": date_from.isoformat() if date_from else None,
            "to": date_to.isoformat() if date_to else None,
            "incidents": context["totals"]["incidents"],
        },
    )


def action_log_context(session: Session, *, user) -> dict:
    with force_locale("fr"):
        statement = visible_actions(
            user,
            ActionFilters(sort="reference"),
            action=Action.EXPORT,
            everything=user is None,
        )
        actions = list(session.scalars(statement))
        on = today()
        label, _owner = _scope(session, user)
        statuses = Counter(a.status for a in actions)
        return {
            "title": TITLES[ACTIONS],
            "scope": {"label": label},
            "as_of": on,
            "totals": {
                "actions": len(actions),
                "pending": sum(statuses.get(s, 0) for s in ActionStatus.pending()),
                "overdue": sum(1 for a in actions if a.is_overdue(on)),
                "awaiting_check": statuses.get(ActionStatus.IMPLEMENTED, 0),
                "effective": statuses.get(ActionStatus.VERIFIED_EFFECTIVE, 0)
                + statuses.get(ActionStatus.CLOSED, 0),
                "not_effective": statuses.get(ActionStatus.NOT_EFFECTIVE, 0),
            },
            "actions": [_action_row(a, on) for a in actions],
        }


def export_action_log(session: Session, *, user, actor) -> tuple[bytes, ExportRecord]:
    context = action_log_context(session, user=user)
    _label, owner = _scope(session, user)
    return export_document(
        session,
        document=ACTIONS,
        template=ACTIONS,
        context=context,
        title=TITLES[ACTIONS],
        filename=f"journal-actions-correctives-{context['as_of'].isoformat()}.docx",
        actor=actor,
        organisation=owner,
        parameters={"actions": context["totals"]["actions"]},
    )


# --- the data of an organisation, to check a restyled template with (the demo's, then its own) --


def live_report(session: Session, organisation: Organisation, user) -> dict | None:
    incident = session.scalar(
        sa.select(Incident)
        .where(Incident.organisation_id == organisation.id)
        .order_by(Incident.id)
        .limit(1)
    )
    return incident_report_context(session, incident, user=user) if incident else None


def live_log(session: Session, organisation: Organisation, user) -> dict | None:
    # The log as this user would export it (user None: every organisation's).
    return incident_log_context(session, user=user)


def live_actions(session: Session, organisation: Organisation, user) -> dict | None:
    return action_log_context(session, user=user)


DOCUMENT_TYPES = (
    DocumentType(REPORT, _l("Rapport d'incident"), REGISTER.value, live_report),
    DocumentType(LOG, _l("Journal des incidents"), REGISTER.value, live_log),
    DocumentType(
        ACTIONS,
        _l("Journal des actions correctives"),
        REGISTER.value,
        live_actions,
    ),
)
