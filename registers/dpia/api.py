"""The DPIA register's JSON API under /api/v1/: the list (keyset, like the others), a DPIA
whole, starting one from an activity, updating its parts, and its changes of status, with the
pages' permissions and scoping. Bodies are checked by the schemas, answers written by them."""

from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import Field

from compliance.access import get_or_404, require
from compliance.api import json_body, json_error, list_json, write
from compliance.db import check_version
from compliance.openapi import documented
from compliance.permissions import Action
from compliance.schemas import FieldErrors, FilterError, Input, validate
from compliance.types import Code, Id, Text
from registers.dpia import compute, services
from registers.dpia.models import Dpia
from registers.dpia.queries import OPTIONS, REGISTER, visible_dpias
from registers.dpia.schemas import (
    DpiaFilters,
    DpiaRead,
    DpiaSummary,
    DpiaUpdate,
    Principle,
    PrincipleAnswer,
    RiskKind,
    RiskUpdate,
)
from registers.processing.models import ProcessingActivity

__all__ = ["bp"]

bp = Blueprint("dpia", __name__)


class DpiaStart(Input):
    processing_id: Id


class DpiaPatch(DpiaUpdate):
    """Parts 1 and 4, the principles by code and the risks by kind; `version` required."""

    version: int
    principles: dict[Code[Principle], PrincipleAnswer] | None = None
    risks: dict[Code[RiskKind], RiskUpdate] | None = None


class DpiaAdopt(Input):
    """A member's own validation of a shared DPIA, for its activity applying the template."""

    processing_id: Id
    decision: Text | None = None


class DpiaStep(Input):
    step: str = Field(description="submit, send_back, validate or revise")
    version: int
    reason: Text | None = None


def _computed(dpia: Dpia) -> dict:
    return {
        "residual_zone": compute.residual_zone(dpia),
        "prior_consultation_required": compute.prior_consultation_required(dpia),
    }


def summary_json(dpia: Dpia) -> dict:
    data = {name: getattr(dpia, name) for name in DpiaSummary.model_fields if hasattr(dpia, name)}
    return DpiaSummary(**{**data, **_computed(dpia)}).model_dump(mode="json")


def dpia_json(dpia: Dpia) -> dict:
    data = {name: getattr(dpia, name) for name in DpiaRead.model_fields if hasattr(dpia, name)}
    return DpiaRead.model_validate({**data, **_computed(dpia)}).model_dump(mode="json")


@bp.get("/dpias")
@documented(query=DpiaFilters, answer=DpiaSummary, paged=True, errors=(400,))
def dpias():
    """DPIAs of the organisations the token's user may see"""
    try:
        filters = DpiaFilters.from_args(request.args)
    except FilterError as error:
        abort(json_error(400, "bad_request", str(error), errors={error.field: error.message}))
    return list_json(visible_dpias(filters), summary_json)


@bp.get("/dpias/<int:record_id>")
@documented(answer=DpiaRead)
def dpia(record_id: int):
    """A DPIA with its four parts"""
    return dpia_json(get_or_404(Dpia, record_id, options=OPTIONS))


@bp.post("/dpias")
@documented(body=DpiaStart, answer=DpiaRead)
def create_dpia():
    """Start the DPIA of a processing activity (its context proposed from the register)"""
    require(REGISTER, Action.CREATE)
    values = validate(DpiaStart, json_body())
    activity = get_or_404(ProcessingActivity, values.processing_id)
    return write(
        lambda session: services.start_dpia(session, activity, actor=current_user),
        dpia_json,
        status=201,
        location=lambda record: url_for("api.dpia.dpia", record_id=record.id),
    )


@bp.patch("/dpias/<int:record_id>")
@documented(body=DpiaPatch, answer=DpiaRead)
def update_dpia(record_id: int):
    """Update a DPIA's parts (partial; `version` required)"""
    record = get_or_404(Dpia, record_id, Action.EDIT, options=OPTIONS)

    def update(session):
        data = json_body()
        version = data.pop("version", None)
        if not isinstance(version, int) or isinstance(version, bool):
            raise FieldErrors(
                {"version": _("obligatoire : la version que vous avez lue (un nombre entier)")}
            )
        check_version(record, version)
        principles, risks = data.pop("principles", None), data.pop("risks", None)
        if data:
            services.update_dpia(session, record, validate(DpiaUpdate, data), actor=current_user)
        if principles is not None:
            patch = validate(DpiaPatch, {"version": version, "principles": principles})
            services.update_principles(session, record, patch.principles, actor=current_user)
        if risks is not None:
            patch = validate(DpiaPatch, {"version": version, "risks": risks})
            for kind, changes in patch.risks.items():
                services.update_risk(session, record, kind, changes, actor=current_user)
        return record

    return write(update, dpia_json)


STEPS = {
    "submit": services.submit_dpia,
    "send_back": services.send_back_dpia,
    "validate": services.validate_dpia,
    "revise": services.revise_dpia,
}


@bp.post("/dpias/<int:record_id>/transition")
@documented(body=DpiaStep, answer=DpiaRead, status=200)
def transition_dpia(record_id: int):
    """Move a DPIA on: submit, send_back, validate, revise"""
    record = get_or_404(Dpia, record_id, Action.EDIT, options=OPTIONS)

    def step(session):
        values = validate(DpiaStep, json_body())
        if values.step not in STEPS:
            raise FieldErrors(
                {"step": _("doit être l'une des valeurs : %(allowed)s", allowed=", ".join(STEPS))}
            )
        reason = values.reason or _("Révision demandée.")
        extra = {"reason": reason} if values.step == "revise" else {}
        return STEPS[values.step](
            session, record, actor=current_user, version=values.version, **extra
        )

    return write(step, dpia_json)


@bp.post("/dpias/<int:record_id>/adopt")
@documented(body=DpiaAdopt, answer=DpiaRead, status=200)
def adopt_dpia(record_id: int):
    """Validate a shared DPIA (of a template activity) for a member's activity applying it"""
    record = get_or_404(Dpia, record_id, options=OPTIONS)
    require(REGISTER, Action.VALIDATE)

    def adopt(session):
        values = validate(DpiaAdopt, json_body())
        activity = get_or_404(ProcessingActivity, values.processing_id)
        services.adopt_dpia(session, record, activity, actor=current_user, decision=values.decision)
        return record

    return write(adopt, dpia_json)
