"""Writes to the roadmap: roadmaps, actions and their links, milestones, the hygiene
self-assessment, and the escalation of a corrective action into the roadmap. Each function
flushes and audits, never commits, and trusts its caller to have checked the permission."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from compliance import audit, numbering
from compliance.admin.services import ServiceError
from compliance.db import check_version, utcnow
from compliance.permissions import Action, Register
from compliance.schemas import validate
from compliance.services import FieldErrors
from compliance.tenancy import Organisation, visible_reference, visible_references
from registers.applications.models import Application
from registers.incidents.models import CorrectiveAction, Incident
from registers.roadmap import compute, figures
from registers.roadmap.models import (
    ActionCorrectiveAction,
    ActionStatus,
    AssessmentState,
    HygieneAssessment,
    HygieneMeasure,
    Milestone,
    Priority,
    Roadmap,
    RoadmapAction,
    Theme,
)
from registers.roadmap.schemas import (
    Escalation,
    HygieneAssessmentCreate,
    MilestoneCreate,
    RoadmapActionFields,
    RoadmapActionUpdate,
    RoadmapCreate,
    RoadmapUpdate,
)

__all__ = ["FieldErrors", "ServiceError"]

LINKS = ("measures", "application_ids", "incident_ids", "corrective_action_ids")


def _audit_create(session: Session, record, summary: str, *, actor, extra: dict | None = None):
    session.add(record)
    audit.record(
        session, action="create", actor=actor, target=record, summary=summary, changes=extra
    )


def _audit_update(session: Session, record, summary: str, *, actor, extra: dict | None = None):
    audit.describe(session, record, actor=actor, summary=summary, changes=extra or None)


def _apply(record, cleaned: dict) -> None:
    for key, value in cleaned.items():
        setattr(record, key, value)


# --- roadmaps ---------------------------------------------------------------------------------


def _check_period(start: date | None, end: date | None, *, end_name: str = "end_on") -> None:
    if start and end and end < start:
        raise FieldErrors({end_name: _("ne peut pas précéder le début")})


def _check_funding(granted: int | None, received: int | None) -> None:
    """What the programme paid cannot exceed what it granted."""
    if granted is not None and received is not None and received > granted:
        raise FieldErrors({"subsidy_received": _("ne peut pas dépasser la subvention accordée")})


def programme_ceiling(programme_name: str | None) -> compute.Ceiling | None:
    """The ceiling the settings give the named funding programme, if any."""
    ceilings = current_app.config.get("ROADMAP_SUBSIDY_CEILINGS") or {}
    return compute.programme_ceiling(programme_name, ceilings)


def _over_ceiling(ceiling: compute.Ceiling) -> str:
    return _(
        "ne peut pas dépasser le plafond du programme « %(programme)s » (%(amount)s)",
        programme=ceiling.programme,
        amount=figures.euros(ceiling.amount),
    )


def _check_ceiling(programme_name: str | None, granted: int | None) -> None:
    """A programme grants no more than its ceiling (COMPLIANCE_ROADMAP_SUBSIDY_CEILINGS)."""
    ceiling = programme_ceiling(programme_name)
    if ceiling is not None and granted is not None and granted > ceiling.amount:
        raise FieldErrors({"subsidy_total": _over_ceiling(ceiling)})


def create_roadmap(session: Session, values: RoadmapCreate, *, actor) -> Roadmap:
    visible_reference(
        session,
        Organisation,
        values.organisation_id,
        Register.ROADMAP,
        Action.CREATE,
        user=actor,
        field="organisation_id",
    )
    _check_period(values.start_on, values.end_on)
    _check_funding(values.subsidy_total, values.subsidy_received)
    _check_ceiling(values.programme_name, values.subsidy_total)
    cleaned = {k: v for k, v in values.model_dump().items() if v is not None}
    roadmap = Roadmap(**cleaned)
    _audit_create(session, roadmap, f"Roadmap {roadmap.title}", actor=actor)
    return roadmap


def update_roadmap(
    session: Session, roadmap: Roadmap, changes: RoadmapUpdate, *, actor, version=None
) -> Roadmap:
    """Partial update: only the fields set in `changes` change (never the organisation)."""
    check_version(roadmap, version)
    cleaned = changes.model_dump(exclude_unset=True)
    _check_period(cleaned.get("start_on", roadmap.start_on), cleaned.get("end_on", roadmap.end_on))
    _check_funding(
        cleaned.get("subsidy_total", roadmap.subsidy_total),
        cleaned.get("subsidy_received", roadmap.subsidy_received),
    )
    if "subsidy_total" in cleaned or "programme_name" in cleaned:
        _check_ceiling(
            cleaned.get("programme_name", roadmap.programme_name),
            cleaned.get("subsidy_total", roadmap.subsidy_total),
        )
    _apply(roadmap, cleaned)
    _audit_update(session, roadmap, f"Roadmap {roadmap.title}", actor=actor)
    return roadmap


# --- actions ----------------------------------------------------------------------------------

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def next_code(session: Session, roadmap: Roadmap) -> str:
    """A-01, A-02…: one more than the highest numbered code of the roadmap."""
    _lock_codes(session, roadmap.id)
    codes = session.scalars(
        sa.select(RoadmapAction.code).where(RoadmapAction.roadmap_id == roadmap.id)
    )
    numbers = [int(m.group(1)) for c in codes if (m := re.fullmatch(r"A-(\d+)", c or ""))]
    return f"A-{max(numbers, default=0) + 1:02d}"


def _lock_codes(session: Session, roadmap_id: int) -> None:
    """Held from checking that a code of the roadmap is free until it is taken: two actions
    created at once never get the same code."""
    numbering.lock_series(session, "roadmap", key=roadmap_id)


def _check_code(session: Session, roadmap_id: int, code: str, exclude_id=None) -> None:
    if not _CODE.match(code):
        raise FieldErrors({"code": _("lettres, chiffres, « . », « _ » ou « - » uniquement")})
    _lock_codes(session, roadmap_id)
    statement = sa.select(RoadmapAction.id).where(
        RoadmapAction.roadmap_id == roadmap_id, RoadmapAction.code == code
    )
    if exclude_id is not None:
        statement = statement.where(RoadmapAction.id != exclude_id)
    if session.scalar(statement) is not None:
        raise FieldErrors(
            {"code": _("le code %(code)s est déjà utilisé dans cette feuille de route", code=code)}
        )


def _load_measures(session: Session, refs: list[str]) -> list[HygieneMeasure]:
    if not refs:
        return []
    found = list(session.scalars(sa.select(HygieneMeasure).where(HygieneMeasure.ref.in_(refs))))
    missing = [ref for ref in refs if ref not in {m.ref for m in found}]
    if missing:
        raise FieldErrors(
            {"measures": _("ne sont pas des mesures du guide : %(refs)s", refs=", ".join(missing))}
        )
    return sorted(found, key=lambda m: m.sort_key)


def _links(action: RoadmapAction) -> dict[str, list]:
    return {
        "measures": [m.ref for m in action.measures],
        "application_ids": [a.id for a in action.applications],
        "incident_ids": [i.id for i in action.incidents],
        "corrective_action_ids": [c.id for c in action.corrective_actions],
    }


def _set_links(session: Session, action: RoadmapAction, cleaned: dict, *, actor):
    """Replace the links named in `cleaned` (each new one a record the actor sees); returns
    the audit changes (empty if none)."""
    cleaned = {name: cleaned[name] for name in LINKS if name in cleaned}
    before = _links(action)
    if "measures" in cleaned:
        action.measures = _load_measures(session, cleaned["measures"])
    for name, model, attribute, register in (
        ("application_ids", Application, "applications", Register.APPLICATIONS),
        ("incident_ids", Incident, "incidents", Register.INCIDENTS),
        ("corrective_action_ids", CorrectiveAction, "corrective_actions", Register.INCIDENTS),
    ):
        if name in cleaned:
            current = getattr(action, attribute) if action.id is not None else ()
            records = visible_references(
                session, model, cleaned[name], register, user=actor, field=name, keep=current
            )
            setattr(action, attribute, records)
    after = _links(action)
    changes = {
        name: {"before": before[name], "after": after[name]}
        for name in cleaned
        if sorted(map(str, before[name])) != sorted(map(str, after[name]))
    }
    if changes and action.id is not None:
        # The links live in their own tables: touch the row so its version moves too.
        action.updated_at = utcnow()
    return changes


def _settle_status(action: RoadmapAction, cleaned: dict) -> None:
    """A done action is complete (100 %, with its date); any other status has no such date."""
    if action.status == ActionStatus.DONE:
        action.progress = 100
        if action.completed_on is None:
            action.completed_on = cleaned.get("completed_on") or compute.today()
    elif "status" in cleaned:
        action.completed_on = None


def _check_action(action: RoadmapAction, *, shares_changed: bool = False) -> None:
    """The action's dates, progress and subsidy share; when its share changed, the roadmap's
    shares together within its programme's ceiling."""
    errors = {}
    if action.start_on and action.target_on and action.target_on < action.start_on:
        errors["target_on"] = _("ne peut pas précéder la date de début")
    if action.status == ActionStatus.DONE and action.progress != 100:
        errors["progress"] = _("une action réalisée est avancée à 100 %")
    cost = (action.investment_estimated or 0) + (action.operating_estimated or 0)
    if (action.subsidy_amount or 0) > cost:
        errors["subsidy_amount"] = _("ne peut pas dépasser le coût estimé de l'action")
    elif shares_changed and action.subsidy_amount:
        ceiling = programme_ceiling(action.roadmap.programme_name)
        shares = compute.subsidy_shares(action.roadmap, replacing=action)
        if ceiling is not None and shares > ceiling.amount:
            errors["subsidy_amount"] = _(
                "porterait les parts de subvention des actions à %(shares)s, au-delà du "
                "plafond du programme « %(programme)s » (%(amount)s)",
                shares=figures.euros(shares),
                programme=ceiling.programme,
                amount=figures.euros(ceiling.amount),
            )
    if errors:
        raise FieldErrors(errors)


