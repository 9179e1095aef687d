"""The JSON API under /api/v1/: bearer tokens, the pages' permissions and scoping."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, abort, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from compliance.auth import memberships_of
from compliance.db import get_session, reads_only
from compliance.login import load_from_request
from compliance.pagination import paginate
from compliance.permissions import Register
from compliance.registry import get_registry
from compliance.routes import Routes
from compliance.security import csrf
from compliance.tenancy import Organisation, scope

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


def page_args() -> tuple[int, int]:
    try:
        page = max(1, int(request.args.get("page", 1)))
        per_page = min(200, max(1, int(request.args.get("per_page", 50))))
    except ValueError:
        abort(400, _("page et per_page doivent être des nombres entiers"))
    return page, per_page


def page_json(page, serialise) -> dict:
    return {
        "items": [serialise(item) for item in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "pages": page.pages,
    }


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


def organisation_json(org: Organisation) -> dict:
    return {
        "id": org.id,
        "name": org.name,
        "slug": org.slug,
        "kind": org.kind.value,
        "siren": org.siren,
        "is_host": org.is_host,
        "is_active": org.is_active,
        "dpo_name": org.dpo_name,
        "dpo_cnil_number": org.dpo_cnil_number,
    }


@routes.get("/me")
def me():
    memberships = memberships_of(current_user, get_session())
    return {
        "id": current_user.id,
        "email": current_user.email,
        "name": current_user.name,
        "language": current_user.language,
        "memberships": [
            {
                "organisation_id": m.organisation_id,
                "role": m.role.value,
                "expires_at": m.expires_at.isoformat() if m.expires_at else None,
            }
            for m in memberships
        ],
    }


@routes.get("/organisations")
def organisations():
    statement = scope(
        select(Organisation).order_by(Organisation.name),
        Organisation.id,
        Register.ORGANISATIONS,
        selected=False,
    )
    page, per_page = page_args()
    return page_json(
        paginate(get_session(), statement, page=page, per_page=per_page), organisation_json
    )


KERNEL_PATHS = {
    "/me": {
        "get": {
            "summary": "The authenticated user and their memberships",
            "responses": {"200": {"description": "The user"}},
        }
    },
    "/organisations": {
        "get": {
            "summary": "Organisations the token's user may see",
            "parameters": [
                {"$ref": "#/components/parameters/page"},
                {"$ref": "#/components/parameters/per_page"},
            ],
            "responses": {"200": {"description": "A page of organisations"}},
        }
    },
}


@routes.get("/openapi.json")
def openapi():
    registry = get_registry()
    paths = {**KERNEL_PATHS, **registry.api_paths}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Registre API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "parameters": {
                "page": {
                    "name": "page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1},
                },
                "per_page": {
                    "name": "per_page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 200},
                },
            },
            "schemas": registry.api_schemas,
        },
    }
