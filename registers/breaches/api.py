"""The breach register's JSON API under /api/v1/breaches, with the pages' permissions and
scoping. Instants are given in ISO 8601 with their offset, in Paris time: the deadline reads as
the DPO and the CNIL read it, and the offset says whether it fell in summer or winter time."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import get_or_404, require
from compliance.api import (
    answer,
    json_body,
    json_error,
    list_json,
    read_only,
    write,
)
from compliance.db import check_version, get_session
from compliance.openapi import documented
from compliance.permissions import Action
from compliance.schemas import FieldErrors, FilterError, validate
from compliance.tenancy import organisation_for
from registers.breaches import decisions, services
from registers.breaches.models import PersonalDataBreach
from registers.breaches.queries import (
    REGISTER,
    breach_filters,
    visible_breaches,
)
from registers.breaches.schemas import (
    BreachCreate,
    BreachFilters,
    BreachPatch,
    BreachRead,
    BreachUpdate,
    NoBreachDecisionCreate,
    NoBreachDecisions,
    NotificationCreate,
    NotificationPost,
    NotNotifiable,
    NotNotifiablePost,
)
from registers.incidents.models import Incident

__all__ = ["bp"]

# Nested in the kernel's API blueprint (/api/v1), whose authentication applies to it.
bp = Blueprint("breaches", __name__)

# Keys a client may send back as it read them: ignored, never written (the version aside: it
# says which version the change was prepared against).
READ_ONLY = read_only(BreachRead, BreachCreate) - {"version"}


def breach_json(breach: PersonalDataBreach) -> dict:
    return answer(BreachRead, breach)


def _write(call, *, status: int = 200, location: bool = False):
    """Run a service call on a breach, commit and answer it (the kernel's write)."""
    return write(
        call,
        breach_json,
        status=status,
        location=(lambda breach: url_for(".breach", breach_id=breach.id)) if location else None,
    )


def _body() -> dict:
    return {k: v for k, v in json_body().items() if k not in READ_ONLY}


def _version(data: dict) -> int:
    version = data.pop("version", None)
    if not isinstance(version, int) or isinstance(version, bool):
        raise FieldErrors(
            {"version": _("obligatoire : la version que vous avez lue (un nombre entier)")}
        )
    return version


@bp.get("/breaches")
@documented(answer=BreachRead, query=BreachFilters, paged=True)
def breaches():
    """Breaches the token's user may see, filtered and sorted"""
    try:
        filters = breach_filters(request.args)
    except FilterError as error:
        return json_error(400, "bad_request", str(error), errors={error.field: error.message})
    statement = visible_breaches(current_user, filters)
    return list_json(statement, breach_json)


@bp.get("/breaches/<int:breach_id>")
@documented(answer=BreachRead)
def breach(breach_id: int):
    """One breach, with its 72-hour clock and its notifications"""
    return breach_json(get_or_404(PersonalDataBreach, breach_id))


@bp.post("/breaches")
@documented(body=BreachCreate, answer=BreachRead, status=201)
def create_breach():
    """Record a breach: its controller's 72-hour clock starts at H0 (awareness_at)"""
    require(REGISTER, Action.CREATE)
    data = _body()
    organisation_for(
        get_session(), data.get("organisation_id"), REGISTER, Action.CREATE, user=current_user
    )
    return _write(
        lambda s: services.create_breach(s, validate(BreachCreate, data), actor=current_user),
        status=201,
        location=True,
    )


@bp.patch("/breaches/<int:breach_id>")
@documented(body=BreachPatch, answer=BreachRead)
def update_breach(breach_id: int):
    """Change a breach (only the fields sent), at the version read"""
    record = get_or_404(PersonalDataBreach, breach_id, Action.EDIT)
    data = _body()

    def call(session):
        version = _version(data)
        check_version(record, version)
        changes = validate(BreachUpdate, data)
        return services.update_breach(session, record, changes, actor=current_user, version=version)

    return _write(call)


@bp.post("/breaches/<int:breach_id>/notifications")
@documented(body=NotificationPost, answer=BreachRead, status=201)
def add_notification(breach_id: int):
    """Record a notification made to the CNIL (the initial one is the decision to notify)"""
    record = get_or_404(PersonalDataBreach, breach_id, Action.VALIDATE)
    data = json_body()

    def call(session):
        version = _version(data)
        check_version(record, version)
        values = validate(NotificationCreate, data)
        services.record_notification(session, record, values, actor=current_user, version=version)
        return record

    return _write(call, status=201)


@bp.post("/breaches/<int:breach_id>/not-notifiable")
@documented(body=NotNotifiablePost, answer=BreachRead, status=200)
def not_notifiable(breach_id: int):
    """Document that the breach is not notified, and why (Art. 33(1) and 33(5))"""
    record = get_or_404(PersonalDataBreach, breach_id, Action.VALIDATE)
    data = json_body()

    def call(session):
        version = _version(data)
        check_version(record, version)
        decision = validate(NotNotifiable, data)
        return services.decide_not_notifiable(
            session, record, decision, actor=current_user, version=version
        )

    return _write(call)


@bp.post("/incidents/<int:incident_id>/no-breach")
@documented(body=NoBreachDecisionCreate, answer=NoBreachDecisions, status=201)
def no_breach(incident_id: int):
    """Record that an incident is no personal-data breach for some of its controllers, with the
    ground and the reason (Art. 33(5)); the incident closes once every controller is decided"""
    incident = get_or_404(Incident, incident_id)
    require(REGISTER, Action.CREATE)
    data = json_body()

    def call(session):
        values = validate(NoBreachDecisionCreate, data)
        return decisions.record_no_breach(session, incident, values, actor=current_user)

    return write(
        call,
        lambda recorded: answer(NoBreachDecisions, {"decisions": recorded}),
        status=201,
    )
