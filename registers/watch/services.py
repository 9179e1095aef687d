"""The security watch's writes: advisories (by hand or imported), the identifiers of the map's
applications, the matches the CISO confirms or dismisses and the treatments each member's
deployment receives. Each takes a session, checked values and an actor; flushes, never
commits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy.orm import Session, selectinload

from compliance import audit
from compliance.calendar import today_in_paris
from compliance.config import WATCH_DUE_DAYS
from compliance.db import check_version, utcnow
from compliance.schemas import validate
from compliance.services import FieldErrors
from registers.applications.models import Application, Deployment
from registers.watch.matching import advisory_keys, application_keys, matching_applications
from registers.watch.models import Advisory, AdvisoryMatch, ApplicationIdentifier, Treatment
from registers.watch.schemas import (
    STATE_NEEDS,
    AdvisoryCreate,
    AdvisorySeverity,
    AdvisoryUpdate,
    IdentifierCreate,
    MatchState,
    TreatmentBase,
    TreatmentChanges,
    TreatmentState,
    TreatmentUpdate,
)


def _checked(schema, values):
    return values if isinstance(values, schema) else validate(schema, values)


def _actor_id(actor) -> int | None:
    value = getattr(actor, "id", None)
    return value if isinstance(value, int) else None


def due_days(severity: AdvisorySeverity | str) -> int:
    """The days a member has to treat an advisory of `severity` (COMPLIANCE_WATCH_DUE_DAYS)."""
    days = current_app.config.get("WATCH_DUE_DAYS") if has_app_context() else None
    return (days or WATCH_DUE_DAYS)[AdvisorySeverity(severity).value]


def due_on(advisory: Advisory, opened_on: date | None = None) -> date:
    """The day a treatment of an advisory is due: from its publication, or from the day the
    treatment was opened when later (a late confirmation, a member deploying the application
    afterwards), plus the severity's delay."""
    start = max(advisory.published_on, opened_on) if opened_on else advisory.published_on
    return start + timedelta(days=due_days(advisory.severity))


# --- advisories -------------------------------------------------------------------------------


def _unique_reference(session: Session, reference: str, advisory: Advisory | None = None):
    statement = sa.select(Advisory.id).where(Advisory.reference == reference)
    if advisory is not None and advisory.id is not None:
        statement = statement.where(Advisory.id != advisory.id)
    if session.scalar(statement) is not None:
        raise FieldErrors({"reference": _("un avis porte déjà cette référence")})


def _plain_products(cleaned: dict) -> None:
    if "products" in cleaned and cleaned["products"] is not None:
        cleaned["products"] = [
            {key: value for key, value in dict(product).items() if value}
            for product in cleaned["products"]
        ]


def create_advisory(
    session: Session, values: AdvisoryCreate | Mapping[str, Any], *, actor
) -> Advisory:
    """A new advisory, then its matches with the map."""
    cleaned = _checked(AdvisoryCreate, values).model_dump()
    _plain_products(cleaned)
    _unique_reference(session, cleaned["reference"])
    advisory = Advisory(**cleaned)
    session.add(advisory)
    session.flush()
    match_advisory(session, advisory)
    audit.describe(session, advisory, action="create", actor=actor, summary=_summary(advisory))
    return advisory


def update_advisory(
    session: Session,
    advisory: Advisory,
    changes: AdvisoryUpdate | Mapping[str, Any],
    *,
    actor,
    version: int | None = None,
    keep_due_dates: bool = False,
) -> Advisory:
    """Partial update; the matches are sought again when the products change, and the due
    dates of the pending treatments follow the severity and publication (unless
    `keep_due_dates`: an imported revision leaves the treatments as they are)."""
    cleaned = _checked(AdvisoryUpdate, changes).model_dump(exclude_unset=True)
    check_version(advisory, version)
    _plain_products(cleaned)
    moves_due_dates = not keep_due_dates and bool({"severity", "published_on"} & set(cleaned))
    # The day each pending treatment was opened, when after the publication (its due date's
    # start), kept when the severity or the publication changes.
    opened = {}
    if moves_due_dates:
        delay = timedelta(days=due_days(advisory.severity))
        for treatment in _treatments(session, advisory_id=advisory.id):
            start = treatment.due_on - delay
            opened[treatment.id] = start if start > advisory.published_on else None
    if "reference" in cleaned:
        _unique_reference(session, cleaned["reference"], advisory)
    for key, value in cleaned.items():
        setattr(advisory, key, value)
    session.flush()
    if "products" in cleaned:
        match_advisory(session, advisory)
    if moves_due_dates:
        for treatment in _treatments(session, advisory_id=advisory.id):
            if treatment.state == TreatmentState.PENDING:
                treatment.due_on = due_on(advisory, opened.get(treatment.id))
    audit.describe(session, advisory, actor=actor, summary=_summary(advisory))
    return advisory


