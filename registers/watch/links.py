"""What a treatment opens in the incidents register, through its services: a corrective action
(ISO 27001 10.2) or an incident; the treatment keeps the link."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from compliance import audit
from compliance.db import utcnow
from compliance.services import FieldErrors
from registers.incidents import corrective_actions, incidents
from registers.incidents.schemas import (
    ActionSource,
    DetectionSource,
    Grade,
    IncidentCategory,
    Severity,
)
from registers.watch.models import Treatment
from registers.watch.schemas import AdvisorySeverity, AdvisorySource

# No "security watch" source in the corrective-action log (its column's check constraint
# belongs to the incidents register): the nonconformity is one found internally, and the
# advisory's reference says where it comes from.
ACTION_SOURCE = ActionSource.SELF_IDENTIFIED

SEVERITY = {
    AdvisorySeverity.CRITICAL: Severity.CRITICAL,
    AdvisorySeverity.HIGH: Severity.HIGH,
    AdvisorySeverity.MEDIUM: Severity.MEDIUM,
    AdvisorySeverity.LOW: Severity.LOW,
}


def open_corrective_action(session: Session, treatment: Treatment, *, actor):
    """A corrective action for the member, due when the treatment is."""
    if treatment.corrective_action_id is not None:
        raise FieldErrors({"corrective_action_id": _("une action corrective est déjà ouverte")})
    advisory = treatment.advisory
    with force_locale("fr"):
        values = {
            "organisation_id": treatment.organisation_id,
            "source": ACTION_SOURCE,
            "source_reference": advisory.reference[:200],
            "title": _(
                "Corriger %(application)s (%(reference)s)",
                application=treatment.application.name,
                reference=advisory.reference,
            )[:200],
            "nonconformity": _(
                "%(application)s est exposé à l'avis %(reference)s : %(title)s",
                application=treatment.application.name,
                reference=advisory.reference,
                title=advisory.title,
            ),
            "grade": Grade.MINOR,
            "action": advisory.workaround or _("Appliquer le correctif de l'éditeur."),
            "owner": _("RSSI"),
            "due_on": treatment.due_on,
        }
    action = corrective_actions.create_action(session, values, actor=actor)
    session.flush()
    treatment.corrective_action_id = action.id
    audit.describe(session, treatment, actor=actor, summary=f"Advisory treatment {treatment.id}")
    return action


def open_incident(session: Session, treatment: Treatment, *, actor):
    """An incident on the application for the member (an advisory exploited, a compromise
    suspected)."""
    if treatment.incident_id is not None:
        raise FieldErrors({"incident_id": _("un incident est déjà ouvert")})
    advisory = treatment.advisory
    with force_locale("fr"):
        values = {
            "title": _("Exploitation possible de %(reference)s", reference=advisory.reference)[
                :200
            ],
            "organisation_id": treatment.organisation_id,
            "category": IncidentCategory.OTHER,
            "severity": SEVERITY[AdvisorySeverity(advisory.severity)],
            "detection_source": DetectionSource.CERT_FR
            if advisory.source == AdvisorySource.CERT_FR
            else DetectionSource.PROVIDER,
            "detected_at": utcnow(),
            "description": _(
                "Avis %(reference)s : %(title)s", reference=advisory.reference, title=advisory.title
            ),
            "application_ids": [treatment.application_id],
        }
    incident = incidents.create_incident(session, values, actor=actor)
    session.flush()
    treatment.incident_id = incident.id
    audit.describe(session, treatment, actor=actor, summary=f"Advisory treatment {treatment.id}")
    return incident
