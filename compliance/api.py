"""The JSON API under /api/v1/: bearer tokens, the pages' permissions and scoping."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import TypeVar
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from compliance.auth import memberships_of
from compliance.db import ConflictError, get_session, reads_only
from compliance.login import load_from_request
from compliance.openapi import document, documented
from compliance.pagination import CursorError, count, keyset_page
from compliance.permissions import Register, Role
from compliance.routes import Routes
from compliance.schemas import Output, validate
from compliance.security import csrf
from compliance.services import FieldErrors, PermissionDenied, ServiceError
from compliance.tenancy import Organisation, OrganisationKind, scope
from compliance.text import MAX_ID
from compliance.types import parse_flag

S = TypeVar("S")

routes = Routes()

PUBLIC_ENDPOINTS = {"api.openapi"}


def blueprint(registers: Iterable[Blueprint] = ()) -> Blueprint:
    """The API blueprint under /api/v1: the kernel's rules, and each register's API blueprint
    nested in it (endpoints ``api.<register>.<view>``), so that the authentication and the
    no-store header below apply to every rule. Built for each application: a blueprint takes
    no new child once registered."""
    bp = Blueprint("api", __name__, url_prefix="/api/v1")
    bp.before_request(authenticate)
    bp.after_request(no_store)
    routes.add_to(bp)
    # Exempt by view rather than by this blueprint, made anew for each application.
    for rule in routes.rules:
        csrf.exempt(rule.view)
    for child in registers:
        # CSRF exemptions are looked up by the request's own blueprint, the nested one.
        csrf.exempt(child)
        bp.register_blueprint(child)
    return bp


def authenticate():
    """Only a bearer token authenticates here: a session cookie never does (no CSRF on the API)."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    user = load_from_request(request)
    if user is None:
        response = jsonify(error="unauthorized", message=_("Un jeton d'API valide est requis."))
        response.status_code = 401
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    g._login_user = user
    return None


def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


MAX_PER_PAGE = 200


def list_json(statement, serialise) -> dict:
    """One page of an API list, as JSON: `statement` (ordered by its sort keys; the id is added
    as the last one) read after the cursor `after=`, `per_page` rows (50 by default, at most 200).
    The answer holds the items, `per_page` and `next`, the URL of the next page (null on the last
    one); `total` only when asked (`total=1`), for it costs a COUNT of every visible row.
    `page=` (OFFSET) is still read for older clients: it answers as before (`page`, `total`,
    `pages`) and with `next`, but costs more the further the page."""
    args = request.args
    try:
        per_page = min(MAX_PER_PAGE, max(1, int(args.get("per_page", 50))))
        page = max(1, int(args["page"])) if "page" in args else None
    except ValueError:
        abort(400, _("page et per_page doivent être des nombres entiers"))
    try:
        with_total = bool(parse_flag(args.get("total")))
    except ValueError:
        abort(400, _("total doit valoir 1 (le nombre total demandé) ou 0"))
    after = args.get("after")
    if after is not None and page is not None:
        abort(400, _("after et page ne se combinent pas : suivez le lien next de la réponse"))
    if page is not None:
        # Past the last page is an empty page, never an OFFSET the database cannot hold.
        page = min(page, MAX_ID // per_page)
    session = get_session()
    try:
        result = keyset_page(
            session,
            statement,
            after=after,
            per_page=per_page,
            offset=(page - 1) * per_page if page else 0,
        )
    except CursorError:
        abort(
            400,
            _(
                "Le curseur after est invalide : reprenez le lien next d'une réponse "
                "précédente, sans le modifier."
            ),
        )
    body = {
        "items": [serialise(item) for item in result.items],
        "per_page": per_page,
        "next": _next_url(result.after),
    }
    if page is not None:
        total = count(session, statement)
        body.update(page=page, total=total, pages=max(1, math.ceil(total / per_page)))
    elif with_total:
        body["total"] = count(session, statement)
    return body


def _next_url(cursor: str | None) -> str | None:
    """This request's URL (absolute path, same filters) for the page after `cursor`."""
    if cursor is None:
        return None
    args = request.args.copy()
    args.pop("page", None)
    args["after"] = cursor
    return f"{request.script_root}{request.path}?{urlencode(list(args.items(multi=True)))}"


def committed_json(session, serialise, record) -> dict:
    """Commit a write, then answer it. The answer is read after the commit (serialising inside
    the transaction would hold its locks, the audit chain's among them, all that time), in a
    transaction that only reads: on SQLite it begins deferred, so it never waits for the write
    lock. Should that read fail all the same, the write is still answered as saved, with its id
    and version: a client told 5xx would retry a write that was saved, and duplicate it."""
    session.commit()
    reads_only()
    try:
        return serialise(record)
    except Exception:
        current_app.logger.exception("answer of a committed write")
        session.rollback()
        return {"id": record.id, "version": getattr(record, "version", None)}


def json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, _("le corps de la requête doit être un objet JSON"))
    return data


