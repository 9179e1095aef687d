"""The breach register's JSON API under /api/v1/breaches, with the pages' permissions and
scoping. Instants are given in ISO 8601 with their offset, in Paris time: the deadline reads as
the DPO and the CNIL read it, and the offset says whether it fell in summer or winter time."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.api import committed_json, json_body, page_args, page_json
from compliance.db import ConflictError, get_session
from compliance.i18n import PARIS
from compliance.pagination import paginate
from compliance.permissions import Action
from compliance.tenancy import organisation_for, require_somewhere
from registers.breaches import fields as f
from registers.breaches import services
from registers.breaches.clock import clock
from registers.breaches.models import PersonalDataBreach
from registers.breaches.openapi import PATHS, SCHEMAS
from registers.breaches.queries import (
    REGISTER,
    BreachFilters,
    FilterError,
    breach_or_404,
    visible_breaches,
)
from registers.incidents.common import FieldErrors

__all__ = ["PATHS", "SCHEMAS", "bp"]

# Nested in the kernel's API blueprint (/api/v1), whose authentication applies to it.
bp = Blueprint("breaches", __name__)

INSTANTS = (
    "started_at",
    "ended_at",
    "discovered_at",
    "controller_informed_at",
    "awareness_at",
    "notification_deadline",
    "decided_at",
    "communicated_at",
    "closed_at",
)
# Keys a client may send back as it read them: ignored, never written.
READ_ONLY = {
    "id",
    "reference",
    "status",
    "organisation",
    "incident",
    "processing_activities",
    "notification_deadline",
    "deadline_state",
    "late",
    "notifications",
    "decided_at",
    "not_notified_reason",
    "closed_at",
    "archived",
    "created_at",
    "updated_at",
}


def iso(value) -> str | None:
    """ISO 8601 with the offset of Paris at that instant: 2026-10-27T09:00:00+01:00."""
    return value.astimezone(PARIS).isoformat() if value is not None else None


def _value(value):
    return getattr(value, "value", value)


def breach_json(breach: PersonalDataBreach) -> dict:
    state = clock(breach)
    data = {"id": breach.id, "reference": breach.reference, "status": breach.status.value}
    for name in f.BREACH_FIELDS:
        if name != "processing_ids":
            data[name] = _value(getattr(breach, name))
    for name in INSTANTS:
        data[name] = iso(getattr(breach, name))
    data.update(
        processing_ids=[a.id for a in breach.activities],
        processing_activities=[
            {"id": a.id, "reference": a.reference, "name": a.name} for a in breach.activities
        ],
        deadline_state=state.state,
        late=state.is_late,
        not_notified_reason=breach.not_notified_reason,
        organisation={
            "id": breach.organisation.id,
            "slug": breach.organisation.slug,
            "name": breach.organisation.name,
        },
        incident={"id": breach.incident.id, "reference": breach.incident.reference}
        if breach.incident
        else None,
        notifications=[
            {
                "id": n.id,
                "kind": n.kind.value,
                "sent_at": iso(n.sent_at),
                "reference": n.reference,
                "notes": n.notes,
            }
            for n in breach.notifications
        ],
        archived=breach.is_archived,
        version=breach.version,
        created_at=iso(breach.created_at),
        updated_at=iso(breach.updated_at),
    )
    return data


def _error(status: int, error: str, message: str, **extra):
    response = jsonify(error=error, message=message, **extra)
    response.status_code = status
    return response


def _write(call, *, status: int = 200, location: bool = False):
    """Run a service call, commit and answer; field errors -> 422, conflicts -> 409."""
    session = get_session()
    try:
        breach = call(session)
        session.flush()
    except FieldErrors as error:
        session.rollback()
        return _error(422, "invalid", _("Certaines valeurs sont invalides."), errors=error.errors)
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
            current=breach_json(error.record),
        )
    body = committed_json(session, breach_json, breach)
    response = jsonify(body)
    response.status_code = status
    if location:
        response.headers["Location"] = url_for(".breach", breach_id=breach.id)
    return response


def _body() -> dict:
    return {k: v for k, v in json_body().items() if k not in READ_ONLY}


def _version(data: dict) -> int:
    version = data.pop("version", None)
    if not isinstance(version, int) or isinstance(version, bool):
        raise FieldErrors(
            {"version": _("obligatoire : la version que vous avez lue (un nombre entier)")}
        )
    return version


@bp.get("/breaches")
def breaches():
    try:
        filters = BreachFilters.from_args(request.args)
    except FilterError as error:
        return _error(400, "bad_request", str(error), errors={error.field: error.message})
    page, per_page = page_args()
    statement = visible_breaches(current_user, filters)
    return page_json(paginate(get_session(), statement, page=page, per_page=per_page), breach_json)


@bp.get("/breaches/<int:breach_id>")
def breach(breach_id: int):
    return breach_json(breach_or_404(breach_id))


@bp.post("/breaches")
def create_breach():
    require_somewhere(REGISTER, Action.CREATE)
    data = _body()
    organisation_for(
        get_session(), data.get("organisation_id"), REGISTER, Action.CREATE, user=current_user
    )
    return _write(
        lambda s: services.create_breach(s, data, actor=current_user), status=201, location=True
    )


@bp.patch("/breaches/<int:breach_id>")
def update_breach(breach_id: int):
    record = breach_or_404(breach_id, Action.EDIT)
    data = _body()

    def call(session):
        version = _version(data)
        return services.update_breach(session, record, data, actor=current_user, version=version)

    return _write(call)


@bp.post("/breaches/<int:breach_id>/notifications")
def add_notification(breach_id: int):
    record = breach_or_404(breach_id, Action.VALIDATE)
    data = json_body()

    def call(session):
        version = _version(data)
        services.record_notification(session, record, data, actor=current_user, version=version)
        return record

    return _write(call, status=201)


@bp.post("/breaches/<int:breach_id>/not-notifiable")
def not_notifiable(breach_id: int):
    record = breach_or_404(breach_id, Action.VALIDATE)
    data = json_body()

    def call(session):
        version = _version(data)
        return services.decide_not_notifiable(
            session, record, data, actor=current_user, version=version
        )

    return _write(call)
