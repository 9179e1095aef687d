"""The annual report's JSON API under /api/v1/: the awareness sessions (list, detail, create,
change) and the figures of a member's or of the whole service's report, with the pages'
permissions and scoping."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import get_or_404, require
from compliance.api import answer, body, json_body, list_json, read_only, write
from compliance.db import get_session
from compliance.openapi import documented
from compliance.permissions import Action
from compliance.schemas import validate, validate_query
from compliance.services import FieldErrors
from compliance.tenancy import (
    Organisation,
    refuse_organisation_change,
    visible_organisations_query,
)
from registers.annual import services
from registers.annual.models import AwarenessSession
from registers.annual.queries import REGISTER, served_organisations, visible_sessions
from registers.annual.report import AnnualReport, member_report, service_report
from registers.annual.schemas import (
    AnnualReportQuery,
    AnnualReportRead,
    AwarenessSessionCreate,
    AwarenessSessionFilters,
    AwarenessSessionPatch,
    AwarenessSessionRead,
    AwarenessSessionUpdate,
)
from registers.annual.views.helpers import current_year, service_host

__all__ = ["bp"]

# Nested in the kernel's API blueprint (/api/v1), whose authentication applies to it.
bp = Blueprint("annual", __name__)

IGNORED = read_only(AwarenessSessionRead, AwarenessSessionCreate) | {"created_at", "updated_at"}
PATCH_IGNORED = IGNORED - {"version", "archived"}


def session_json(record: AwarenessSession) -> dict:
    return answer(AwarenessSessionRead, record)


@bp.get("/awareness-sessions")
@documented(answer=AwarenessSessionRead, query=AwarenessSessionFilters, paged=True)
def awareness_sessions():
    """Awareness and training sessions the token's user may see, by date"""
    filters = validate_query(AwarenessSessionFilters, request.args)
    statement = (
        visible_sessions(filters, user=current_user, selected=False)
        .order_by(None)
        .order_by(AwarenessSession.held_on, AwarenessSession.id)
    )
    return list_json(statement, session_json)


@bp.get("/awareness-sessions/<int:record_id>")
@documented(answer=AwarenessSessionRead)
def awareness_session(record_id: int):
    """One awareness session"""
    return session_json(get_or_404(AwarenessSession, record_id))


@bp.post("/awareness-sessions")
@documented(body=AwarenessSessionCreate, answer=AwarenessSessionRead)
def create_session():
    """Record an awareness session"""
    require(REGISTER, Action.CREATE)
    values = body(AwarenessSessionCreate, ignore=IGNORED)
    return write(
        lambda session: services.create_session(session, values, actor=current_user),
        session_json,
        status=201,
        location=lambda record: url_for("api.annual.awareness_session", record_id=record.id),
    )


@bp.patch("/awareness-sessions/<int:record_id>")
@documented(body=AwarenessSessionPatch, answer=AwarenessSessionRead)
def update_session(record_id: int):
    """Change a session (version required); archived: true archives it"""
    record = get_or_404(AwarenessSession, record_id, Action.EDIT)
    data = dict(json_body())
    refuse_organisation_change(record, data)
    patch = validate(AwarenessSessionPatch, data, ignore=PATCH_IGNORED)
    changes = AwarenessSessionUpdate.model_construct(
        **patch.model_dump(exclude_unset=True, exclude={"version", "archived"})
    )

    def update(session):
        if patch.version is None:
            raise FieldErrors({"version": _("est obligatoire (la version que vous avez lue)")})
        services.update_session(session, record, changes, actor=current_user, version=patch.version)
        if patch.archived is not None:
            services.set_session_archived(session, record, patch.archived, actor=current_user)
        return record

    return write(update, session_json)


def _year() -> int:
    return validate_query(AnnualReportQuery, request.args).year or current_year()


def report_json(report: AnnualReport) -> dict:
    organisations = [line.organisation.id for line in report.members] or [report.organisation.id]
    return AnnualReportRead(
        year=report.year,
        service=report.service,
        organisation_id=report.organisation.id,
        organisation_ids=organisations,
        activities=report.activities,
        breaches=report.breaches,
        awareness=report.awareness,
        rights=report.rights,
        recommendation=report.recommendation.text if report.recommendation else None,
    ).model_dump(mode="json")


@bp.get("/annual-reports/members/<slug>")
@documented(answer=AnnualReportRead, query=AnnualReportQuery)
def member(slug: str):
    """The figures of a member's annual report"""
    organisation = get_or_404(Organisation, slug, by="slug", register=REGISTER)
    return report_json(member_report(get_session(), organisation, _year()))


@bp.get("/annual-reports/service")
@documented(answer=AnnualReportRead, query=AnnualReportQuery)
def service():
    """The figures of the whole service's annual report: the sum of its members'"""
    year = _year()
    host = service_host()
    within = visible_organisations_query(current_user, REGISTER, Action.READ)
    members = served_organisations(get_session(), year, within=within)
    return report_json(service_report(get_session(), host, members, year))
