"""The roadmap's JSON API under /api/v1/: roadmaps, roadmap actions and the hygiene
self-assessment, with the pages' permissions and scoping (see queries.py)."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from compliance.access import get_or_404, require
from compliance.api import (
    answer,
    body,
    json_body,
    list_json,
    read_only,
    write,
)
from compliance.db import get_session
from compliance.openapi import documented
from compliance.permissions import Action
from compliance.schemas import FilterError, validate, validate_query
from compliance.tenancy import (
    Organisation,
    refuse_organisation_change,
    visible_reference,
)
from registers.roadmap import compute, services
from registers.roadmap import queries as q
from registers.roadmap.catalogue import ATTRIBUTION, all_measures
from registers.roadmap.models import HygieneMeasure, Roadmap, RoadmapAction
from registers.roadmap.schemas import (
    CoverageRead,
    HygieneAssessmentCreate,
    HygieneAssessmentPut,
    HygieneAssessmentQuery,
    HygieneAssessmentRead,
    HygieneRowRead,
    OrganisationBrief,
    RoadmapActionCreate,
    RoadmapActionDetail,
    RoadmapActionFilters,
    RoadmapActionPatch,
    RoadmapActionRead,
    RoadmapActionUpdate,
    RoadmapRead,
    measure_row,
)

__all__ = ["bp"]

# Nested in the kernel's API blueprint (/api/v1), whose authentication applies to it.
bp = Blueprint("roadmap", __name__)

# Keys a client may send back as it read them: dropped unread.
IGNORED = read_only(RoadmapActionDetail, RoadmapActionCreate) | {
    "organisation",
    "created_at",
    "updated_at",
    "archived_at",
    "links",
    "roadmap",
}
# A change sends back the version it read, and may archive.
PATCH_IGNORED = IGNORED - {"version", "archived"}
# What the actions' answers hold, sent with an assessment: dropped unread, as it always was.
ASSESSMENT_IGNORED = PATCH_IGNORED | {"archived"}


def roadmap_json(roadmap: Roadmap) -> dict:
    return answer(RoadmapRead, roadmap)


def action_json(action: RoadmapAction) -> dict:
    return answer(RoadmapActionRead, action)


def _detail_json(action: RoadmapAction) -> dict:
    return answer(RoadmapActionDetail, action)


def _filters() -> RoadmapActionFilters:
    try:
        return q.action_filters(request.args)
    except FilterError as error:
        response = jsonify(
            error="bad_request", message=str(error), errors={error.field: error.message}
        )
        response.status_code = 400
        abort(response)


def _version(version: int | None) -> int:
    if version is None:
        raise services.FieldErrors({"version": _("est obligatoire (la version que vous avez lue)")})
    return version


# --- roadmaps and actions ---------------------------------------------------------------------


@bp.get("/roadmaps")
@documented(answer=RoadmapRead, paged=True)
def roadmaps():
    """Roadmaps the token's user may see"""
    statement = q.visible_roadmaps(current_user, selected=False)
    return list_json(statement, roadmap_json)


@bp.get("/roadmaps/<int:record_id>")
@documented(answer=RoadmapRead)
def roadmap(record_id: int):
    """One roadmap"""
    return roadmap_json(get_or_404(Roadmap, record_id))


@bp.get("/roadmap-actions")
@documented(answer=RoadmapActionRead, query=RoadmapActionFilters, paged=True)
def actions():
    """Roadmap actions, filtered"""
    statement = q.visible_actions(current_user, _filters(), selected=False)
    return list_json(statement, action_json)


@bp.post("/roadmap-actions")
@documented(body=RoadmapActionCreate, answer=RoadmapActionDetail)
def create_action():
    """Add an action to a roadmap"""
    require(q.REGISTER, Action.CREATE)
    values = body(RoadmapActionCreate, ignore=IGNORED)
    record = visible_reference(
        get_session(), Roadmap, values.roadmap_id, q.REGISTER, user=current_user, field="roadmap_id"
    )
    require(q.REGISTER, Action.CREATE, organisation_id=record.organisation_id)
    return write(
        lambda session: services.create_action(session, record, values, actor=current_user),
        _detail_json,
        status=201,
        location=lambda action: url_for("api.roadmap.action", record_id=action.id),
    )


