"""Demo data of the record of processing activities (see demo_data.py for the activities): the
members' registers, linked to the catalogue software, taken through the workflow; the DPO's
template activity "Tenue de l'état civil" applied to the five cities, one copy diverged.
Idempotent: an activity whose reference exists in its organisation is left as it is."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from compliance.admin.services import find_user
from compliance.tenancy import Organisation
from registers.applications.models import Application, normalise_key
from registers.applications.services import find_vendor
from registers.processing import services, template_activities
from registers.processing.demo_data import (
    CITIES,
    CIVIL_STATUS_MODEL,
    SUBMITTED,
    VALIDATED,
    activities_by_organisation,
    days_ago,
)
from registers.processing.models import ProcessingActivity
from registers.processing.schemas import ActivityCreate, ActivityUpdate, check

DPO_EMAIL = "dpo@demo.registre.invalid"
# An activity its referent submitted and the DPO sent back: the referent's reminder.
SENT_BACK = {("ivry-sur-seine", "AG-01"): "referent.ivry@demo.registre.invalid"}
SENT_BACK_REMARKS = (
    "Précisez la durée de conservation du courrier numérisé et qui, hors du service courrier, "
    "peut le consulter."
)
# The demo's validations are dated a few weeks back, so that the registers show a history.
VALIDATED_ON = days_ago(40)
# Copies of the template validated by the DPO; Gentilly's has diverged (its own recipients).
MODEL_VALIDATED = {"ivry-sur-seine", "vitry-sur-seine"}


def load(session: Session, *, actor) -> None:
    organisations = {o.slug: o for o in session.scalars(sa.select(Organisation))}
    applications = dict(session.execute(sa.select(Application.name_key, Application.id)).all())
    dpo = find_user(session, DPO_EMAIL) or actor
    for slug, entries in activities_by_organisation().items():
        organisation = organisations.get(slug)
        if organisation is None:
            continue
        for entry in entries:
            activity = _ensure(session, organisation, entry, applications, actor)
            if activity is not None:
                _workflow(session, activity, (slug, entry["reference"]), actor, dpo)
    _template(session, organisations, applications, actor, dpo)


def _existing(session: Session, organisation_id: int, reference: str):
    return session.scalar(
        sa.select(ProcessingActivity).where(
            ProcessingActivity.organisation_id == organisation_id,
            ProcessingActivity.reference == reference,
        )
    )


def _input(session: Session, entry: dict, applications: dict) -> dict:
    """The services' input: application names and vendor names resolved to ids."""
    data = {k: v for k, v in entry.items() if k != "applications"}
    data["application_ids"] = [
        applications[key]
        for key in (normalise_key(name) for name in entry.get("applications", []))
        if key in applications
    ]
    recipients = []
    for row in entry.get("recipients", []):
        row = dict(row)
        vendor = find_vendor(session, row.pop("vendor") or "")
        row["vendor_id"] = vendor.id if vendor else None
        recipients.append(row)
    data["recipients"] = recipients
    return data


def _ensure(session, organisation, entry, applications, actor, *, is_template=False):
    """The activity created from `entry`, or None when it already exists."""
    if _existing(session, organisation.id, entry["reference"]) is not None:
        return None
    return services.create_processing(
        session,
        organisation,
        check(ActivityCreate, _input(session, entry, applications)),
        actor=actor,
        is_template=is_template,
    )


def _workflow(session: Session, activity, key: tuple[str, str], actor, dpo) -> None:
    if key in SENT_BACK:
        referent = find_user(session, SENT_BACK[key]) or actor
        services.submit_processing(session, activity, actor=referent)
        services.send_back_processing(session, activity, actor=dpo, remarks=SENT_BACK_REMARKS)
    if key in SUBMITTED or key in VALIDATED:
        services.submit_processing(session, activity, actor=actor)
    if key in VALIDATED:
        services.validate_processing(
            session, activity, actor=dpo, remarks="Fiche conforme.", today=VALIDATED_ON
        )


def _template(session: Session, organisations: dict, applications: dict, actor, dpo) -> None:
    host = next((o for o in organisations.values() if o.is_host), None)
    cities = [organisations[slug] for slug in CITIES if slug in organisations]
    if host is None or not cities:
        return
    template = _existing(session, host.id, CIVIL_STATUS_MODEL["reference"])
    if template is not None:
        return
    template = _ensure(session, host, CIVIL_STATUS_MODEL, applications, actor, is_template=True)
    copies = {
        c.organisation.slug: c
        for c in template_activities.apply_template(session, template, cities, actor=dpo)
    }
    gentilly = copies.get("gentilly")
    if gentilly is not None:
        recipients = [*gentilly.recipients]
        data = {
            "recipients": [
                *(
                    {
                        "recipient_type": r.recipient_type,
                        "name": r.name,
                        "details": r.details,
                        "vendor_id": r.vendor_id,
                    }
                    for r in recipients
                ),
                {
                    "recipient_type": "other",
                    "name": "Notaires et généalogistes",
                    "details": "Copies intégrales sur justification de leur qualité",
                },
            ]
        }
        services.update_processing(session, gentilly, check(ActivityUpdate, data), actor=actor)
    for slug in MODEL_VALIDATED:
        if slug in copies:
            services.submit_processing(session, copies[slug], actor=actor)
            services.validate_processing(session, copies[slug], actor=dpo, today=VALIDATED_ON)
