"""The audits register's JSON API, with the pages' permissions and scoping:
/api/v1/audits (the audits with their findings; the programmes under /api/v1/audits/programmes)
and /api/v1/management-reviews (each with its sections, live for a draft and frozen once held,
and the actions it decided). Updates are made at the version read."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import get_or_404, require
from compliance.api import answer, json_body, json_error, list_json, read_only, write
from compliance.db import check_version, get_session
from compliance.openapi import documented
from compliance.permissions import Action
from compliance.schemas import FieldErrors, FilterError, validate
from registers.audits import review, services
from registers.audits.models import Audit, AuditProgramme, Finding, ManagementReview
from registers.audits.queries import (
    AUDIT_OPTIONS,
    REGISTER,
    REVIEW_OPTIONS,
    visible_audits,
    visible_programmes,
    visible_reviews,
)
from registers.audits.schemas import (
    AuditCreate,
    AuditDetail,
    AuditFilters,
    AuditPatch,
    AuditTransitionPatch,
    AuditUpdate,
    DecidedActionCreate,
    DecidedActionRead,
    FindingCreate,
    FindingPatch,
    FindingUpdate,
    ProgrammeCreate,
    ProgrammeRead,
    ReviewCreate,
    ReviewDetail,
    ReviewFilters,
    ReviewPatch,
    ReviewRead,
    ReviewUpdate,
)

__all__ = ["bp"]

bp = Blueprint("audits", __name__)


@bp.before_request
def readers_only() -> None:
    """Every route: the register's readers only (403 before any lookup, as the pages do)."""
    require(REGISTER)


AUDIT_READ_ONLY = read_only(AuditDetail, AuditCreate) - {"version"}
REVIEW_READ_ONLY = read_only(ReviewDetail, ReviewCreate) - {"version"}


def _body(ignored) -> dict:
    return {k: v for k, v in json_body().items() if k not in ignored}


def _version(data: dict) -> int:
    version = data.pop("version", None)
    if not isinstance(version, int) or isinstance(version, bool):
        raise FieldErrors(
            {"version": _("obligatoire : la version que vous avez lue (un nombre entier)")}
        )
    return version


def _filters(schema):
    return schema.from_args(request.args)


# --- programmes -------------------------------------------------------------------------------


def programme_json(record: AuditProgramme) -> dict:
    return answer(ProgrammeRead, record)


@bp.get("/audits/programmes")
@documented(answer=ProgrammeRead, paged=True)
def audit_programmes():
    """The audit programmes the token's user may see, the latest year first"""
    return list_json(visible_programmes(current_user), programme_json)


@bp.post("/audits/programmes")
@documented(body=ProgrammeCreate, answer=ProgrammeRead, status=201)
def create_programme():
    """Establish the audit programme of a year"""
    require(REGISTER, Action.CREATE)
    data = json_body()
    return write(
        lambda s: services.create_programme(s, validate(ProgrammeCreate, data), actor=current_user),
        programme_json,
        status=201,
    )


# --- audits -----------------------------------------------------------------------------------


def audit_json(record: Audit) -> dict:
    return answer(AuditDetail, record)


def _audit(audit_id: int, action=Action.READ) -> Audit:
    return get_or_404(Audit, audit_id, action, options=AUDIT_OPTIONS)


@bp.get("/audits")
@documented(answer=AuditDetail, query=AuditFilters, paged=True)
def audits():
    """The internal audits the token's user may see, with their findings"""
    try:
        filters = _filters(AuditFilters)
    except FilterError as error:
        return json_error(400, "bad_request", str(error), errors={error.field: error.message})
    return list_json(visible_audits(current_user, filters), audit_json)


@bp.get("/audits/<int:audit_id>")
@documented(answer=AuditDetail)
def audit(audit_id: int):
    """One internal audit, with its findings and the corrective actions they opened"""
    return audit_json(_audit(audit_id))


@bp.post("/audits")
@documented(body=AuditCreate, answer=AuditDetail, status=201)
def create_audit():
    """Plan an audit of a programme"""
    require(REGISTER, Action.CREATE)
    data = _body(AUDIT_READ_ONLY)
    return write(
        lambda s: services.create_audit(s, validate(AuditCreate, data), actor=current_user),
        audit_json,
        status=201,
        location=lambda record: url_for(".audit", audit_id=record.id),
    )


@bp.patch("/audits/<int:audit_id>")
@documented(body=AuditPatch, answer=AuditDetail)
def update_audit(audit_id: int):
    """Change an audit (only the fields sent), at the version read"""
    record = _audit(audit_id, Action.EDIT)
    data = _body(AUDIT_READ_ONLY)

    def call(session):
        version = _version(data)
        check_version(record, version)
        changes = validate(AuditUpdate, data)
        return services.update_audit(session, record, changes, actor=current_user, version=version)

    return write(call, audit_json)


