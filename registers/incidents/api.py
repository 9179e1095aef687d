"""The incident log's JSON API under /api/v1/: incidents (with their timeline, reports and
impact) and corrective actions, with the pages' permissions and scoping (see queries.py). Bodies
and query strings are checked by the entities' schemas, answers written by them (schemas.py)."""

from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import get_or_404, require
from compliance.api import json_body, json_error, list_json, read_only, write
from compliance.db import check_version, get_session
from compliance.openapi import documented
from compliance.permissions import Action
from compliance.schemas import FilterError, validate
from compliance.tenancy import organisation_for, visible_reference
from compliance.types import MESSAGES
from registers.incidents import corrective_actions as action_services
from registers.incidents import incidents as incident_services
from registers.incidents.common import FieldErrors
from registers.incidents.models import CorrectiveAction, Incident
from registers.incidents.queries import (
    ACTION_OPTIONS,
    INCIDENT_OPTIONS,
    REGISTER,
    ActionFilters,
    IncidentFilters,
    impact,
    visible_actions,
    visible_incidents,
)
from registers.incidents.schemas import (
    CorrectiveActionCreate,
    CorrectiveActionPatch,
    CorrectiveActionRead,
    CorrectiveActionTransition,
    CorrectiveActionTransitionPatch,
    CorrectiveActionUpdate,
    ExternalReportCreate,
    ExternalReportRead,
    IncidentCreate,
    IncidentDetail,
    IncidentPatch,
    IncidentRead,
    IncidentTimeline,
    IncidentTransition,
    IncidentTransitionPatch,
    IncidentUpdate,
    TimelineEntryCreate,
    TimelineEntryRead,
)

__all__ = ["bp"]

# Nested in the kernel's API blueprint (/api/v1), whose authentication applies to it.
bp = Blueprint("incidents", __name__)

# Keys a client may send back as it read them: ignored, never written.
INCIDENT_READ_ONLY = read_only(IncidentDetail, IncidentCreate)
ACTION_READ_ONLY = read_only(CorrectiveActionRead, CorrectiveActionCreate) | set(
    CorrectiveActionRead.model_computed_fields
)


# --- serialisation --------------------------------------------------------------------------


def incident_json(incident: Incident) -> dict:
    return IncidentRead.model_validate(incident).model_dump(mode="json")


def entry_json(entry) -> dict:
    return TimelineEntryRead.model_validate(entry).model_dump(mode="json")


def report_json(report) -> dict:
    return ExternalReportRead.model_validate(report).model_dump(mode="json")


def incident_detail_json(incident: Incident) -> dict:
    affected = impact(incident, current_user)
    detail = IncidentDetail(
        **dict(IncidentRead.model_validate(incident)),
        timeline=incident.entries,
        reports=incident.reports,
        impact={
            "organisations": [
                {
                    "id": item.organisation.id,
                    "name": item.organisation.name,
                    "reporting": item.reporting,
                    "direct": item.direct,
                    "applications": item.applications,
                }
                for item in affected.organisations
            ],
            "hidden_organisations": affected.hidden,
        },
        corrective_actions=[a for a in incident.actions if not a.is_archived],
    )
    return detail.model_dump(mode="json")


def action_json(action: CorrectiveAction) -> dict:
    return CorrectiveActionRead.model_validate(action).model_dump(mode="json")


# --- helpers --------------------------------------------------------------------------------


def _versioned(record, schema, read_only_keys=(), *, fixed=()):
    """The body checked by `schema`, and the version of `record` it was made on. Unknown keys
    and `fixed` ones (which cannot change) are refused first; then a missing or stale version
    (409); then the values."""
    data = json_body()
    version = data.pop("version", None)
    refused = {key: MESSAGES["unknown"] for key in data if key not in schema.model_fields}
    refused.update({key: _("ne peut pas changer") for key in fixed if key in data})
    if refused := {k: str(v) for k, v in refused.items() if k not in read_only_keys}:
        raise FieldErrors(refused)
    if not isinstance(version, int) or isinstance(version, bool):
        raise FieldErrors(
            {"version": _("obligatoire : la version que vous avez lue (un nombre entier)")}
        )
    check_version(record, version)
    return validate(schema, data, ignore=read_only_keys), version


def _filters(filter_cls):
    try:
        return filter_cls.from_args(request.args)
    except FilterError as error:
        abort(json_error(400, "bad_request", str(error), errors={error.field: error.message}))


def _list(statement, serialise):
    return list_json(statement, serialise)


# --- incidents ------------------------------------------------------------------------------


@bp.get("/incidents")
@documented(query=IncidentFilters, answer=IncidentRead, paged=True, errors=(400,))
def incidents():
    """Incidents affecting the organisations the token's user may see"""
    return _list(visible_incidents(current_user, _filters(IncidentFilters)), incident_json)


@bp.post("/incidents")
@documented(body=IncidentCreate, answer=IncidentDetail)
def create_incident():
    """Log an incident"""
    require(REGISTER, Action.CREATE)
    values = validate(IncidentCreate, json_body(), ignore=INCIDENT_READ_ONLY | {"version"})
    organisation_for(
        get_session(), values.organisation_id, REGISTER, Action.CREATE, user=current_user
    )
    return write(
        lambda session: incident_services.create_incident(session, values, actor=current_user),
        incident_detail_json,
        status=201,
        location=lambda record: url_for("api.incidents.incident", record_id=record.id),
    )


@bp.get("/incidents/<int:record_id>")
@documented(answer=IncidentDetail)
def incident(record_id: int):
    """An incident with its timeline, reports, impact and corrective actions"""
    return incident_detail_json(get_or_404(Incident, record_id, options=INCIDENT_OPTIONS))


