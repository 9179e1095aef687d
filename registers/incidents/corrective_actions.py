"""Writes to the corrective-action log (ISO/IEC 27001:2022 §10.2): record a nonconformity and
its action, move the action from open to closed, and check its effectiveness before calling it
effective. Each function flushes and audits, never commits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from compliance.db import check_version
from compliance.permissions import Action, Register
from compliance.schemas import validate
from compliance.tenancy import Organisation, refuse_organisation_change, visible_reference
from compliance.types import MESSAGES, parse_instant
from registers.incidents import incidents as incident_services
from registers.incidents.common import (
    FieldErrors,
    as_utc,
    audit_create,
    audit_update,
    checked,
    next_reference,
    now,
    paris,
    today,
)
from registers.incidents.models import (
    ActionSource,
    ActionStatus,
    CorrectiveAction,
    EntryKind,
    Incident,
)
from registers.incidents.schemas import (
    CorrectiveActionCreate,
    CorrectiveActionStep,
    CorrectiveActionTransition,
    CorrectiveActionUpdate,
)

A = ActionStatus
TRANSITIONS: dict[ActionStatus, tuple[ActionStatus, ...]] = {
    A.OPEN: (A.IN_PROGRESS, A.IMPLEMENTED),
    A.IN_PROGRESS: (A.IMPLEMENTED,),
    A.IMPLEMENTED: (A.VERIFIED_EFFECTIVE, A.NOT_EFFECTIVE),
    # An ineffective action is taken up again, with a new plan and often a new due date.
    A.NOT_EFFECTIVE: (A.IN_PROGRESS,),
    A.VERIFIED_EFFECTIVE: (A.CLOSED,),
    A.CLOSED: (),
}
CHECKED = (A.VERIFIED_EFFECTIVE, A.NOT_EFFECTIVE)


def _summary(action: CorrectiveAction) -> str:
    return f"Corrective action {action.reference}: {action.title}"


def _visible_incident(session: Session, incident_id, *, actor):
    return visible_reference(
        session, Incident, incident_id, Register.INCIDENTS, user=actor, field="incident_id"
    )


def _check_links(
    session: Session, cleaned: dict, current: CorrectiveAction | None = None, *, actor
):
    """The source and the incident agree; the incident is one the actor sees, the organisation
    one where the actor may create actions. Returns the incident."""
    source = cleaned.get("source", current.source if current else None)
    if (
        current is not None
        and cleaned.get("incident_id", current.incident_id) == current.incident_id
    ):
        incident = current.incident
    else:
        incident = _visible_incident(session, cleaned.get("incident_id"), actor=actor)
    if source == ActionSource.INCIDENT and incident is None:
        raise FieldErrors({"incident_id": _("une action issue d'un incident doit le désigner")})
    if current is None:
        visible_reference(
            session,
            Organisation,
            cleaned["organisation_id"],
            Register.INCIDENTS,
            Action.CREATE,
            user=actor,
            field="organisation_id",
        )
    return incident


def create_action(
    session: Session, values: CorrectiveActionCreate | Mapping[str, Any], *, actor
) -> CorrectiveAction:
    """A new corrective action. Without an organisation, an action raised by an incident
    belongs to the incident's organisation."""
    cleaned = checked(CorrectiveActionCreate, values).model_dump(exclude_unset=True)
    if cleaned.get("organisation_id") is None and cleaned.get("incident_id") is not None:
        cleaned["organisation_id"] = _visible_incident(
            session, cleaned["incident_id"], actor=actor
        ).organisation_id
    if cleaned.get("organisation_id") is None:
        raise FieldErrors({"organisation_id": str(MESSAGES["required"])})
    cleaned["opened_on"] = cleaned.get("opened_on") or today()
    if cleaned["opened_on"] > today():
        raise FieldErrors({"opened_on": _("ne peut pas être dans le futur")})
    incident = _check_links(session, cleaned, actor=actor)
    year = cleaned["opened_on"].year
    reference, number = next_reference(session, CorrectiveAction, "CA", year)
    action = CorrectiveAction(
        reference=reference,
        reference_year=year,
        reference_number=number,
        status_changed_at=now(),
        **cleaned,
    )
    audit_create(session, action, _summary(action), actor=actor)
    if incident is not None:
        _note_on_incident(session, incident, action, actor=actor)
    return action


def _note_on_incident(session, incident: Incident, action: CorrectiveAction, *, actor) -> None:
    with force_locale("fr"):
        text = _(
            "Action corrective %(reference)s ouverte : %(title)s (responsable : %(owner)s, "
            "échéance : %(due)s).",
            reference=action.reference,
            title=action.title,
            owner=action.owner,
            due=action.due_on.strftime("%d/%m/%Y"),
        )
    # Dated the day it was opened (an action recorded afterwards keeps its own day).
    at = (
        now()
        if action.opened_on >= today()
        else as_utc(datetime.combine(action.opened_on, time(9)))
    )
    incident_services.add_timeline_entry(
        session, incident, {"kind": EntryKind.DECISION, "text": text, "at": at}, actor=actor
    )


