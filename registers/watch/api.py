"""The security watch's JSON API under /api/v1/advisories, with the pages' permissions and
scoping: the advisories (list in keyset pages, read, create, update at the version read) and
each advisory's treatments (list, update at the version read)."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import get_or_404, require
from compliance.api import answer, json_body, json_error, list_json, read_only, write
from compliance.db import check_version
from compliance.openapi import documented
from compliance.permissions import Action
from compliance.schemas import FieldErrors, FilterError, validate
from registers.watch import services
from registers.watch.models import WATCH_EDITOR, Advisory, Treatment
from registers.watch.queries import REGISTER, advisory_list, treatment_list
from registers.watch.schemas import (
    AdvisoryCreate,
    AdvisoryFilters,
    AdvisoryPatch,
    AdvisoryRead,
    AdvisoryUpdate,
    TreatmentChanges,
    TreatmentPatch,
    TreatmentRead,
    TreatmentUpdate,
)

__all__ = ["bp"]

bp = Blueprint("watch", __name__)


@bp.before_request
def readers_only() -> None:
    """Every route: the register's readers only (403 before any lookup)."""
    require(REGISTER)


READ_ONLY = read_only(AdvisoryRead, AdvisoryCreate) - {"version"}
TREATMENT_READ_ONLY = read_only(TreatmentRead, TreatmentUpdate) - {"version"}


def advisory_json(record: Advisory) -> dict:
    return answer(AdvisoryRead, record)


def treatment_json(record: Treatment) -> dict:
    return answer(TreatmentRead, record)


def _version(data: dict) -> int:
    version = data.pop("version", None)
    if not isinstance(version, int) or isinstance(version, bool):
        raise FieldErrors(
            {"version": _("obligatoire : la version que vous avez lue (un nombre entier)")}
        )
    return version


@bp.get("/advisories")
@documented(answer=AdvisoryRead, query=AdvisoryFilters, paged=True)
def advisories():
    """Security advisories the token's user may see, newest first"""
    try:
        filters = AdvisoryFilters.from_args(request.args)
    except FilterError as error:
        return json_error(400, "bad_request", str(error), errors={error.field: error.message})
    return list_json(advisory_list(filters), advisory_json)


@bp.get("/advisories/<int:advisory_id>")
@documented(answer=AdvisoryRead)
def advisory(advisory_id: int):
    """One advisory"""
    return advisory_json(get_or_404(Advisory, advisory_id))


@bp.post("/advisories")
@documented(body=AdvisoryCreate, answer=AdvisoryRead, status=201)
def create_advisory():
    """Record an advisory: it is matched against the application map at once"""
    require(rule=WATCH_EDITOR, action=Action.CREATE)
    data = {k: v for k, v in json_body().items() if k not in READ_ONLY}
    return write(
        lambda s: services.create_advisory(s, validate(AdvisoryCreate, data), actor=current_user),
        advisory_json,
        status=201,
        location=lambda record: url_for(".advisory", advisory_id=record.id),
    )


@bp.patch("/advisories/<int:advisory_id>")
@documented(body=AdvisoryPatch, answer=AdvisoryRead)
def update_advisory(advisory_id: int):
    """Change an advisory (only the fields sent), at the version read"""
    record = get_or_404(Advisory, advisory_id, Action.EDIT)
    data = {k: v for k, v in json_body().items() if k not in READ_ONLY}

    def call(session):
        version = _version(data)
        check_version(record, version)
        changes = validate(AdvisoryUpdate, data)
        return services.update_advisory(
            session, record, changes, actor=current_user, version=version
        )

    return write(call, advisory_json)


@bp.get("/advisories/<int:advisory_id>/treatments")
@documented(answer=TreatmentRead, paged=True)
def advisory_treatments(advisory_id: int):
    """The treatments of an advisory the token's user may see, one per member's deployment"""
    record = get_or_404(Advisory, advisory_id)
    return list_json(treatment_list(record), treatment_json)


@bp.patch("/advisories/treatments/<int:treatment_id>")
@documented(body=TreatmentPatch, answer=TreatmentRead)
def update_treatment(treatment_id: int):
    """Record a treatment's state and what it needs, at the version read"""
    record = get_or_404(Treatment, treatment_id, Action.EDIT)
    data = {k: v for k, v in json_body().items() if k not in TREATMENT_READ_ONLY}

    def call(session):
        version = _version(data)
        check_version(record, version)
        values = validate(TreatmentChanges, data)
        return services.update_treatment(
            session, record, values, actor=current_user, version=version
        )

    return write(call, treatment_json)
