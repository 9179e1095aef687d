"""The roadmap's JSON API under /api/v1/: roadmaps, roadmap actions and the hygiene
self-assessment, with the pages' permissions and scoping (see queries.py)."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from compliance.api import committed_json, json_body, page_args, page_json
from compliance.auth import can
from compliance.db import ConflictError, get_session
from compliance.pagination import paginate
from compliance.permissions import Action
from compliance.tenancy import (
    Organisation,
    refuse_organisation_change,
    require_somewhere,
    visible_reference,
)
from registers.roadmap import compute, services
from registers.roadmap import fields as f
from registers.roadmap import queries as q
from registers.roadmap.catalogue import ATTRIBUTION, all_measures
from registers.roadmap.models import HygieneMeasure, Roadmap, RoadmapAction
from registers.roadmap.openapi import PATHS, SCHEMAS

__all__ = ["PATHS", "SCHEMAS", "bp"]

# Nested in the kernel's API blueprint (/api/v1), whose authentication applies to it.
bp = Blueprint("roadmap", __name__)

READ_ONLY = {"id", "organisation_id", "organisation", "late", "created_at", "updated_at"}
READ_ONLY |= {"archived_at", "milestones", "links", "estimated_total", "spent_total", "roadmap"}


def _iso(value):
    return value.isoformat() if value is not None else None


def roadmap_json(roadmap: Roadmap) -> dict:
    data = {"id": roadmap.id, "organisation_id": roadmap.organisation_id}
    for name in f.ROADMAP_FIELDS:
        value = getattr(roadmap, name)
        data[name] = _iso(value) if hasattr(value, "isoformat") else value
    return {**data, "archived": roadmap.is_archived, "version": roadmap.version}


def action_json(action: RoadmapAction) -> dict:
    data = {
        "id": action.id,
        "roadmap_id": action.roadmap_id,
        "organisation_id": action.organisation_id,
    }
    for name in f.ACTION_FIELDS:
        value = getattr(action, name)
        data[name] = _iso(value) if hasattr(value, "isoformat") else value
    data.update(
        late=action.is_late(compute.today()),
        estimated_total=action.estimated_total,
        spent_total=action.spent_total,
        measures=[m.ref for m in action.measures],
        milestones=[
            {"id": m.id, "due_on": m.due_on.isoformat(), "label": m.label, "done": m.done}
            for m in action.milestones
        ],
        archived=action.is_archived,
        version=action.version,
    )
    return data


def _detail_json(action: RoadmapAction) -> dict:
    return {
        **action_json(action),
        "application_ids": [a.id for a in action.applications],
        "incident_ids": [i.id for i in action.incidents],
        "corrective_action_ids": [c.id for c in action.corrective_actions],
    }


def _invalid(errors: dict[str, str]):
    response = jsonify(
        error="invalid", message=_("Certaines valeurs sont invalides."), errors=errors
    )
    response.status_code = 422
    return response


def _body(*specs) -> tuple[dict, dict]:
    data = json_body()
    allowed = set().union(*specs) | {"version", "archived"}
    unknown = {k: _("champ inconnu") for k in data if k not in allowed and k not in READ_ONLY}
    return {k: v for k, v in data.items() if k not in READ_ONLY}, unknown


def _write(action, serialise, status: int = 200):
    """Run a service call, commit and answer; field errors -> 422, conflicts -> 409."""
    session = get_session()
    try:
        record = action(session)
        session.flush()
    except services.FieldErrors as error:
        session.rollback()
        return _invalid(error.errors)
    except ConflictError as error:
        session.rollback()
        session.refresh(error.record)
        response = jsonify(
            error="conflict",
            message=_(
                "La fiche a changé entre-temps : rechargez-la et appliquez de nouveau votre "
                "modification."
            ),
            current=serialise(error.record),
        )
        response.status_code = 409
        return response
    body = committed_json(session, serialise, record)
    return body, status


def _filters() -> q.ActionFilters:
    try:
        return q.ActionFilters.from_args(request.args)
    except q.FilterError as error:
        response = jsonify(
            error="bad_request", message=str(error), errors={error.field: error.message}
        )
        response.status_code = 400
        abort(response)


def _version(data: dict) -> int:
    version = data.pop("version", None)
    if version is None:
        raise services.FieldErrors({"version": _("est obligatoire (la version que vous avez lue)")})
    if not isinstance(version, int) or isinstance(version, bool):
        raise services.FieldErrors({"version": _("doit être un nombre entier")})
    return version


# --- roadmaps and actions ---------------------------------------------------------------------


@bp.get("/roadmaps")
def roadmaps():
    page, per_page = page_args()
    statement = q.visible_roadmaps(current_user, selected=False)
    return page_json(paginate(get_session(), statement, page=page, per_page=per_page), roadmap_json)


@bp.get("/roadmaps/<int:record_id>")
def roadmap(record_id: int):
    return roadmap_json(q.roadmap_or_404(record_id))


@bp.get("/roadmap-actions")
def actions():
    page, per_page = page_args()
    statement = q.visible_actions(current_user, _filters(), selected=False)
    return page_json(paginate(get_session(), statement, page=page, per_page=per_page), action_json)


@bp.post("/roadmap-actions")
def create_action():
    require_somewhere(q.REGISTER, Action.CREATE)
    data, unknown = _body(f.ACTION_FIELDS, f.ACTION_LINKS, {"roadmap_id"})
    if unknown:
        return _invalid(unknown)
    try:
        roadmap_id = f.IDENTIFIER(data.pop("roadmap_id", None))
    except ValueError as error:
        return _invalid({"roadmap_id": str(error)})
    if roadmap_id is None:
        return _invalid({"roadmap_id": _("est obligatoire")})
    record = visible_reference(
        get_session(), Roadmap, roadmap_id, q.REGISTER, user=current_user, field="roadmap_id"
    )
    if not can(q.REGISTER, Action.CREATE, record.organisation_id):
        abort(403)
    result = _write(
        lambda session: services.create_action(session, record, data, actor=current_user),
        _detail_json,
        201,
    )
    if not isinstance(result, tuple):
        return result
    body, status = result
    response = jsonify(body)
    response.status_code = status
    response.headers["Location"] = url_for("api.roadmap.action", record_id=body["id"])
    return response


@bp.get("/roadmap-actions/<int:record_id>")
def action(record_id: int):
    return _detail_json(q.action_or_404(record_id))


@bp.patch("/roadmap-actions/<int:record_id>")
def update_action(record_id: int):
    record = q.action_or_404(record_id, Action.EDIT)
    refuse_organisation_change(record, dict(json_body()))
    data, unknown = _body(f.ACTION_FIELDS, f.ACTION_LINKS)
    if unknown:
        return _invalid(unknown)

    def update(session):
        version = _version(data)
        archived = data.pop("archived", None)
        if archived not in (None, True, False):
            raise services.FieldErrors({"archived": _("doit valoir vrai ou faux")})
        services.update_action(session, record, data, actor=current_user, version=version)
        if archived is True:
            services.archive_action(session, record, actor=current_user)
        elif archived is False:
            services.restore_action(session, record, actor=current_user)
        return record

    return _write(update, _detail_json)


# --- the hygiene self-assessment --------------------------------------------------------------


def _organisation(value: str | None, action: Action = Action.READ) -> Organisation:
    if not value:
        abort(400, _("le paramètre organisation (slug ou identifiant) est obligatoire"))
    column = Organisation.id if value.isdigit() else Organisation.slug
    organisation = get_session().scalar(
        select(Organisation).where(column == (int(value) if value.isdigit() else value))
    )
    if organisation is None or not can(q.REGISTER, Action.READ, organisation.id):
        abort(404)
    if action != Action.READ and not can(q.REGISTER, action, organisation.id):
        abort(403)
    return organisation


def _measure_row_json(row: compute.MeasureRow) -> dict:
    return {
        "ref": row.measure.ref,
        "measure": row.measure.measure,
        "level": row.measure.level.value,
        "theme": row.measure.theme.value,
        "title": row.measure.title,
        "title_en": row.measure.title_en,
        "state": row.state.value if row.state else None,
        "comment": row.assessment.comment if row.assessment else None,
        "assessed_on": _iso(row.assessment.assessed_on) if row.assessment else None,
        "version": row.assessment.version if row.assessment else None,
        "coverage": row.coverage,
        "actions": [{"id": a.id, "code": a.code, "status": a.status.value} for a in row.actions],
    }


def _rows(organisation: Organisation) -> list[compute.MeasureRow]:
    return compute.measure_rows(
        all_measures(get_session()),
        q.assessments_of(organisation.id),
        q.organisation_actions(organisation.id),
    )


@bp.get("/hygiene-assessment")
def hygiene_assessment():
    organisation = _organisation(request.args.get("organisation"))
    rows = _rows(organisation)
    summary = compute.coverage(rows)
    return {
        "organisation": {"id": organisation.id, "slug": organisation.slug},
        "source": ATTRIBUTION,
        "coverage": {
            "total": summary.total,
            "covered_percent": summary.covered,
            "applied_percent": summary.applied,
            "counts": summary.counts,
        },
        "items": [_measure_row_json(row) for row in rows],
    }


@bp.put("/hygiene-assessment/<organisation>/<ref>")
def assess(organisation: str, ref: str):
    target = _organisation(organisation, Action.EDIT)
    measure = get_session().scalar(select(HygieneMeasure).where(HygieneMeasure.ref == ref))
    if measure is None:
        abort(404)
    data, unknown = _body(f.ASSESSMENT_FIELDS)
    if unknown:
        return _invalid(unknown)

    def write(session):
        existing = services.find_assessment(session, target.id, measure.id)
        version = _version(data) if existing is not None else data.pop("version", None)
        services.assess_measure(session, target, measure, data, actor=current_user, version=version)
        return next(row for row in _rows(target) if row.measure.id == measure.id)

    def serialise(record):
        if isinstance(record, compute.MeasureRow):
            return _measure_row_json(record)
        return {"state": record.state.value, "comment": record.comment, "version": record.version}

    return _write(write, serialise)