def create_action(
    session: Session, roadmap: Roadmap, values: RoadmapActionFields, *, actor
) -> RoadmapAction:
    """A new action of `roadmap` (whichever `roadmap_id` the values name: the caller checked
    it), with its links."""
    given = values.model_dump(exclude={"roadmap_id"})
    links = {name: given.pop(name) for name in LINKS}
    cleaned = {k: v for k, v in given.items() if v is not None}
    cleaned["code"] = cleaned.get("code") or next_code(session, roadmap)
    _check_code(session, roadmap.id, cleaned["code"])
    action = RoadmapAction(roadmap=roadmap, organisation_id=roadmap.organisation_id, **cleaned)
    session.add(action)
    links = _set_links(session, action, links, actor=actor)
    _settle_status(action, cleaned)
    _check_action(action, shares_changed=True)
    _audit_create(
        session, action, f"Roadmap action {action.code} {action.title}", actor=actor, extra=links
    )
    return action


def update_action(
    session: Session, action: RoadmapAction, changes: RoadmapActionUpdate, *, actor, version=None
) -> RoadmapAction:
    """Partial update of the fields and links set in `changes`."""
    check_version(action, version)
    cleaned = changes.model_dump(exclude_unset=True)
    links = {name: cleaned.pop(name) for name in LINKS if name in cleaned}
    if "code" in cleaned:
        _check_code(session, action.roadmap_id, cleaned["code"], exclude_id=action.id)
    # A share changes with its amount, or when a cancelled action comes back.
    shares_changed = "subsidy_amount" in cleaned or action.status == ActionStatus.CANCELLED
    _apply(action, cleaned)
    links = _set_links(session, action, links, actor=actor)
    _settle_status(action, cleaned)
    _check_action(action, shares_changed=shares_changed)
    _audit_update(
        session, action, f"Roadmap action {action.code} {action.title}", actor=actor, extra=links
    )
    return action


