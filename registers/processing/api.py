"""The record of processing activities' JSON API under /api/v1/processing-activities, with the
pages' permissions and scoping: list (filters organisation, status, application, dpia_required),
detail, create, update (with the version read: 409 on conflict), submit, validate, send back."""

from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from compliance.access import get_or_404, require
from compliance.api import json_body, json_error, list_json, write
from compliance.db import get_session
from compliance.openapi import documented
from compliance.permissions import Action
from compliance.schemas import FilterError
from compliance.tenancy import (
    Organisation,
    organisation_for,
    unknown_reference_message,
)
from registers.processing import compute, services, template_activities
from registers.processing import queries as q
from registers.processing.models import ProcessingActivity
from registers.processing.schemas import (
    READ_ONLY,
    ActivityCreateBody,
    ActivityDetail,
    ActivityFilters,
    ActivityRead,
    ActivityUpdate,
    ActivityUpdateBody,
    SendBackBody,
    ValidateBody,
    check,
)
from registers.processing.serialise import activity_data

__all__ = ["bp"]

# Nested in the kernel's API blueprint (/api/v1), whose authentication applies to it.
bp = Blueprint("processing", __name__)


# --- serialisation ------------------------------------------------------------------------------


def activity_json(activity, *, detail: bool = False) -> dict:
    data = activity_data(activity)
    data["organisation"] = activity.organisation
    result = compute.completeness(activity)
    data["completeness"] = {
        "score": result.score,
        "missing": [{"code": i.code, "label": str(i.label)} for i in result.missing],
    }
    data["warnings"] = [
        {"code": w.code, "message": str(w.message)} for w in compute.warnings(activity)
    ]
    if not detail:
        return answer(ActivityRead, data)
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
        data["divergence"] = [s.name for s in template_activities.divergence(activity)]
    return answer(ActivityDetail, data)


def answer(schema, data: dict) -> dict:
    """`data` read through `schema`, as JSON values; keys it does not hold stay out."""
    return schema.model_validate(data).model_dump(mode="json", exclude_unset=True)


# --- helpers ------------------------------------------------------------------------------------


def _version(data: dict, *, required: bool) -> int | None:
    version = data.pop("version", None)
    if version is None and required:
        abort(
            json_error(
                422,
                "invalid",
                _("Certaines valeurs sont invalides."),
                errors={"version": _("est obligatoire")},
            )
        )
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        abort(
            json_error(
                422,
                "invalid",
                _("Certaines valeurs sont invalides."),
                errors={"version": _("doit être un nombre")},
            )
        )
    return version


def _run(action, status: int = 200):
    """Run a service call on an activity, commit and answer it in detail (the kernel's write);
    a created activity's address in Location."""
    return write(
        action,
        lambda record: activity_json(record, detail=True),
        status=status,
        current=activity_json,
        location=(
            (lambda record: url_for("api.processing.activity", record_id=record.id))
            if status == 201
            else None
        ),
    )


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
            json_error(
                422,
                "invalid",
                _("Indiquez l'organisation."),
                errors={"organisation_id": _("est obligatoire")},
            )
        )
    return organisation_for(session, raw_id, q.REGISTER, Action.CREATE, user=current_user)


# --- endpoints ---------------------------------------------------------------------------------


@bp.get("/processing-activities")
@documented(answer=ActivityRead, query=ActivityFilters, paged=True, errors=(400,))
def activities():
    """Processing activities the token's user may read"""
    try:
        filters = ActivityFilters.from_args(request.args)
    except FilterError as error:
        abort(json_error(400, "bad_request", str(error), errors={error.field: error.message}))
    statement = q.visible_activities(current_user, filters, selected=False)
    return list_json(statement, activity_json)


@bp.post("/processing-activities")
@documented(body=ActivityCreateBody, answer=ActivityDetail)
def create_activity():
    """Create a draft activity in an organisation (organisation_id, or its slug: organisation)"""
    require(q.REGISTER, Action.CREATE)
    data = json_body()
    organisation = _organisation(data)
    data.pop("version", None)
    return _run(
        lambda session: services.create_processing(
            session,
            organisation,
            check(ActivityCreateBody, data, ignore=READ_ONLY),
            actor=current_user,
        ),
        201,
    )


@bp.get("/processing-activities/<int:record_id>")
@documented(answer=ActivityDetail)
def activity(record_id: int):
    """One activity"""
    return activity_json(get_or_404(ProcessingActivity, record_id), detail=True)


@bp.patch("/processing-activities/<int:record_id>")
@documented(body=ActivityUpdateBody, answer=ActivityDetail)
def update_activity(record_id: int):
    """Update an activity (send the version read: 409 if it changed)"""
    record = get_or_404(ProcessingActivity, record_id, Action.EDIT)
    data = json_body()
    version = _version(data, required=True)
    return _run(
        lambda session: services.update_processing(
            session,
            record,
            check(ActivityUpdate, data, ignore=READ_ONLY),
            actor=current_user,
            version=version,
        )
    )


@bp.post("/processing-activities/<int:record_id>/submit")
@documented(answer=ActivityDetail, status=200)
def submit_activity(record_id: int):
    """Submit a draft to the DPO"""
    record = get_or_404(ProcessingActivity, record_id, Action.EDIT)
    data = json_body() if request.data else {}
    version = _version(data, required=False)
    return _run(
        lambda session: services.submit_processing(
            session, record, actor=current_user, version=version
        )
    )


@bp.post("/processing-activities/<int:record_id>/validate")
@documented(body=ValidateBody, answer=ActivityDetail, status=200)
def validate_activity(record_id: int):
    """Validate an activity (the DPO): remarks, next_review_on; override_reason to validate
    despite missing Art. 30 items or DPIA screening (422 names each one otherwise)"""
    record = get_or_404(ProcessingActivity, record_id, Action.VALIDATE)
    data = json_body() if request.data else {}
    version = _version(data, required=False)
    values = _checked(ValidateBody, data)
    return _run(
        lambda session: services.validate_processing(
            session,
            record,
            actor=current_user,
            version=version,
            # Sent blank, the remarks are cleared; not sent (or null), they stay.
            remarks=None if data.get("remarks") is None else values.remarks or "",
            next_review_on=values.next_review_on,
            override_reason=values.override_reason,
        )
    )


@bp.post("/processing-activities/<int:record_id>/send-back")
@documented(body=SendBackBody, answer=ActivityDetail, status=200)
def send_back_activity(record_id: int):
    """Send an activity back to its referent with remarks (the DPO)"""
    record = get_or_404(ProcessingActivity, record_id, Action.VALIDATE)
    data = json_body()
    version = _version(data, required=False)
    values = _checked(SendBackBody, data)
    return _run(
        lambda session: services.send_back_processing(
            session, record, actor=current_user, remarks=values.remarks, version=version
        )
    )


def _checked(schema, data: dict):
    """A workflow step's body checked by `schema`; 422 otherwise."""
    try:
        return check(schema, data)
    except services.FieldErrors as error:
        abort(
            json_error(422, "invalid", _("Certaines valeurs sont invalides."), errors=error.errors)
        )
