"""Flask-Login wiring: session users for pages, bearer tokens for the API."""

from __future__ import annotations

import hmac

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from sqlmodel import select

from compliance.auth import Anonymous, ApiToken, User, hash_token
from compliance.db import get_session, utcnow


def _load_user(cookie_id: str):
    user_id, _, token = (cookie_id or "").partition(":")
    try:
        user = get_session().get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(token.encode(), user.session_token.encode()):
        return None
    return user


def _load_from_request(req):
    """API requests authenticate with `Authorization: Bearer <token>` only."""
    if not req.path.startswith("/api/"):
        return None
    header = req.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    session = get_session()
    token = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(header[7:].strip()), ApiToken.revoked_at.is_(None)
        )
    )
    if token is None:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    token.last_used_at = utcnow()
    session.commit()
    return user


def init_login(app) -> None:
    manager = LoginManager(app)
    manager.login_view = "account.login"
    manager.login_message = _l("Connectez-vous pour accéder à cette page.")
    manager.login_message_category = "info"
    manager.session_protection = "strong"
    manager.anonymous_user = Anonymous
    manager.user_loader(_load_user)
    manager.request_loader(_load_from_request)

    @manager.unauthorized_handler
    def _unauthorized():
        from flask import flash, jsonify, redirect, url_for

        if request.path.startswith("/api/"):
            response = jsonify(error="unauthorized", message=_("Un jeton d'API valide est requis."))
            response.status_code = 401
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        flash(manager.login_message, "info")
        return redirect(url_for("account.login", next=request.full_path.rstrip("?")))