def json_error(status: int, code: str, message: str, **extra):
    """A JSON error answer: {"error": code, "message": message, ...extra}."""
    response = jsonify(error=code, message=message, **extra)
    response.status_code = status
    return response


def write(action, serialise, *, status: int = 200, location=None, current=None):
    """Run a service call (`action(session)` returns the record), commit and answer it with
    `serialise(record)`. Invalid values answer 422 (field by field; a refused operation under
    "_"), a refusal to this user 403, a stale version 409 with the record as it now is
    (`current(record)`, by default `serialise`). `location(record)` gives a created record's URL."""
    session = get_session()
    try:
        record = action(session)
        session.flush()
    except FieldErrors as refused:
        session.rollback()
        return json_error(
            422, "invalid", _("Certaines valeurs sont invalides."), errors=refused.errors
        )
    except PermissionDenied as refused:
        session.rollback()
        return json_error(403, "forbidden", str(refused))
    except ServiceError as refused:
        session.rollback()
        return json_error(422, "invalid", str(refused), errors={"_": str(refused)})
    except ConflictError as conflict:
        session.rollback()
        session.refresh(conflict.record)
        return json_error(
            409,
            "conflict",
            _(
                "La fiche a changé entre-temps : rechargez-la et appliquez de nouveau votre "
                "modification."
            ),
            current=(current or serialise)(conflict.record),
        )
    response = jsonify(committed_json(session, serialise, record))
    response.status_code = status
    if location is not None:
        response.headers["Location"] = location(record)
    return response


def body(schema: type[S], *, ignore: Iterable[str] = ()) -> S:
    """The request's JSON body checked by `schema` (FieldErrors, the 422, otherwise). Keys in
    `ignore` (what a client sends back as it read it) are dropped unread."""
    return validate(schema, json_body(), ignore=ignore)


def read_only(answer_schema: type, *write_schemas: type) -> frozenset[str]:
    """The keys an answer holds that no write takes: ignored when a client sends them back."""
    written = set().union(*(schema.model_fields for schema in write_schemas))
    return frozenset(set(answer_schema.model_fields) - written)


class OrganisationRead(Output):
    """An organisation the token's user may see."""

    id: int
    name: str
    slug: str
    kind: OrganisationKind
    siren: str | None
    is_host: bool
    is_active: bool
    dpo_name: str | None
    dpo_cnil_number: str | None


class MembershipRead(Output):
    organisation_id: int
    role: Role
    expires_at: datetime | None


class MeRead(Output):
    """The authenticated user and their current memberships."""

    id: int
    email: str
    name: str
    language: str
    memberships: list[MembershipRead]


def answer(schema: type[Output], record) -> dict:
    """`record` read through `schema`, as JSON values."""
    return schema.model_validate(record).model_dump(mode="json")


def organisation_json(org: Organisation) -> dict:
    return answer(OrganisationRead, org)


@routes.get("/me")
@documented(answer=MeRead)
def me():
    """The authenticated user and their memberships"""
    user = current_user._get_current_object()
    memberships = memberships_of(user, get_session())
    return MeRead(
        id=user.id,
        email=user.email,
        name=user.name,
        language=user.language,
        memberships=[MembershipRead.model_validate(m) for m in memberships],
    ).model_dump(mode="json")


@routes.get("/organisations")
@documented(answer=OrganisationRead, paged=True)
def organisations():
    """Organisations the token's user may see"""
    statement = scope(
        select(Organisation).order_by(Organisation.name, Organisation.id),
        Organisation.id,
        Register.ORGANISATIONS,
        selected=False,
    )
    return list_json(statement, organisation_json)


@routes.get("/openapi.json")
@documented(extra={"security": []})
def openapi():
    """This document (OpenAPI 3.1)"""
    return document(current_app)