@bp.post("/audits/<int:audit_id>/status")
@documented(body=AuditTransitionPatch, answer=AuditDetail)
def transition_audit(audit_id: int):
    """Move an audit on: in_progress, reported (actual end and conclusion needed), closed (every
    nonconformity has its corrective action)"""
    record = _audit(audit_id, Action.EDIT)
    data = json_body()

    def call(session):
        version = _version(data)
        step = validate(AuditTransitionPatch, {**data, "version": version})
        return services.transition_audit(
            session, record, step.status, actor=current_user, version=version
        )

    return write(call, audit_json)


@bp.post("/audits/<int:audit_id>/findings")
@documented(body=FindingCreate, answer=AuditDetail, status=201)
def add_finding(audit_id: int):
    """Record a finding; a nonconformity opens its corrective action (action, owner, due_on)"""
    record = _audit(audit_id, Action.EDIT)
    data = json_body()

    def call(session):
        services.add_finding(session, record, validate(FindingCreate, data), actor=current_user)
        return record

    return write(call, audit_json, status=201)


@bp.patch("/audits/findings/<int:finding_id>")
@documented(body=FindingPatch, answer=AuditDetail)
def update_finding(finding_id: int):
    """Change a finding (only the fields sent), at the version read; a finding that becomes a
    nonconformity then needs its corrective action (the audit will not close without it)"""
    finding = get_or_404(Finding, finding_id, Action.EDIT)
    data = json_body()

    def call(session):
        version = _version(data)
        check_version(finding, version)
        changes = validate(FindingUpdate, data)
        services.update_finding(session, finding, changes, actor=current_user, version=version)
        return _audit(finding.audit_id)

    return write(call, audit_json, current=lambda changed: audit_json(changed.audit))


# --- management reviews -------------------------------------------------------------------------


def review_json(record: ManagementReview) -> dict:
    return {
        **answer(ReviewRead, record),
        "sections": review.sections_of(get_session(), record),
        "actions": [answer(DecidedActionRead, action) for action in record.actions],
    }


def review_summary(record: ManagementReview) -> dict:
    return answer(ReviewRead, record)


def _review(review_id: int, action=Action.READ) -> ManagementReview:
    return get_or_404(ManagementReview, review_id, action, options=REVIEW_OPTIONS)


@bp.get("/management-reviews")
@documented(answer=ReviewRead, query=ReviewFilters, paged=True)
def management_reviews():
    """The management reviews the token's user may see, the latest period first"""
    try:
        filters = _filters(ReviewFilters)
    except FilterError as error:
        return json_error(400, "bad_request", str(error), errors={error.field: error.message})
    return list_json(visible_reviews(current_user, filters), review_summary)


@bp.get("/management-reviews/<int:review_id>")
@documented(answer=ReviewDetail)
def management_review(review_id: int):
    """One management review with every register's section (live for a draft, frozen once
    held) and the actions it decided"""
    return review_json(_review(review_id))


@bp.post("/management-reviews")
@documented(body=ReviewCreate, answer=ReviewDetail, status=201)
def create_review():
    """Prepare a management review of a period"""
    require(REGISTER, Action.CREATE)
    data = _body(REVIEW_READ_ONLY)
    return write(
        lambda s: services.create_review(s, validate(ReviewCreate, data), actor=current_user),
        review_json,
        status=201,
        location=lambda record: url_for(".management_review", review_id=record.id),
    )


@bp.patch("/management-reviews/<int:review_id>")
@documented(body=ReviewPatch, answer=ReviewDetail)
def update_review(review_id: int):
    """Change a review (only the fields sent), at the version read"""
    record = _review(review_id, Action.EDIT)
    data = _body(REVIEW_READ_ONLY)

    def call(session):
        version = _version(data)
        check_version(record, version)
        changes = validate(ReviewUpdate, data)
        return services.update_review(session, record, changes, actor=current_user, version=version)

    return write(call, review_json)


@bp.post("/management-reviews/<int:review_id>/held")
@documented(answer=ReviewDetail)
def mark_review_held(review_id: int):
    """Mark the review held (held_on and chair needed): its figures are frozen"""
    record = _review(review_id, Action.EDIT)
    data = json_body()

    def call(session):
        version = _version(data)
        return services.mark_held(session, record, actor=current_user, version=version)

    return write(call, review_json)


@bp.post("/management-reviews/<int:review_id>/actions")
@documented(body=DecidedActionCreate, answer=ReviewDetail, status=201)
def decide_action(review_id: int):
    """Record an action the review decides: it becomes a roadmap or a corrective action"""
    record = _review(review_id, Action.EDIT)
    data = json_body()

    def call(session):
        services.decide_action(
            session, record, validate(DecidedActionCreate, data), actor=current_user
        )
        return record

    return write(call, review_json, status=201)
