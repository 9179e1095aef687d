"""The risk register's JSON API under /api/v1/risks, with the pages' permissions and scoping:
list (keyset pages, the list's filters), detail, create and update at the version read."""

from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import get_or_404, require
from compliance.api import answer, json_body, json_error, list_json, read_only, write
from compliance.db import check_version, get_session
from compliance.openapi import documented
from compliance.permissions import Action
from compliance.schemas import FieldErrors, FilterError, validate
from compliance.tenancy import organisation_for
from registers.risks import services
from registers.risks.models import Risk
from registers.risks.queries import DETAIL_OPTIONS, REGISTER, risk_filters, visible_risks
from registers.risks.schemas import RiskCreate, RiskFilters, RiskPatch, RiskRead, RiskUpdate

__all__ = ["bp"]

# Nested in the kernel's API blueprint (/api/v1), whose authentication applies to it.
bp = Blueprint("risks", __name__)


@bp.before_request
def readers_only() -> None:
    """Every route: the register's readers only (403 before any lookup, as the pages do)."""
    require(REGISTER)


# Keys a client may send back as it read them: ignored, never written (the version aside).
READ_ONLY = read_only(RiskRead, RiskCreate) - {"version"}


def risk_json(record: Risk) -> dict:
    return answer(RiskRead, record)


def _body() -> dict:
    return {k: v for k, v in json_body().items() if k not in READ_ONLY}


@bp.get("/risks")
@documented(answer=RiskRead, query=RiskFilters, paged=True)
def risks():
    """Risks the token's user may see, filtered and sorted (the highest level first)"""
    try:
        filters = risk_filters(request.args)
    except FilterError as error:
        return json_error(400, "bad_request", str(error), errors={error.field: error.message})
    return list_json(visible_risks(current_user, filters, options=DETAIL_OPTIONS), risk_json)


@bp.get("/risks/<int:risk_id>")
@documented(answer=RiskRead)
def risk(risk_id: int):
    """One risk, with its levels before and after treatment and its links"""
    return risk_json(get_or_404(Risk, risk_id, options=DETAIL_OPTIONS))


@bp.post("/risks")
@documented(body=RiskCreate, answer=RiskRead, status=201)
def create_risk():
    """Record a risk of the syndicate or of a member; the DPO records only the risks that
    concern personal data"""
    require(REGISTER, Action.CREATE)
    data = _body()
    organisation_for(
        get_session(), data.get("organisation_id"), REGISTER, Action.CREATE, user=current_user
    )
    return write(
        lambda s: services.create_risk(s, validate(RiskCreate, data), actor=current_user),
        risk_json,
        status=201,
        location=lambda record: url_for(".risk", risk_id=record.id),
    )


@bp.patch("/risks/<int:risk_id>")
@documented(body=RiskPatch, answer=RiskRead)
def update_risk(risk_id: int):
    """Change a risk (only the fields sent), at the version read; the levels follow"""
    record = get_or_404(Risk, risk_id, Action.EDIT, options=DETAIL_OPTIONS)
    if not services.may_write(get_session(), record, current_user):
        abort(
            403,
            _(
                "Le délégué à la protection des données ne modifie que les risques qui "
                "concernent des données personnelles."
            ),
        )
    data = _body()

    def call(session):
        version = data.pop("version", None)
        if not isinstance(version, int) or isinstance(version, bool):
            raise FieldErrors(
                {"version": _("obligatoire : la version que vous avez lue (un nombre entier)")}
            )
        check_version(record, version)
        changes = validate(RiskUpdate, data)
        return services.update_risk(session, record, changes, actor=current_user, version=version)

    return write(call, risk_json)