def _set_archived(session: Session, record, archived: bool, summary: str, *, actor, version):
    check_version(record, version)
    if (record.archived_at is not None) == archived:
        return record
    record.archived_at = utcnow() if archived else None
    audit.record(
        session,
        action="archive" if archived else "restore",
        actor=actor,
        target=record,
        summary=summary,
    )
    return record


def archive_action(session: Session, action: RoadmapAction, *, actor, version=None):
    summary = f"Roadmap action {action.code} {action.title}"
    return _set_archived(session, action, True, summary, actor=actor, version=version)


def restore_action(session: Session, action: RoadmapAction, *, actor, version=None):
    summary = f"Roadmap action {action.code} {action.title}"
    return _set_archived(session, action, False, summary, actor=actor, version=version)


def archive_roadmap(session: Session, roadmap: Roadmap, *, actor, version=None):
    return _set_archived(
        session, roadmap, True, f"Roadmap {roadmap.title}", actor=actor, version=version
    )


# --- milestones -------------------------------------------------------------------------------


def _milestone_audit(session, action, milestone, change: str, before, after, *, actor) -> None:
    # A milestone belongs to its action: the action's version moves, and the trail tells.
    action.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        action="update",
        actor=actor,
        target=action,
        summary=f"Roadmap action {action.code}: milestone {change}",
        changes={"milestone": {"before": before, "after": after}},
    )