def update_action(
    session: Session,
    action: CorrectiveAction,
    changes: CorrectiveActionUpdate | Mapping[str, Any],
    *,
    actor,
    version: int | None = None,
) -> CorrectiveAction:
    """Partial update of the description of the nonconformity and of its action (the status
    moves only through transition_action)."""
    check_version(action, version)
    cleaned = checked(CorrectiveActionUpdate, changes).model_dump(exclude_unset=True)
    refuse_organisation_change(action, cleaned)
    if cleaned.get("opened_on") and cleaned["opened_on"] > today():
        raise FieldErrors({"opened_on": _("ne peut pas être dans le futur")})
    # The reference carries the year it was opened: moving it to another year is refused.
    if cleaned.get("opened_on") and cleaned["opened_on"].year != action.reference_year:
        raise FieldErrors(
            {
                "opened_on": _(
                    "doit rester en %(year)d (année de la référence)", year=action.reference_year
                )
            }
        )
    _check_links(session, cleaned, action, actor=actor)
    for key, value in cleaned.items():
        setattr(action, key, value)
    audit_update(session, action, _summary(action), actor=actor)
    return action


def allowed_transitions(action: CorrectiveAction) -> tuple[ActionStatus, ...]:
    return TRANSITIONS[action.status]


def transition_action(
    session: Session,
    action: CorrectiveAction,
    target: ActionStatus | str,
    data: CorrectiveActionStep | Mapping[str, Any] | None = None,
    *,
    actor,
    version: int | None = None,
    at: datetime | None = None,
) -> CorrectiveAction:
    """Move the action to `target`. `data` holds what the step records: implemented_on when it
    is carried out; check_on, check_method, check_result and evidence_reference when its
    effectiveness is checked (required before "verified effective"); a new due_on when an
    ineffective action is taken up again."""
    check_version(action, version)
    if isinstance(data, CorrectiveActionStep):
        data = data.model_dump(exclude_unset=True)
    step = validate(CorrectiveActionTransition, {**(data or {}), "status": target})
    target = step.status
    cleaned = step.model_dump(exclude_unset=True, exclude={"status"})
    moment = parse_instant(at) or now()
    if target not in TRANSITIONS[action.status]:
        raise FieldErrors(
            {
                "status": _(
                    "Passage impossible de « %(current)s » à « %(target)s ».",
                    current=action.status.label,
                    target=target.label,
                )
            }
        )
    if moment > now():
        raise FieldErrors({"at": _("ne peut pas être dans le futur")})
    _record_step(action, target, cleaned, moment)
    action.status = target
    action.status_changed_at = moment
    if target == A.CLOSED:
        action.closed_at = moment
    audit_update(session, action, _summary(action), actor=actor, action="transition")
    return action


def _record_step(action: CorrectiveAction, target, cleaned: dict, moment: datetime) -> None:
    day = paris(moment).date()
    if target == A.IMPLEMENTED:
        if not (action.root_causes or "").strip():
            raise FieldErrors(
                {
                    "root_causes": _(
                        "Déterminez les causes de la non-conformité avant de réaliser l'action "
                        "(ISO/IEC 27001, 10.2 b)."
                    )
                }
            )
        implemented_on = cleaned.get("implemented_on") or day
        _not_future_day(implemented_on, "implemented_on")
        if implemented_on < action.opened_on:
            raise FieldErrors({"implemented_on": _("ne peut pas précéder l'ouverture")})
        action.implemented_on = implemented_on
    elif target in CHECKED:
        _record_check(action, target, cleaned)
    elif target == A.IN_PROGRESS and cleaned.get("due_on"):
        action.due_on = cleaned["due_on"]


def _record_check(action: CorrectiveAction, target, cleaned: dict) -> None:
    """The effectiveness check: when, how, with what result, and the evidence."""
    values = {
        name: cleaned.get(name, getattr(action, name))
        for name in ("check_on", "check_method", "check_result", "evidence_reference")
    }
    errors = {}
    required = ["check_on", "check_method", "check_result"]
    if target == A.VERIFIED_EFFECTIVE:
        required.append("evidence_reference")
    for name in required:
        if not values[name]:
            errors[name] = _("obligatoire pour conclure sur l'efficacité")
    if values["check_on"]:
        if values["check_on"] > today():
            errors["check_on"] = _("ne peut pas être dans le futur")
        elif action.implemented_on and values["check_on"] < action.implemented_on:
            errors["check_on"] = _("ne peut pas précéder la réalisation de l'action")
    if errors:
        raise FieldErrors(errors)
    for name, value in values.items():
        setattr(action, name, value)


def _not_future_day(value: date, name: str) -> None:
    if value > today():
        raise FieldErrors({name: _("ne peut pas être dans le futur")})


def archive_action(session: Session, action: CorrectiveAction, *, actor, version=None):
    check_version(action, version)
    if action.archived_at is None:
        action.archived_at = now()
        audit_update(session, action, _summary(action), actor=actor, action="archive")
    return action


def restore_action(session: Session, action: CorrectiveAction, *, actor, version=None):
    check_version(action, version)
    if action.archived_at is not None:
        action.archived_at = None
        audit_update(session, action, _summary(action), actor=actor, action="restore")
    return action