def _summary(advisory: Advisory) -> str:
    return f"Advisory {advisory.reference}"


def _treatments(session: Session, **where) -> list[Treatment]:
    statement = sa.select(Treatment).filter_by(**where).order_by(Treatment.id)
    return list(session.scalars(statement))


# --- matching ---------------------------------------------------------------------------------


def match_advisory(session: Session, advisory: Advisory) -> list[AdvisoryMatch]:
    """Propose a match for each application the advisory names and has none yet; withdraw the
    proposals it no longer names (the decided ones stay). Returns the new proposals."""
    found = matching_applications(session, advisory.products)
    existing = {match.application_id: match for match in advisory.matches}
    new = []
    for application_id, how in sorted(found.items()):
        if application_id not in existing:
            match = AdvisoryMatch(
                advisory_id=advisory.id, application_id=application_id, matched_by=how
            )
            advisory.matches.append(match)
            new.append(match)
    for application_id, match in existing.items():
        if application_id not in found and match.state == MatchState.PROPOSED:
            advisory.matches.remove(match)
    session.flush()
    return new


def match_application(session: Session, application_id: int) -> list[AdvisoryMatch]:
    """After the identifiers of an application change: the advisories that now name it get a
    proposal; the proposals they no longer support are withdrawn. The application's keys are
    read once, the advisories with their matches in two statements."""
    keys = application_keys(session, [application_id]).get(application_id)
    new = []
    advisories = session.scalars(
        sa.select(Advisory).options(selectinload(Advisory.matches)).order_by(Advisory.id)
    )
    for advisory in advisories:
        how = advisory_keys(advisory.products).meets(keys) if keys is not None else None
        current = next((m for m in advisory.matches if m.application_id == application_id), None)
        if how and current is None:
            match = AdvisoryMatch(
                advisory_id=advisory.id, application_id=application_id, matched_by=how
            )
            advisory.matches.append(match)
            new.append(match)
        elif not how and current is not None and current.state == MatchState.PROPOSED:
            advisory.matches.remove(current)
    session.flush()
    return new


def confirm_match(
    session: Session,
    match: AdvisoryMatch,
    *,
    actor,
    version: int | None = None,
    today: date | None = None,
) -> list[Treatment]:
    """The advisory concerns the application: one pending treatment for each member using it
    (live deployment), due by the severity's delay. Returns the treatments created."""
    check_version(match, version)
    if match.state != MatchState.CONFIRMED:
        match.state = MatchState.CONFIRMED
        match.decided_by_id = _actor_id(actor)
        match.decided_at = utcnow()
        audit.describe(session, match, actor=actor, summary=f"Advisory match {match.id} confirmed")
    return _treat_deployments(session, match, today)


def treat_deployments(
    session: Session, match: AdvisoryMatch, *, actor, version: int | None = None
) -> list[Treatment]:
    """A confirmed match: a pending treatment for each live deployment that has none yet (a
    member that started using the application since). The decision stays as it was."""
    check_version(match, version)
    if match.state != MatchState.CONFIRMED:
        raise FieldErrors({"state": _("confirmez d'abord le rapprochement")})
    return _treat_deployments(session, match)


def _treat_deployments(
    session: Session, match: AdvisoryMatch, today: date | None = None
) -> list[Treatment]:
    advisory = session.get(Advisory, match.advisory_id)
    today = today or today_in_paris()
    treated = {t.deployment_id for t in _treatments(session, match_id=match.id)}
    deployments = session.scalars(
        sa.select(Deployment)
        .where(
            Deployment.application_id == match.application_id,
            Deployment.archived_at.is_(None),
        )
        .order_by(Deployment.organisation_id)
    )
    created = []
    for deployment in deployments:
        if deployment.id in treated:
            continue
        treatment = Treatment(
            advisory_id=advisory.id,
            match_id=match.id,
            application_id=match.application_id,
            deployment_id=deployment.id,
            organisation_id=deployment.organisation_id,
            due_on=due_on(advisory, today),
        )
        session.add(treatment)
        created.append(treatment)
    session.flush()
    return created


def treat_new_deployment(session: Session, deployment: Deployment) -> list[Treatment]:
    """A member starts using an application: a pending treatment for each advisory confirmed
    on it."""
    session.flush()
    confirmed = session.scalars(
        sa.select(AdvisoryMatch).where(
            AdvisoryMatch.application_id == deployment.application_id,
            AdvisoryMatch.state == MatchState.CONFIRMED,
        )
    )
    created = []
    for match in confirmed:
        created += _treat_deployments(session, match)
    return created