def _milestone_dict(milestone: Milestone | None) -> dict | None:
    if milestone is None:
        return None
    return {"due_on": milestone.due_on, "label": milestone.label, "done": milestone.done}


def add_milestone(
    session: Session, action: RoadmapAction, values: MilestoneCreate, *, actor, version=None
) -> Milestone:
    check_version(action, version)
    milestone = Milestone(**values.model_dump())
    action.milestones.append(milestone)
    _milestone_audit(
        session, action, milestone, "added", None, _milestone_dict(milestone), actor=actor
    )
    return milestone


def set_milestone_done(
    session: Session, milestone: Milestone, done: bool, *, actor, version=None
) -> Milestone:
    action = milestone.action
    check_version(action, version)
    if milestone.done == done:
        return milestone
    before = _milestone_dict(milestone)
    milestone.done = done
    _milestone_audit(
        session,
        action,
        milestone,
        "reached" if done else "reopened",
        before,
        _milestone_dict(milestone),
        actor=actor,
    )
    return milestone


def remove_milestone(session: Session, milestone: Milestone, *, actor, version=None) -> None:
    action = milestone.action
    check_version(action, version)
    before = _milestone_dict(milestone)
    action.milestones.remove(milestone)
    _milestone_audit(session, action, milestone, "removed", before, None, actor=actor)


# --- hygiene self-assessment ------------------------------------------------------------------


def find_assessment(session: Session, organisation_id: int, measure_id: int):
    return session.scalar(
        sa.select(HygieneAssessment).where(
            HygieneAssessment.organisation_id == organisation_id,
            HygieneAssessment.measure_id == measure_id,
        )
    )


def assess_measure(
    session: Session,
    organisation: Organisation,
    measure: HygieneMeasure,
    values: HygieneAssessmentCreate,
    *,
    actor,
    version=None,
) -> HygieneAssessment:
    """Record the organisation's state against one measure (creates or updates); without a
    date, it is assessed today."""
    cleaned = values.model_dump(exclude_unset=True)
    cleaned["assessed_on"] = values.assessed_on or compute.today()
    summary = f"Hygiene measure {measure.ref} at {organisation.name}"
    assessment = find_assessment(session, organisation.id, measure.id)
    if assessment is None:
        assessment = HygieneAssessment(
            organisation_id=organisation.id, measure_id=measure.id, **cleaned
        )
        _audit_create(session, assessment, summary, actor=actor)
        return assessment
    check_version(assessment, version)
    _apply(assessment, cleaned)
    _audit_update(session, assessment, summary, actor=actor)
    return assessment