@bp.patch("/incidents/<int:record_id>")
@documented(body=IncidentPatch, answer=IncidentDetail)
def update_incident(record_id: int):
    """Update an incident (partial; `version` required)"""
    record = get_or_404(Incident, record_id, Action.EDIT, options=INCIDENT_OPTIONS)

    def update(session):
        changes, version = _versioned(
            record, IncidentUpdate, INCIDENT_READ_ONLY, fixed=("organisation_id",)
        )
        return incident_services.update_incident(
            session, record, changes, actor=current_user, version=version
        )

    return write(update, incident_detail_json)


@bp.post("/incidents/<int:record_id>/transition")
@documented(body=IncidentTransitionPatch, answer=IncidentDetail, status=200)
def transition_incident(record_id: int):
    """Move an incident to another ISO/IEC 27035 phase"""
    record = get_or_404(Incident, record_id, Action.EDIT, options=INCIDENT_OPTIONS)

    def transition(session):
        step, version = _versioned(record, IncidentTransition)
        values = step.model_dump(exclude={"status"})
        return incident_services.transition_incident(
            session, record, step.status, actor=current_user, version=version, **values
        )

    return write(transition, incident_detail_json)


@bp.get("/incidents/<int:record_id>/timeline")
@documented(answer=IncidentTimeline)
def timeline(record_id: int):
    """The incident's timeline"""
    return {
        "items": [
            entry_json(e) for e in get_or_404(Incident, record_id, options=INCIDENT_OPTIONS).entries
        ]
    }


@bp.post("/incidents/<int:record_id>/timeline")
@documented(body=TimelineEntryCreate, answer=TimelineEntryRead)
def add_entry(record_id: int):
    """Add a timeline entry (never in the future)"""
    record = get_or_404(Incident, record_id, Action.EDIT, options=INCIDENT_OPTIONS)
    values = validate(
        TimelineEntryCreate, json_body(), ignore=read_only(TimelineEntryRead, TimelineEntryCreate)
    )
    return write(
        lambda session: incident_services.add_timeline_entry(
            session, record, values, actor=current_user
        ),
        entry_json,
        status=201,
    )


@bp.post("/incidents/<int:record_id>/reports")
@documented(body=ExternalReportCreate, answer=ExternalReportRead)
def add_report(record_id: int):
    """Record a report made outside (CERT-FR, police, insurer, CNIL)"""
    record = get_or_404(Incident, record_id, Action.EDIT, options=INCIDENT_OPTIONS)
    values = validate(
        ExternalReportCreate,
        json_body(),
        ignore=read_only(ExternalReportRead, ExternalReportCreate),
    )
    return write(
        lambda session: incident_services.add_external_report(
            session, record, values, actor=current_user
        ),
        report_json,
        status=201,
    )


# --- corrective actions ---------------------------------------------------------------------


@bp.get("/corrective-actions")
@documented(query=ActionFilters, answer=CorrectiveActionRead, paged=True, errors=(400,))
def corrective_actions():
    """Corrective actions"""
    return _list(visible_actions(current_user, _filters(ActionFilters)), action_json)


@bp.post("/corrective-actions")
@documented(body=CorrectiveActionCreate, answer=CorrectiveActionRead)
def create_action():
    """Open a corrective action"""
    require(REGISTER, Action.CREATE)
    values = validate(CorrectiveActionCreate, json_body(), ignore=ACTION_READ_ONLY | {"version"})
    organisation_id = values.organisation_id
    if organisation_id is None and values.incident_id is not None:
        # An action raised by an incident belongs by default to the incident's organisation.
        linked = visible_reference(
            get_session(),
            Incident,
            values.incident_id,
            REGISTER,
            user=current_user,
            field="incident_id",
        )
        organisation_id = linked.organisation_id
    organisation_for(get_session(), organisation_id, REGISTER, Action.CREATE, user=current_user)
    return write(
        lambda session: action_services.create_action(session, values, actor=current_user),
        action_json,
        status=201,
        location=lambda record: url_for("api.incidents.corrective_action", record_id=record.id),
    )


@bp.get("/corrective-actions/<int:record_id>")
@documented(answer=CorrectiveActionRead)
def corrective_action(record_id: int):
    """A corrective action"""
    return action_json(get_or_404(CorrectiveAction, record_id, options=ACTION_OPTIONS))


@bp.patch("/corrective-actions/<int:record_id>")
@documented(body=CorrectiveActionPatch, answer=CorrectiveActionRead)
def update_action(record_id: int):
    """Update a corrective action (partial; `version` required)"""
    record = get_or_404(CorrectiveAction, record_id, Action.EDIT, options=ACTION_OPTIONS)

    def update(session):
        changes, version = _versioned(record, CorrectiveActionUpdate, ACTION_READ_ONLY)
        return action_services.update_action(
            session, record, changes, actor=current_user, version=version
        )

    return write(update, action_json)


@bp.post("/corrective-actions/<int:record_id>/transition")
@documented(body=CorrectiveActionTransitionPatch, answer=CorrectiveActionRead, status=200)
def transition_action(record_id: int):
    """Move a corrective action on (an effectiveness check is required before
    verified_effective)"""
    record = get_or_404(CorrectiveAction, record_id, Action.EDIT, options=ACTION_OPTIONS)

    def transition(session):
        step, version = _versioned(record, CorrectiveActionTransition)
        values = step.model_dump(exclude_unset=True, exclude={"status"})
        return action_services.transition_action(
            session, record, step.status, values, actor=current_user, version=version
        )

    return write(transition, action_json)
