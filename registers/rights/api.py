"""The rights requests register's JSON API under /api/v1/rights-requests, with the pages'
permissions and scoping: list (keyset pages), detail, create, update and the transitions, each
at the version read."""

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
from compliance.tenancy import organisation_for
from registers.rights import services
from registers.rights.models import RightsRequest
from registers.rights.queries import DETAIL_OPTIONS, REGISTER, request_filters, visible_requests
from registers.rights.schemas import (
    Answer,
    AnswerPost,
    Closing,
    ClosingPost,
    Extension,
    ExtensionPost,
    Refusal,
    RefusalPost,
    RightsRequestCreate,
    RightsRequestFilters,
    RightsRequestPatch,
    RightsRequestRead,
    RightsRequestUpdate,
    TransitionPost,
    Withdrawal,
    WithdrawalPost,
)

__all__ = ["bp"]

# Nested in the kernel's API blueprint (/api/v1), whose authentication applies to it.
bp = Blueprint("rights", __name__)


@bp.before_request
def readers_only() -> None:
    """Every route: the register's readers only (403 before any lookup, as the pages do)."""
    require(REGISTER)


# Keys a client may send back as it read them: ignored, never written (the version aside).
READ_ONLY = read_only(RightsRequestRead, RightsRequestCreate) - {"version"}


def request_json(record: RightsRequest) -> dict:
    return answer(RightsRequestRead, record)


def _body() -> dict:
    return {k: v for k, v in json_body().items() if k not in READ_ONLY}


def _version(data: dict) -> int:
    version = data.pop("version", None)
    if not isinstance(version, int) or isinstance(version, bool):
        raise FieldErrors(
            {"version": _("obligatoire : la version que vous avez lue (un nombre entier)")}
        )
    return version


def _load(request_id: int, action=Action.READ) -> RightsRequest:
    return get_or_404(RightsRequest, request_id, action, options=DETAIL_OPTIONS)


@bp.get("/rights-requests")
@documented(answer=RightsRequestRead, query=RightsRequestFilters, paged=True)
def rights_requests():
    """Rights requests the token's user may see, filtered and sorted"""
    try:
        filters = request_filters(request.args)
    except FilterError as error:
        return json_error(400, "bad_request", str(error), errors={error.field: error.message})
    return list_json(visible_requests(current_user, filters, options=DETAIL_OPTIONS), request_json)


@bp.get("/rights-requests/<int:request_id>")
@documented(answer=RightsRequestRead)
def rights_request(request_id: int):
    """One rights request, with its due dates"""
    return request_json(_load(request_id))


@bp.post("/rights-requests")
@documented(body=RightsRequestCreate, answer=RightsRequestRead, status=201)
def create_request():
    """Record a request: it is due one month after the day of receipt (received_on)"""
    require(REGISTER, Action.CREATE)
    data = _body()
    organisation_for(
        get_session(), data.get("organisation_id"), REGISTER, Action.CREATE, user=current_user
    )
    return write(
        lambda s: services.create_request(
            s, validate(RightsRequestCreate, data), actor=current_user
        ),
        request_json,
        status=201,
        location=lambda record: url_for(".rights_request", request_id=record.id),
    )


@bp.patch("/rights-requests/<int:request_id>")
@documented(body=RightsRequestPatch, answer=RightsRequestRead)
def update_request(request_id: int):
    """Change a request (only the fields sent), at the version read; the due dates follow"""
    record = _load(request_id, Action.EDIT)
    data = _body()

    def call(session):
        version = _version(data)
        check_version(record, version)
        changes = validate(RightsRequestUpdate, data)
        return services.update_request(
            session, record, changes, actor=current_user, version=version
        )

    return write(call, request_json)


def _transition(request_id: int, schema, service):
    record = _load(request_id, Action.EDIT)
    data = json_body()

    def call(session):
        version = _version(data)
        check_version(record, version)
        if schema is None:
            return service(session, record, actor=current_user, version=version)
        values = validate(schema, data)
        return service(session, record, values, actor=current_user, version=version)

    return write(call, request_json)


@bp.post("/rights-requests/<int:request_id>/start")
@documented(body=TransitionPost, answer=RightsRequestRead)
def start_request(request_id: int):
    """received -> in_progress"""
    return _transition(request_id, None, services.start_request)


@bp.post("/rights-requests/<int:request_id>/extend")
@documented(body=ExtensionPost, answer=RightsRequestRead)
def extend_request(request_id: int):
    """Extend by two further months (Art. 12(3)); refused when the person was told after the
    first due date"""
    return _transition(request_id, Extension, services.extend_request)


@bp.post("/rights-requests/<int:request_id>/answer")
@documented(body=AnswerPost, answer=RightsRequestRead)
def answer_request(request_id: int):
    """Record the answer, in full or in part"""
    return _transition(request_id, Answer, services.answer_request)


@bp.post("/rights-requests/<int:request_id>/refuse")
@documented(body=RefusalPost, answer=RightsRequestRead)
def refuse_request(request_id: int):
    """Record the refusal, its ground and the mention of the remedies (Art. 12(4), 12(5))"""
    return _transition(request_id, Refusal, services.refuse_request)


@bp.post("/rights-requests/<int:request_id>/withdraw")
@documented(body=WithdrawalPost, answer=RightsRequestRead)
def withdraw_request(request_id: int):
    """Record that the person withdrew the request"""
    return _transition(request_id, Withdrawal, services.withdraw_request)


@bp.post("/rights-requests/<int:request_id>/close")
@documented(body=ClosingPost, answer=RightsRequestRead)
def close_request(request_id: int):
    """Close a request that has its outcome (Art. 19: the recipients told)"""
    return _transition(request_id, Closing, services.close_request)


@bp.post("/rights-requests/<int:request_id>/reopen")
@documented(body=TransitionPost, answer=RightsRequestRead)
def reopen_request(request_id: int):
    """Reopen a closed request"""
    return _transition(request_id, None, services.reopen_request)