@bp.get("/roadmap-actions/<int:record_id>")
@documented(answer=RoadmapActionDetail)
def action(record_id: int):
    """One roadmap action with its links"""
    return _detail_json(get_or_404(RoadmapAction, record_id))


@bp.patch("/roadmap-actions/<int:record_id>")
@documented(body=RoadmapActionPatch, answer=RoadmapActionDetail)
def update_action(record_id: int):
    """Change an action (version required); archived: true archives it"""
    record = get_or_404(RoadmapAction, record_id, Action.EDIT)
    data = dict(json_body())
    refuse_organisation_change(record, data)
    patch = validate(RoadmapActionPatch, data, ignore=PATCH_IGNORED)
    archived = patch.archived
    # The checked changes, without what only the API's write carries.
    changes = RoadmapActionUpdate.model_construct(
        **patch.model_dump(exclude_unset=True, exclude={"version", "archived"})
    )

    def update(session):
        version = _version(patch.version)
        services.update_action(session, record, changes, actor=current_user, version=version)
        if archived is True:
            services.archive_action(session, record, actor=current_user)
        elif archived is False:
            services.restore_action(session, record, actor=current_user)
        return record

    return write(update, _detail_json)


# --- the hygiene self-assessment --------------------------------------------------------------


def _organisation(value: str | None, action: Action = Action.READ) -> Organisation:
    if not value:
        abort(400, _("le paramètre organisation (slug ou identifiant) est obligatoire"))
    by = "id" if value.isdigit() else "slug"
    return get_or_404(Organisation, value, action, by=by, register=q.REGISTER)


def _rows(organisation: Organisation) -> list[compute.MeasureRow]:
    return compute.measure_rows(
        all_measures(get_session()),
        q.assessments_of(organisation.id),
        q.organisation_actions(organisation.id),
    )


@bp.get("/hygiene-assessment")
@documented(answer=HygieneAssessmentRead, query=HygieneAssessmentQuery)
def hygiene_assessment():
    """The self-assessment of an organisation against ANSSI's guide"""
    query = validate_query(HygieneAssessmentQuery, request.args)
    organisation = _organisation(query.organisation)
    rows = _rows(organisation)
    summary = compute.coverage(rows)
    return HygieneAssessmentRead(
        organisation=OrganisationBrief.model_validate(organisation),
        source=ATTRIBUTION,
        coverage=CoverageRead(
            total=summary.total,
            applicable=summary.applicable,
            covered_percent=summary.covered,
            applied_percent=summary.applied,
            planned_percent=summary.planned,
            counts=summary.counts,
        ),
        items=[measure_row(row) for row in rows],
    ).model_dump(mode="json")


@bp.put("/hygiene-assessment/<organisation>/<ref>")
@documented(body=HygieneAssessmentPut, answer=HygieneRowRead)
def assess(organisation: str, ref: str):
    """Record the state of one measure (version required once assessed)"""
    target = _organisation(organisation, Action.EDIT)
    measure = get_session().scalar(select(HygieneMeasure).where(HygieneMeasure.ref == ref))
    if measure is None:
        abort(404)
    put = body(HygieneAssessmentPut, ignore=ASSESSMENT_IGNORED)
    # The checked values, without the version the client read.
    values = HygieneAssessmentCreate.model_construct(
        **put.model_dump(exclude_unset=True, exclude={"version"})
    )

    def change(session):
        existing = services.find_assessment(session, target.id, measure.id)
        version = _version(put.version) if existing is not None else put.version
        services.assess_measure(
            session, target, measure, values, actor=current_user, version=version
        )
        return next(row for row in _rows(target) if row.measure.id == measure.id)

    def serialise(record):
        if isinstance(record, compute.MeasureRow):
            return measure_row(record).model_dump(mode="json")
        return {"state": record.state.value, "comment": record.comment, "version": record.version}

    return write(change, serialise)