# --- escalation of a corrective action --------------------------------------------------------


def _active_roadmap(session: Session, organisation_id: int) -> Roadmap | None:
    return session.scalar(
        sa.select(Roadmap)
        .where(Roadmap.organisation_id == organisation_id, Roadmap.archived_at.is_(None))
        .order_by(Roadmap.end_on.desc(), Roadmap.id.desc())
        .limit(1)
    )


def escalate_corrective_action(
    session: Session, corrective_action: CorrectiveAction, values: Escalation, *, actor
) -> RoadmapAction:
    """Carry a corrective action into the roadmap of its organisation: a new roadmap action,
    prefilled from it, linked to it (as escalated) and to its incident.

    `values` may name the `roadmap_id` (by default the organisation's current roadmap) and any
    field of the action; the rest comes from the corrective action."""
    if values.roadmap_id is not None:
        roadmap = visible_reference(
            session,
            Roadmap,
            values.roadmap_id,
            Register.ROADMAP,
            Action.CREATE,
            user=actor,
            field="roadmap_id",
        )
    else:
        roadmap = _active_roadmap(session, corrective_action.organisation_id)
    if roadmap is None or roadmap.organisation_id != corrective_action.organisation_id:
        raise FieldErrors(
            {
                "roadmap_id": _(
                    "l'organisation de l'action corrective n'a pas cette feuille de route"
                )
            }
        )
    already = session.scalar(
        sa.select(ActionCorrectiveAction.action_id).where(
            ActionCorrectiveAction.corrective_action_id == corrective_action.id,
            ActionCorrectiveAction.escalated.is_(True),
        )
    )
    if already is not None:
        raise FieldErrors({"corrective_action": _("déjà reportée dans la feuille de route")})
    start = compute.today()
    prefill = {
        "title": corrective_action.title,
        "description": "\n\n".join(
            part for part in (corrective_action.nonconformity, corrective_action.action) if part
        ),
        "theme": Theme.SUPERVISION,
        "priority": Priority.P1,
        "owner": corrective_action.owner,
        "start_on": start,
        "target_on": max(start, compute.quarter_end(compute.quarter_of(start))),
        "corrective_action_ids": [corrective_action.id],
        "incident_ids": [corrective_action.incident_id] if corrective_action.incident_id else [],
    }
    given = values.model_dump(exclude_unset=True, exclude={"roadmap_id"})
    prefill.update({k: v for k, v in given.items() if v not in (None, "")})
    action = create_action(session, roadmap, validate(RoadmapActionFields, prefill), actor=actor)
    link = session.get(ActionCorrectiveAction, (action.id, corrective_action.id))
    if link is None:
        link = ActionCorrectiveAction(
            action_id=action.id, corrective_action_id=corrective_action.id
        )
        session.add(link)
    link.escalated = True
    session.flush()
    audit.record(
        session,
        action="escalate",
        actor=actor,
        target=corrective_action,
        summary=f"{corrective_action.reference} escalated into the roadmap as {action.code}",
        changes={"roadmap_action": {"before": None, "after": f"{action.code} {action.title}"}},
    )
    return action


def escalated_from(session: Session, action: RoadmapAction) -> list[int]:
    """Ids of the corrective actions this roadmap action was escalated from."""
    return list(
        session.scalars(
            sa.select(ActionCorrectiveAction.corrective_action_id).where(
                ActionCorrectiveAction.action_id == action.id,
                ActionCorrectiveAction.escalated.is_(True),
            )
        )
    )


__all__ += ["AssessmentState"]
