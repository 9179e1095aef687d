"""The incident log's JSON API under /api/v1/: incidents (with their timeline, reports and
impact) and corrective actions, with the pages' permissions and scoping (see queries.py)."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import get_or_404, require
from compliance.api import committed_json, json_body, page_args, page_json
from compliance.db import ConflictError, get_session
from compliance.pagination import paginate
from compliance.permissions import Action
from compliance.tenancy import organisation_for, visible_reference
from registers.incidents import corrective_actions as action_services
from registers.incidents import fields as f
from registers.incidents import services
from registers.incidents.common import FieldErrors, today
from registers.incidents.models import CorrectiveAction, Incident
from registers.incidents.openapi import PATHS, SCHEMAS
from registers.incidents.queries import (
    ACTION_OPTIONS,
    INCIDENT_OPTIONS,
    REGISTER,
    ActionFilters,
    FilterError,
    IncidentFilters,
    impact,
    visible_actions,
    visible_incidents,
)

__all__ = ["PATHS", "SCHEMAS", "bp"]

# Nested in the kernel's API blueprint (/api/v1), whose authentication applies to it.
bp = Blueprint("incidents", __name__)

# Keys a client may send back as it read them: ignored, never written.
READ_ONLY = {
    "id",
    "reference",
    "status",
    "classification",
    "created_at",
    "updated_at",
    "archived",
    "organisation",
    "applications",
    "affected_organisations",
    "timeline",
    "reports",
    "impact",
    "corrective_actions",
    "incident",
    "overdue",
    "assessed_at",
    "response_started_at",
    "lessons_learnt_at",
    "closed_at",
    "status_changed_at",
    "implemented_on",
    "check_on",
    "check_method",
    "check_result",
    "evidence_reference",
}


# --- serialisation --------------------------------------------------------------------------


def _iso(value):
    return value.isoformat() if value is not None else None


def _value(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return getattr(value, "value", value)


def _ref(record, *names) -> dict | None:
    if record is None:
        return None
    return {"id": record.id, **{name: getattr(record, name) for name in names}}


def incident_json(incident: Incident) -> dict:
    data = {"id": incident.id, "reference": incident.reference}
    for name in f.INCIDENT_FIELDS:
        if name not in ("application_ids", "organisation_ids"):
            data[name] = _value(getattr(incident, name))
    for name in ("status", "classification"):
        data[name] = _value(getattr(incident, name))
    for name in ("assessed_at", "response_started_at", "lessons_learnt_at", "closed_at"):
        data[name] = _iso(getattr(incident, name))
    data["organisation"] = _ref(incident.organisation, "slug", "name")
    data["applications"] = [_ref(a, "name") for a in incident.applications]
    data["application_ids"] = [a.id for a in incident.applications]
    data["affected_organisations"] = [
        _ref(o, "slug", "name") for o in incident.affected_organisations
    ]
    data["organisation_ids"] = [o.id for o in incident.affected_organisations]
    data.update(
        archived=incident.is_archived,
        version=incident.version,
        created_at=_iso(incident.created_at),
        updated_at=_iso(incident.updated_at),
    )
    return data


def entry_json(entry) -> dict:
    return {
        "id": entry.id,
        "at": _iso(entry.at),
        "kind": entry.kind.value,
        "text": entry.text,
        "author": entry.author_label,
        "author_id": entry.author_id,
    }


def report_json(report) -> dict:
    return {
        "id": report.id,
        "kind": report.kind.value,
        "made_on": _iso(report.made_on),
        "reference": report.reference,
        "notes": report.notes,
    }


def incident_detail_json(incident: Incident) -> dict:
    data = incident_json(incident)
    affected = impact(incident, current_user)
    data["timeline"] = [entry_json(e) for e in incident.entries]
    data["reports"] = [report_json(r) for r in incident.reports]
    data["impact"] = {
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
    }
    data["corrective_actions"] = [
        _ref(a, "reference", "title") for a in incident.actions if not a.is_archived
    ]
    return data


def action_json(action: CorrectiveAction) -> dict:
    data = {"id": action.id, "reference": action.reference}
    for name in f.ACTION_FIELDS:
        data[name] = _value(getattr(action, name))
    for name in ("status", "status_changed_at", "closed_at", *f.CHECK_FIELDS):
        data[name] = _value(getattr(action, name))
    data["overdue"] = action.is_overdue(today())
    data["incident"] = _ref(action.incident, "reference", "title")
    data["organisation"] = _ref(action.organisation, "slug", "name")
    data.update(
        archived=action.is_archived,
        version=action.version,
        created_at=_iso(action.created_at),
        updated_at=_iso(action.updated_at),
    )
    return data


# --- helpers --------------------------------------------------------------------------------


def _error(status: int, error: str, message: str, **extra):
    response = jsonify(error=error, message=message, **extra)
    response.status_code = status
    return response


def _invalid(errors: dict):
    return _error(422, "invalid", _("Certaines valeurs sont invalides."), errors=errors)


def _body(spec, *extra) -> tuple[dict, dict]:
    """The JSON body without its read-only keys, and the unknown keys it holds."""
    data = json_body()
    unknown = {
        key: _("champ inconnu")
        for key in data
        if key not in spec and key not in extra and key not in READ_ONLY and key != "version"
    }
    return {k: v for k, v in data.items() if k not in READ_ONLY}, unknown


def _version(data: dict) -> int:
    version = data.pop("version", None)
    if not isinstance(version, int) or isinstance(version, bool):
        raise FieldErrors(
            {"version": _("obligatoire : la version que vous avez lue (un nombre entier)")}
        )
    return version


def _filters(filter_cls):
    try:
        return filter_cls.from_args(request.args)
    except FilterError as error:
        abort(_error(400, "bad_request", str(error), errors={error.field: error.message}))


def _list(statement, serialise):
    page, per_page = page_args()
    return page_json(paginate(get_session(), statement, page=page, per_page=per_page), serialise)


def _write(action, serialise, status: int = 200, location=None):
    """Run a service call, commit and answer; field errors -> 422, conflicts -> 409."""
    session = get_session()
    try:
        record = action(session)
        session.flush()
    except FieldErrors as error:
        session.rollback()
        return _invalid(error.errors)
    except ConflictError as error:
        session.rollback()
        session.refresh(error.record)
        return _error(
            409,
            "conflict",
            _(
                "La fiche a changé entre-temps : rechargez-la et appliquez de nouveau votre "
                "modification."
            ),
            current=serialise(error.record),
        )
    body = committed_json(session, serialise, record)
    response = jsonify(body)
    response.status_code = status
    if location:
        response.headers["Location"] = location(record)
    return response


# --- incidents ------------------------------------------------------------------------------


@bp.get("/incidents")
def incidents():
    return _list(visible_incidents(current_user, _filters(IncidentFilters)), incident_json)


@bp.post("/incidents")
def create_incident():
    require(REGISTER, Action.CREATE)
    data, unknown = _body(f.INCIDENT_FIELDS)
    if unknown:
        return _invalid(unknown)
    try:
        organisation_id = f.identifier(data.get("organisation_id"))
    except ValueError as error:
        return _invalid({"organisation_id": str(error)})
    organisation_for(get_session(), organisation_id, REGISTER, Action.CREATE, user=current_user)
    return _write(
        lambda session: services.create_incident(session, data, actor=current_user),
        incident_detail_json,
        201,
        lambda record: url_for("api.incidents.incident", record_id=record.id),
    )


@bp.get("/incidents/<int:record_id>")
def incident(record_id: int):
    return incident_detail_json(get_or_404(Incident, record_id, options=INCIDENT_OPTIONS))


@bp.patch("/incidents/<int:record_id>")
def update_incident(record_id: int):
    record = get_or_404(Incident, record_id, Action.EDIT, options=INCIDENT_OPTIONS)
    data, unknown = _body(f.INCIDENT_FIELDS)
    unknown.update(
        {"organisation_id": _("ne peut pas changer")} if "organisation_id" in data else {}
    )
    if unknown:
        return _invalid(unknown)

    def update(session):
        version = _version(data)
        return services.update_incident(session, record, data, actor=current_user, version=version)

    return _write(update, incident_detail_json)


TRANSITION_KEYS = ("status", "at", "comment", "classification", "severity", "lessons_learnt")


@bp.post("/incidents/<int:record_id>/transition")
def transition_incident(record_id: int):
    record = get_or_404(Incident, record_id, Action.EDIT, options=INCIDENT_OPTIONS)
    data = json_body()
    unknown = {k: _("champ inconnu") for k in data if k not in (*TRANSITION_KEYS, "version")}
    if unknown:
        return _invalid(unknown)

    def transition(session):
        version = _version(data)
        values = {k: data.get(k) for k in TRANSITION_KEYS if k != "status"}
        return services.transition_incident(
            session, record, data.get("status"), actor=current_user, version=version, **values
        )

    return _write(transition, incident_detail_json)


@bp.get("/incidents/<int:record_id>/timeline")
def timeline(record_id: int):
    record = get_or_404(Incident, record_id, options=INCIDENT_OPTIONS)
    return {"items": [entry_json(e) for e in record.entries]}


@bp.post("/incidents/<int:record_id>/timeline")
def add_entry(record_id: int):
    record = get_or_404(Incident, record_id, Action.EDIT, options=INCIDENT_OPTIONS)
    data, unknown = _body(f.ENTRY_FIELDS)
    if unknown:
        return _invalid(unknown)
    return _write(
        lambda session: services.add_timeline_entry(session, record, data, actor=current_user),
        entry_json,
        201,
    )


@bp.post("/incidents/<int:record_id>/reports")
def add_report(record_id: int):
    record = get_or_404(Incident, record_id, Action.EDIT, options=INCIDENT_OPTIONS)
    data, unknown = _body(f.REPORT_FIELDS)
    if unknown:
        return _invalid(unknown)
    return _write(
        lambda session: services.add_external_report(session, record, data, actor=current_user),
        report_json,
        201,
    )


# --- corrective actions ---------------------------------------------------------------------


@bp.get("/corrective-actions")
def corrective_actions():
    return _list(visible_actions(current_user, _filters(ActionFilters)), action_json)


@bp.post("/corrective-actions")
def create_action():
    require(REGISTER, Action.CREATE)
    data, unknown = _body(f.ACTION_FIELDS)
    if unknown:
        return _invalid(unknown)
    errors = {}
    for name in ("organisation_id", "incident_id"):
        try:
            data[name] = f.identifier(data.get(name))
        except ValueError as error:
            errors[name] = str(error)
    if errors:
        return _invalid(errors)
    organisation_id = data["organisation_id"]
    if organisation_id is None and data["incident_id"] is not None:
        # An action raised by an incident belongs by default to the incident's organisation.
        linked = visible_reference(
            get_session(),
            Incident,
            data["incident_id"],
            REGISTER,
            user=current_user,
            field="incident_id",
        )
        organisation_id = linked.organisation_id
    organisation_for(get_session(), organisation_id, REGISTER, Action.CREATE, user=current_user)
    return _write(
        lambda session: action_services.create_action(session, data, actor=current_user),
        action_json,
        201,
        lambda record: url_for("api.incidents.corrective_action", record_id=record.id),
    )


@bp.get("/corrective-actions/<int:record_id>")
def corrective_action(record_id: int):
    return action_json(get_or_404(CorrectiveAction, record_id, options=ACTION_OPTIONS))


@bp.patch("/corrective-actions/<int:record_id>")
def update_action(record_id: int):
    record = get_or_404(CorrectiveAction, record_id, Action.EDIT, options=ACTION_OPTIONS)
    data, unknown = _body(f.ACTION_FIELDS)
    if unknown:
        return _invalid(unknown)

    def update(session):
        version = _version(data)
        return action_services.update_action(
            session, record, data, actor=current_user, version=version
        )

    return _write(update, action_json)


@bp.post("/corrective-actions/<int:record_id>/transition")
def transition_action(record_id: int):
    record = get_or_404(CorrectiveAction, record_id, Action.EDIT, options=ACTION_OPTIONS)
    data = json_body()
    allowed = ("status", "version", *f.CHECK_FIELDS)
    unknown = {k: _("champ inconnu") for k in data if k not in allowed}
    if unknown:
        return _invalid(unknown)

    def transition(session):
        version = _version(data)
        step = {k: data[k] for k in f.CHECK_FIELDS if k in data}
        return action_services.transition_action(
            session, record, data.get("status"), step, actor=current_user, version=version
        )

    return _write(transition, action_json)
