"""The record of processing activities' JSON API under /api/v1/processing-activities, with the
pages' permissions and scoping: list (filters organisation, status, application, dpia_required),
detail, create, update (with the version read: 409 on conflict), submit, validate, send back."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from compliance.api import committed_json, json_body, page_args, page_json
from compliance.db import ConflictError, get_session
from compliance.pagination import paginate
from compliance.permissions import Action
from compliance.tenancy import (
    Organisation,
    organisation_for,
    require_somewhere,
    unknown_reference_message,
)
from registers.applications.fields import day
from registers.processing import compute, models_sync, services
from registers.processing import queries as q
from registers.processing.fields import ACTIVITY_FIELDS, CHILD_FIELDS
from registers.processing.openapi import PATHS, SCHEMAS
from registers.processing.serialise import activity_data

__all__ = ["PATHS", "SCHEMAS", "bp"]

# Nested in the kernel's API blueprint (/api/v1), whose authentication applies to it.
bp = Blueprint("processing", __name__)

WRITABLE = {*ACTIVITY_FIELDS, *CHILD_FIELDS, "application_ids"}
# Keys a client may send back as it read them; they are ignored, never written.
READ_ONLY = {
    "id",
    "organisation",
    "applications",
    "dpia_required",
    "status",
    "submitted_at",
    "validated_at",
    "dpo_remarks",
    "is_model",
    "model_id",
    "created_at",
    "updated_at",
    "completeness",
    "warnings",
    "dpia_screening",
    "inherited_measures",
    "divergence",
}


# --- serialisation ------------------------------------------------------------------------------


def activity_json(activity, *, detail: bool = False) -> dict:
    data = activity_data(activity)
    data["organisation"] = {
        "id": activity.organisation.id,
        "slug": activity.organisation.slug,
        "name": activity.organisation.name,
    }
    result = compute.completeness(activity)
    warnings = compute.warnings(activity)
    data["completeness"] = {
        "score": result.score,
        "missing": [{"code": i.code, "label": str(i.label)} for i in result.missing],
    }
    data["warnings"] = [{"code": w.code, "message": str(w.message)} for w in warnings]
    if detail:
        screening = compute.screen_activity(activity)
        data["dpia_screening"] = {
            "required": screening.required,
            "reasons": [str(r) for r in screening.reasons],
        }
        data["inherited_measures"] = [
            {"family": m.family.value, "details": str(m.details), "application": m.application}
            for m in q.inherited_measures(activity)
        ]
        if activity.model_id:
            data["divergence"] = [s.name for s in models_sync.divergence(activity)]
    return data


# --- helpers ------------------------------------------------------------------------------------


def _error(status: int, error: str, message: str, errors: dict | None = None):
    response = jsonify(error=error, message=message, **({"errors": errors} if errors else {}))
    response.status_code = status
    return response


def _body_from(data: dict) -> dict:
    """The writable fields of a body (what was read and sent back is ignored); 422 on an
    unknown key."""
    unknown = {k: _("champ inconnu") for k in data if k not in WRITABLE | READ_ONLY}
    if unknown:
        abort(_error(422, "invalid", _("Certains champs sont inconnus."), unknown))
    return {k: v for k, v in data.items() if k not in READ_ONLY}


def _version(data: dict, *, required: bool) -> int | None:
    version = data.pop("version", None)
    if version is None and required:
        abort(
            _error(
                422,
                "invalid",
                _("Certaines valeurs sont invalides."),
                {"version": _("est obligatoire")},
            )
        )
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        abort(
            _error(
                422,
                "invalid",
                _("Certaines valeurs sont invalides."),
                {"version": _("doit être un nombre")},
            )
        )
    return version


def _run(action, status: int = 200):
    """Run a service call, commit and answer: 422 invalid, 403 denied, 409 conflict."""
    session = get_session()
    try:
        activity = action(session)
        session.flush()
    except services.FieldErrors as error:
        session.rollback()
        return _error(422, "invalid", _("Certaines valeurs sont invalides."), error.errors)
    except services.PermissionDenied as error:
        session.rollback()
        return _error(403, "forbidden", str(error))
    except services.ServiceError as error:
        session.rollback()
        return _error(422, "invalid", str(error), {"_": str(error)})
    except ConflictError as error:
        session.rollback()
        session.refresh(error.record)
        response = jsonify(
            error="conflict",
            message=_(
                "La fiche a changé entre-temps : rechargez-la et appliquez de nouveau votre "
                "modification."
            ),
            current=activity_json(error.record),
        )
        response.status_code = 409
        return response
    body = committed_json(session, lambda record: activity_json(record, detail=True), activity)
    response = jsonify(body)
    response.status_code = status
    if status == 201:
        response.headers["Location"] = url_for("api.processing.activity", record_id=activity.id)
    return response


def _organisation(data: dict) -> Organisation:
    """The organisation of a new activity: `organisation_id` or `organisation` (slug)."""
    session = get_session()
    raw_id = data.pop("organisation_id", None)
    slug = data.pop("organisation", None)
    if raw_id is None and isinstance(slug, str):
        found = session.scalar(select(Organisation.id).where(Organisation.slug == slug))
        try:
            return organisation_for(session, found, q.REGISTER, Action.CREATE, user=current_user)
        except services.FieldErrors:
            # An unknown slug and an invisible one alike.
            raise services.FieldErrors(
                {"organisation": unknown_reference_message([slug])}
            ) from None
    if raw_id is None:
        abort(
            _error(
                422,
                "invalid",
                _("Indiquez l'organisation."),
                {"organisation_id": _("est obligatoire")},
            )
        )
    return organisation_for(session, raw_id, q.REGISTER, Action.CREATE, user=current_user)


# --- endpoints ----------------------------------------------------------------------------------


@bp.get("/processing-activities")
def activities():
    try:
        filters = q.ProcessingFilters.from_args(request.args)
    except q.FilterError as error:
        abort(_error(400, "bad_request", str(error), {error.field: error.message}))
    statement = q.visible_activities(current_user, filters, selected=False)
    page, per_page = page_args()
    return page_json(
        paginate(get_session(), statement, page=page, per_page=per_page), activity_json
    )


@bp.post("/processing-activities")
def create_activity():
    require_somewhere(q.REGISTER, Action.CREATE)
    data = json_body()
    organisation = _organisation(data)
    data.pop("version", None)
    data = _body_from(data)
    return _run(
        lambda session: services.create_processing(session, organisation, data, actor=current_user),
        201,
    )


@bp.get("/processing-activities/<int:record_id>")
def activity(record_id: int):
    return activity_json(q.activity_or_404(record_id), detail=True)


@bp.patch("/processing-activities/<int:record_id>")
def update_activity(record_id: int):
    record = q.activity_or_404(record_id, Action.EDIT)
    data = json_body()
    version = _version(data, required=True)
    data = _body_from(data)
    return _run(
        lambda session: services.update_processing(
            session, record, data, actor=current_user, version=version
        )
    )


@bp.post("/processing-activities/<int:record_id>/submit")
def submit_activity(record_id: int):
    record = q.activity_or_404(record_id, Action.EDIT)
    data = json_body() if request.data else {}
    version = _version(data, required=False)
    return _run(
        lambda session: services.submit_processing(
            session, record, actor=current_user, version=version
        )
    )


@bp.post("/processing-activities/<int:record_id>/validate")
def validate_activity(record_id: int):
    record = q.activity_or_404(record_id, Action.VALIDATE)
    data = json_body() if request.data else {}
    version = _version(data, required=False)
    try:
        next_review = day(data.get("next_review_on"))
    except ValueError as error:
        abort(
            _error(
                422,
                "invalid",
                _("Certaines valeurs sont invalides."),
                {"next_review_on": str(error)},
            )
        )
    remarks = data.get("remarks")
    if remarks is not None and not isinstance(remarks, str):
        abort(
            _error(
                422,
                "invalid",
                _("Certaines valeurs sont invalides."),
                {"remarks": _("doit être du texte")},
            )
        )
    return _run(
        lambda session: services.validate_processing(
            session,
            record,
            actor=current_user,
            version=version,
            remarks=remarks,
            next_review_on=next_review,
        )
    )


@bp.post("/processing-activities/<int:record_id>/send-back")
def send_back_activity(record_id: int):
    record = q.activity_or_404(record_id, Action.VALIDATE)
    data = json_body()
    version = _version(data, required=False)
    remarks = data.get("remarks")
    if not isinstance(remarks, str):
        abort(
            _error(
                422,
                "invalid",
                _("Certaines valeurs sont invalides."),
                {"remarks": _("est obligatoire")},
            )
        )
    return _run(
        lambda session: services.send_back_processing(
            session, record, actor=current_user, remarks=remarks, version=version
        )
    )
