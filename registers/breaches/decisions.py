"""Every controller an incident concerns is accounted for: the DPO opens a breach for it, or
documents why the incident is no breach for it (Art. 33(5): the controller documents any
breach, and the processor has informed each controller, Art. 33(2)). Until then the incident
does not close: the gate below is run by the incident service, whichever door closes it."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from compliance.db import lock_row, utcnow
from compliance.permissions import Action, Register
from compliance.registry import Gate
from compliance.schemas import FieldErrors
from compliance.tenancy import Organisation, visible_references
from registers.breaches.fanout import controllers_for
from registers.breaches.models import NoBreachDecision
from registers.breaches.schemas import NoBreachDecisionCreate
from registers.incidents.common import actor_label, audit_create
from registers.incidents.incidents import CLOSE_GATE
from registers.incidents.models import Incident


def _summary(incident: Incident, organisation: Organisation) -> str:
    return f"No breach for {organisation.name} after incident {incident.reference}"


def record_no_breach(
    session: Session, incident: Incident, values: NoBreachDecisionCreate, *, actor
) -> list[NoBreachDecision]:
    """One "no breach" decision per controller named in `values` (its ground, its reason, who
    and when). Each must be a controller the incident concerns, with neither a breach opened
    after it nor a decision already recorded."""
    # Decisions on one incident are taken one after the other: a second DPO's finds the first.
    lock_row(incident)
    organisations = visible_references(
        session,
        Organisation,
        values.organisation_ids,
        Register.BREACHES,
        Action.CREATE,
        user=actor,
        field="organisation_ids",
    )
    fanout = controllers_for(incident, session=session, everything=True)
    controllers = {c.organisation.id: c for c in fanout.controllers}
    errors: dict[str, str] = {}
    for organisation in organisations:
        controller = controllers.get(organisation.id)
        if controller is None:
            errors["organisation_ids"] = _(
                "%(name)s n'est pas concerné par cet incident", name=organisation.name
            )
        elif controller.existing:
            errors["organisation_ids"] = _(
                "une violation est déjà ouverte pour %(name)s", name=organisation.name
            )
        elif controller.decision is not None:
            errors["organisation_ids"] = _(
                "la décision pour %(name)s est déjà enregistrée", name=organisation.name
            )
    decided_at = values.decided_at or utcnow()
    if decided_at > utcnow():
        errors["decided_at"] = _("ne peut pas être dans le futur")
    if errors:
        raise FieldErrors(errors)
    recorded = []
    for organisation in organisations:
        decision = NoBreachDecision(
            incident_id=incident.id,
            organisation_id=organisation.id,
            ground=values.ground,
            reason=values.reason,
            decided_at=decided_at,
            decided_by_id=getattr(actor, "id", None),
            decided_by_label=actor_label(actor),
        )
        audit_create(session, decision, _summary(incident, organisation), actor=actor)
        recorded.append(decision)
    session.flush()
    return recorded


def pending_message(names: list[str]) -> str:
    return _(
        "Pour chaque responsable de traitement concerné, le délégué ouvre une violation ou "
        "consigne pourquoi il n'y en a pas (art. 33.5 du RGPD). Reste à décider : %(names)s.",
        names=", ".join(names),
    )


def closing_errors(session: Session, incident: Incident) -> dict[str, str]:
    """The gate on closing an incident: every controller concerned has a breach opened or a
    documented "no breach" decision."""
    fanout = controllers_for(incident, session=session, everything=True)
    pending = [c.organisation.name for c in fanout.pending]
    if not pending:
        return {}
    return {"controllers": pending_message(pending)}


# What this register holds on other registers' changes (mounted through its SPEC).
GATES = (Gate(CLOSE_GATE, closing_errors),)