def _opened_nothing(treatment: Treatment) -> bool:
    """A pending treatment that opened neither a corrective action nor an incident."""
    return (
        treatment.state == TreatmentState.PENDING
        and treatment.corrective_action_id is None
        and treatment.incident_id is None
    )


def drop_archived_deployment(session: Session, deployment: Deployment) -> None:
    """A member stops using an application: its treatments still to do go, unless they
    opened a corrective action or an incident (the record of what was started stays)."""
    for treatment in _treatments(session, deployment_id=deployment.id):
        if _opened_nothing(treatment):
            session.delete(treatment)
    session.flush()


def dismiss_match(
    session: Session, match: AdvisoryMatch, *, actor, version: int | None = None
) -> AdvisoryMatch:
    """The advisory does not concern the application: its pending treatments go (those with
    an outcome, or that opened a corrective action or an incident, stay as the record of what
    was done)."""
    check_version(match, version)
    match.state = MatchState.DISMISSED
    match.decided_by_id = _actor_id(actor)
    match.decided_at = utcnow()
    for treatment in _treatments(session, match_id=match.id):
        if _opened_nothing(treatment):
            session.delete(treatment)
    session.flush()
    audit.describe(session, match, actor=actor, summary=f"Advisory match {match.id} dismissed")
    return match


# --- treatments -------------------------------------------------------------------------------


def update_treatment(
    session: Session,
    treatment: Treatment,
    values: TreatmentUpdate | TreatmentChanges | Mapping[str, Any],
    *,
    actor,
    version: int | None = None,
    today: date | None = None,
) -> Treatment:
    """Record what the member did: the state and what it needs (the version in use, the day
    it was patched, how it was mitigated, who accepted the risk until when). Only the fields
    given change; the state's needs are checked on the result."""
    if isinstance(values, TreatmentUpdate | TreatmentChanges):
        cleaned = values.model_dump(exclude_unset=True)
    else:
        cleaned = validate(TreatmentChanges, values).model_dump(exclude_unset=True)
    check_version(treatment, version)
    today = today or today_in_paris()
    merged = {name: getattr(treatment, name) for name in TreatmentBase.model_fields} | cleaned
    state = TreatmentState(merged["state"])
    errors = {
        name: _("est obligatoire pour cet état")
        for name in STATE_NEEDS.get(state, ())
        if not merged.get(name)
    }
    if cleaned.get("patched_on") and cleaned["patched_on"] > today:
        errors["patched_on"] = _("ne peut pas être dans le futur")
    until = merged.get("accepted_until")
    changed = {"state", "accepted_until"} & set(cleaned)
    if state == TreatmentState.ACCEPTED and until and until < today and changed:
        errors["accepted_until"] = _("doit être à venir")
    if errors:
        raise FieldErrors(errors)
    previous = treatment.state
    for key, value in cleaned.items():
        setattr(treatment, key, value)
    if state == TreatmentState.PENDING:
        treatment.closed_on = None
    elif state != previous or treatment.closed_on is None:
        # Each change into a closed state closes it again: that day, or the day patched.
        treatment.closed_on = treatment.patched_on if state == TreatmentState.PATCHED else today
    elif state == TreatmentState.PATCHED and "patched_on" in cleaned:
        treatment.closed_on = treatment.patched_on
    audit.describe(session, treatment, actor=actor, summary=f"Advisory treatment {treatment.id}")
    return treatment


# --- identifiers ------------------------------------------------------------------------------


def add_identifier(
    session: Session, values: IdentifierCreate | Mapping[str, Any], *, actor
) -> ApplicationIdentifier:
    """A name by which advisories designate the application; the advisories are matched
    again."""
    cleaned = _checked(IdentifierCreate, values).model_dump()
    if not (cleaned.get("product") or cleaned.get("cpe") or cleaned.get("purl")):
        raise FieldErrors({"product": _("indiquez un produit, un CPE ou un purl")})
    if session.get(Application, cleaned["application_id"]) is None:
        raise FieldErrors({"application_id": _("application inconnue")})
    identifier = ApplicationIdentifier(**cleaned)
    session.add(identifier)
    session.flush()
    audit.describe(session, identifier, action="create", actor=actor)
    match_application(session, identifier.application_id)
    return identifier


def remove_identifier(session: Session, identifier: ApplicationIdentifier, *, actor) -> None:
    application_id = identifier.application_id
    session.delete(identifier)
    session.flush()
    match_application(session, application_id)
