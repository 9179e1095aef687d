"""Writes to the incident log: create and update incidents, move them through the ISO/IEC
27035 phases, write their timeline and their external reports. Each function flushes and
audits, never commits, and trusts its caller to have checked the permission (queries.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from compliance import audit
from compliance.db import check_version, lock_row
from compliance.permissions import Action, Register
from compliance.registry import gate_errors
from compliance.schemas import validate
from compliance.tenancy import (
    Organisation,
    is_operator,
    refuse_organisation_change,
    unknown_reference_message,
    visible_organisations_query,
    visible_reference,
    visible_references,
)
from registers.applications.models import Application
from registers.incidents import search
from registers.incidents.common import (
    FieldErrors,
    actor_label,
    audit_create,
    audit_update,
    checked,
    next_reference,
    now,
    paris,
)
from registers.incidents.models import (
    Classification,
    EntryKind,
    ExternalReport,
    Incident,
    IncidentStatus,
    Severity,
    TimelineEntry,
)
from registers.incidents.schemas import (
    ExternalReportCreate,
    IncidentCreate,
    IncidentTransition,
    IncidentUpdate,
    TimelineEntryCreate,
)

__all__ = ["FieldErrors"]

S = IncidentStatus
# The phases an incident may move to from each phase (ISO/IEC 27035-1). An assessed event that
# is not an incident is closed at once; a closed incident can be reopened.
TRANSITIONS: dict[IncidentStatus, tuple[IncidentStatus, ...]] = {
    S.REPORTED: (S.ASSESSED,),
    S.ASSESSED: (S.RESPONDING, S.CLOSED),
    S.RESPONDING: (S.LESSONS_LEARNT,),
    S.LESSONS_LEARNT: (S.CLOSED, S.RESPONDING),
    S.CLOSED: (S.RESPONDING,),
}
# The column that records when the incident entered each phase.
PHASE_COLUMNS = {
    S.ASSESSED: "assessed_at",
    S.RESPONDING: "response_started_at",
    S.LESSONS_LEARNT: "lessons_learnt_at",
    S.CLOSED: "closed_at",
}
LINKS = ("application_ids", "organisation_ids")
# The gate other registers hold on closing an incident (compliance.registry.Gate).
CLOSE_GATE = "incident_close"


def _summary(incident: Incident) -> str:
    return f"Incident {incident.reference}: {incident.title}"


def _french(text_factory) -> str:
    # Timeline entries are part of the record: written in French whoever triggers them.
    with force_locale("fr"):
        return text_factory()


# --- checks --------------------------------------------------------------------------------


def _not_in_future(cleaned: dict, *names: str, errors: dict) -> None:
    moment = now()
    for name in names:
        value = cleaned.get(name)
        if value is not None and value > moment:
            errors[name] = _("ne peut pas être dans le futur")


def _check_times(incident_like: Mapping[str, Any]) -> None:
    """Occurrence ≤ detection ≤ report; containment and resolution after detection."""
    errors: dict[str, str] = {}
    _not_in_future(
        dict(incident_like),
        "occurred_at",
        "detected_at",
        "reported_at",
        "contained_at",
        "resolved_at",
        errors=errors,
    )
    occurred, detected = incident_like.get("occurred_at"), incident_like.get("detected_at")
    reported = incident_like.get("reported_at")
    if occurred and detected and occurred > detected and "occurred_at" not in errors:
        errors["occurred_at"] = _("doit précéder la détection")
    if detected and reported and reported < detected and "reported_at" not in errors:
        errors["reported_at"] = _("ne peut pas précéder la détection")
    for name in ("contained_at", "resolved_at"):
        value = incident_like.get(name)
        if value and detected and value < detected and name not in errors:
            errors[name] = _("ne peut pas précéder la détection")
    contained, resolved = incident_like.get("contained_at"), incident_like.get("resolved_at")
    if contained and resolved and resolved < contained and "resolved_at" not in errors:
        errors["resolved_at"] = _("ne peut pas précéder le confinement")
    if errors:
        raise FieldErrors(errors)


def platform_wide(session: Session, actor) -> bool:
    """The operator, or a user who writes incidents in a host organisation (the syndicate's
    CISO): they may name any organisation as affected by an incident."""
    if is_operator(actor):
        return True
    writable = visible_organisations_query(actor, Register.INCIDENTS, Action.EDIT)
    statement = sa.select(
        sa.exists().where(Organisation.is_host.is_(True), Organisation.id.in_(writable))
    )
    return bool(session.scalar(statement))


def affectable_organisations(session: Session, actor) -> sa.Select:
    """SELECT of the organisations the actor may add to or remove from an incident's affected
    organisations: any, platform-wide; otherwise those where the actor writes incidents (naming
    another organisation would show it the incident, or hide the incident from it)."""
    statement = sa.select(Organisation).order_by(Organisation.name)
    if platform_wide(session, actor):
        return statement
    writable = visible_organisations_query(actor, Register.INCIDENTS, Action.EDIT)
    return statement.where(Organisation.id.in_(writable))


def _affected(session: Session, ids: list[int], current: list, *, actor) -> list:
    """The organisations named affected; each one added or removed must be affectable."""
    current_ids = {o.id for o in current}
    changed = sorted(set(ids) ^ current_ids)
    if not changed:
        return list(current)
    statement = affectable_organisations(session, actor).where(Organisation.id.in_(changed))
    allowed = {o.id: o for o in session.scalars(statement)}
    refused_added = [i for i in changed if i not in allowed and i not in current_ids]
    if refused_added:
        raise FieldErrors({"organisation_ids": unknown_reference_message(refused_added)})
    refused_removed = [o.name for o in current if o.id in changed and o.id not in allowed]
    if refused_removed:
        raise FieldErrors(
            {
                "organisation_ids": _(
                    "vous ne pouvez pas retirer : %(names)s", names=", ".join(refused_removed)
                )
            }
        )
    kept = {o.id: o for o in current}
    return [kept.get(i) or allowed[i] for i in ids]


def _load_links(session: Session, cleaned: dict, incident: Incident | None, *, actor) -> dict:
    """The applications and organisations named by id; FieldErrors for one the actor may not
    name (an unknown id and an invisible one alike)."""
    loaded = {}
    if "application_ids" in cleaned:
        loaded["application_ids"] = visible_references(
            session,
            Application,
            cleaned["application_ids"],
            Register.APPLICATIONS,
            user=actor,
            field="application_ids",
            keep=incident.applications if incident is not None else (),
        )
    if "organisation_ids" in cleaned:
        current = list(incident.affected_organisations) if incident is not None else []
        loaded["organisation_ids"] = _affected(
            session, cleaned["organisation_ids"], current, actor=actor
        )
    return loaded


def _check_organisation(session: Session, organisation_id: int, *, actor) -> None:
    visible_reference(
        session,
        Organisation,
        organisation_id,
        Register.INCIDENTS,
        Action.CREATE,
        user=actor,
        field="organisation_id",
    )


def _link_names(incident: Incident) -> dict:
    return {
        "applications": sorted(a.name for a in incident.applications),
        "organisations": sorted(o.name for o in incident.affected_organisations),
    }


def _set_links(incident: Incident, loaded: dict) -> dict:
    """Replace the affected applications and organisations; the audit change if any."""
    before = _link_names(incident)
    if "application_ids" in loaded:
        incident.applications = loaded["application_ids"]
    if "organisation_ids" in loaded:
        incident.affected_organisations = loaded["organisation_ids"]
    after = _link_names(incident)
    changes = {
        key: {"before": before[key], "after": after[key]}
        for key in before
        if before[key] != after[key]
    }
    if changes:
        # The links live in their own tables: touch the row so its version moves too.
        incident.updated_at = now()
    return changes


# --- incidents -----------------------------------------------------------------------------


def create_incident(
    session: Session, values: IncidentCreate | Mapping[str, Any], *, actor
) -> Incident:
    """A new incident (`reported_at` defaults to now), its first timeline entry."""
    cleaned = checked(IncidentCreate, values).model_dump(exclude_unset=True)
    cleaned["reported_at"] = cleaned.get("reported_at") or now()
    _check_times(cleaned)
    _check_organisation(session, cleaned["organisation_id"], actor=actor)
    loaded = _load_links(session, cleaned, None, actor=actor)
    columns = {k: v for k, v in cleaned.items() if k not in LINKS}
    year = paris(cleaned["reported_at"]).year
    reference, number = next_reference(session, Incident, "INC", year)
    incident = Incident(
        reference=reference, reference_year=year, reference_number=number, **columns
    )
    _set_links(incident, loaded)
    session.add(incident)
    extra = {
        key: {"before": None, "after": value}
        for key, value in _link_names(incident).items()
        if value
    }
    audit_create(session, incident, _summary(incident), actor=actor, extra=extra)
    _add_entry(
        session,
        incident,
        at=incident.reported_at,
        kind=EntryKind.STATUS_CHANGE,
        text=_french(
            lambda: _(
                "Incident signalé (gravité estimée : %(severity)s).",
                severity=incident.severity.label,
            )
        ),
        actor=actor,
    )
    search.reindex(session, incident)
    return incident


def update_incident(
    session: Session,
    incident: Incident,
    changes: IncidentUpdate | Mapping[str, Any],
    *,
    actor,
    version: int | None = None,
    comment: str | None = None,
) -> Incident:
    """Partial update: only the fields set in `changes` change. A change of severity adds its
    timeline entry."""
    check_version(incident, version)
    cleaned = checked(IncidentUpdate, changes).model_dump(exclude_unset=True)
    refuse_organisation_change(incident, cleaned)
    merged = {
        name: getattr(incident, name) for name in IncidentUpdate.model_fields if name not in LINKS
    }
    merged.update({k: v for k, v in cleaned.items() if k not in LINKS})
    _check_times(merged)
    loaded = _load_links(session, cleaned, incident, actor=actor)
    before_severity = incident.severity
    for key, value in cleaned.items():
        if key not in LINKS:
            setattr(incident, key, value)
    # Reading the links must not flush the fields just set: their audit is read from history.
    with session.no_autoflush:
        extra = _set_links(incident, loaded)
    audit_update(session, incident, _summary(incident), actor=actor, extra=extra)
    if incident.severity != before_severity:
        _severity_entry(session, incident, before_severity, actor=actor, comment=comment)
    search.reindex(session, incident)
    return incident


def _severity_entry(session, incident, before: Severity, *, actor, comment=None, at=None):
    def text():
        line = _(
            "Gravité : %(before)s → %(after)s.",
            before=before.label,
            after=incident.severity.label,
        )
        return f"{line} {comment}" if comment else line

    _add_entry(
        session,
        incident,
        at=at or now(),
        kind=EntryKind.SEVERITY_CHANGE,
        text=_french(text),
        actor=actor,
    )


def allowed_transitions(incident: Incident) -> tuple[IncidentStatus, ...]:
    return TRANSITIONS[incident.status]


def transition_incident(
    session: Session,
    incident: Incident,
    target: IncidentStatus | str,
    *,
    actor,
    version: int | None = None,
    at: datetime | None = None,
    comment: str | None = None,
    classification: Classification | str | None = None,
    severity: Severity | str | None = None,
    lessons_learnt: str | None = None,
) -> Incident:
    """Move the incident to the phase `target`, timestamped `at` (default now), and write the
    entry of the change (and of the severity, if the assessment changed it) in its timeline."""
    check_version(incident, version)
    step = validate(
        IncidentTransition,
        {
            "status": target,
            "at": at,
            "comment": comment,
            "classification": classification,
            "severity": severity,
            "lessons_learnt": lessons_learnt,
        },
    )
    values = step.model_dump()
    target, moment = step.status, step.at or now()
    _check_transition(incident, target, moment, values)
    if target == S.CLOSED:
        # Other registers' conditions: each controller's breach decision (Art. 33(5)).
        errors = gate_errors(CLOSE_GATE, session, incident)
        if errors:
            raise FieldErrors(errors)
    before_status, before_severity = incident.status, incident.severity
    if values.get("classification"):
        incident.classification = values["classification"]
    if values.get("severity"):
        incident.severity = values["severity"]
    if values.get("lessons_learnt"):
        incident.lessons_learnt = values["lessons_learnt"]
    incident.status = target
    setattr(incident, PHASE_COLUMNS[target], moment)
    if target == S.LESSONS_LEARNT and incident.resolved_at is None:
        incident.resolved_at = moment
    if target == S.RESPONDING and before_status == S.CLOSED:
        incident.closed_at = None
    audit_update(session, incident, _summary(incident), actor=actor, action="transition")
    _status_entry(session, incident, before_status, moment, values, actor=actor)
    if incident.severity != before_severity:
        _severity_entry(session, incident, before_severity, actor=actor, at=moment)
    search.reindex(session, incident)
    return incident


def _check_transition(incident: Incident, target, moment: datetime, values: dict) -> None:
    if target not in TRANSITIONS[incident.status]:
        raise FieldErrors(
            {
                "status": _(
                    "Passage impossible de « %(current)s » à « %(target)s ».",
                    current=incident.status.label,
                    target=target.label,
                )
            }
        )
    if moment > now():
        raise FieldErrors({"at": _("La date d'un changement de phase ne peut pas être future.")})
    if moment < incident.reported_at:
        raise FieldErrors({"at": _("La date d'un changement de phase précède le signalement.")})
    classification = values.get("classification") or incident.classification
    if target == S.ASSESSED and classification is None:
        raise FieldErrors(
            {"classification": _("L'évaluation décide s'il s'agit d'un incident ou non.")}
        )
    if incident.status == S.ASSESSED:
        if target == S.RESPONDING and classification != Classification.INCIDENT:
            raise FieldErrors(
                {
                    "status": _(
                        "Un événement sans suite se clôt ; seul un incident appelle une réponse."
                    )
                }
            )
        if target == S.CLOSED and classification != Classification.EVENT:
            raise FieldErrors(
                {
                    "status": _(
                        "Un incident passe par la réponse et le retour d'expérience avant "
                        "d'être clos."
                    )
                }
            )
    if target == S.CLOSED and incident.status == S.LESSONS_LEARNT:
        severity = values.get("severity") or incident.severity
        lessons = values.get("lessons_learnt") or incident.lessons_learnt
        if severity.requires_lessons and not lessons:
            raise FieldErrors(
                {
                    "lessons_learnt": _(
                        "Un incident de gravité 1 ou 2 ne peut pas être clos sans son retour "
                        "d'expérience."
                    )
                }
            )
        if incident.personal_data and not lessons:
            raise FieldErrors(
                {
                    "lessons_learnt": _(
                        "Un incident qui a touché des données personnelles ne peut pas être clos "
                        "sans son retour d'expérience."
                    )
                }
            )
    if incident.status == S.CLOSED and not values.get("comment"):
        raise FieldErrors({"comment": _("Indiquez pourquoi l'incident est rouvert.")})


def _status_entry(session, incident, before: IncidentStatus, moment, values, *, actor) -> None:
    def text():
        parts = [
            _("Phase : %(before)s → %(after)s.", before=before.label, after=incident.status.label)
        ]
        if values.get("classification"):
            parts.append(_("Décision : %(decision)s.", decision=incident.classification.label))
        if values.get("comment"):
            parts.append(values["comment"])
        return " ".join(parts)

    _add_entry(
        session,
        incident,
        at=moment,
        kind=EntryKind.STATUS_CHANGE,
        text=_french(text),
        actor=actor,
    )


def archive_incident(session: Session, incident: Incident, *, actor, version=None) -> Incident:
    """Withdraw a record made by mistake (a duplicate): it leaves the lists, nothing is lost."""
    check_version(incident, version)
    if incident.archived_at is None:
        incident.archived_at = now()
        audit_update(session, incident, _summary(incident), actor=actor, action="archive")
    return incident


def restore_incident(session: Session, incident: Incident, *, actor, version=None) -> Incident:
    check_version(incident, version)
    if incident.archived_at is not None:
        incident.archived_at = None
        audit_update(session, incident, _summary(incident), actor=actor, action="restore")
    return incident


# --- timeline ------------------------------------------------------------------------------


def _add_entry(session, incident, *, at, kind, text, actor) -> TimelineEntry:
    entry = TimelineEntry(
        at=at,
        kind=kind,
        text=text,
        author_id=getattr(actor, "id", None),
        author_label=actor_label(actor),
    )
    with session.no_autoflush:
        incident.entries.append(entry)
    session.add(entry)
    # Audited as part of the incident's change (its creation, transition…).
    session.flush()
    return entry


def add_timeline_entry(
    session: Session,
    incident: Incident,
    values: TimelineEntryCreate | Mapping[str, Any],
    *,
    actor,
) -> TimelineEntry:
    """An entry written by a person: at (default now), kind (detection, action,
    communication, decision), text."""
    # Entries of one incident are written one after the other: each reindexes its text.
    lock_row(incident)
    cleaned = checked(TimelineEntryCreate, values).model_dump()
    moment = cleaned.get("at") or now()
    errors = {}
    if cleaned["kind"] not in EntryKind.manual():
        errors["kind"] = _("Les changements de phase et de gravité s'inscrivent d'eux-mêmes.")
    current = now()
    if moment > current:
        errors["at"] = _(
            "Une entrée ne peut pas être datée dans le futur (il est %(now)s).",
            now=paris(current).strftime("%d/%m/%Y %H:%M"),
        )
    if errors:
        raise FieldErrors(errors)
    entry = _add_entry(
        session, incident, at=moment, kind=cleaned["kind"], text=cleaned["text"], actor=actor
    )
    summary = f"Timeline of {incident.reference}: {entry.kind.value}"
    audit.describe(session, incident, action="timeline", actor=actor, summary=summary)
    search.reindex(session, incident)
    return entry


# --- external reports ----------------------------------------------------------------------


def add_external_report(
    session: Session,
    incident: Incident,
    values: ExternalReportCreate | Mapping[str, Any],
    *,
    actor,
) -> ExternalReport:
    """A report made outside: kind (cert_fr, police, insurer, cnil, other), made_on,
    reference, notes."""
    cleaned = checked(ExternalReportCreate, values).model_dump(exclude_unset=True)
    if cleaned["made_on"] > paris(now()).date():
        raise FieldErrors({"made_on": _("ne peut pas être dans le futur")})
    report = ExternalReport(**cleaned)
    with session.no_autoflush:
        incident.reports.append(report)
    session.add(report)
    summary = f"Report of {incident.reference}: {report.kind.value}"
    audit.describe(session, incident, action="report", actor=actor, summary=summary)
    return report


def remove_external_report(session: Session, report: ExternalReport, *, actor) -> None:
    incident = report.incident
    summary = f"Report of {incident.reference}: {report.kind.value}"
    incident.reports.remove(report)
    audit.describe(session, incident, action="report_removed", actor=actor, summary=summary)
