"""Flask-Login wiring: session users for pages, bearer tokens for the API."""

from __future__ import annotations

import hmac
import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import select

from compliance.auth import Anonymous, ApiToken, User, hash_token
from compliance.db import get_db, get_session, utcnow

logger = logging.getLogger(__name__)


def load_user(cookie_id: str):
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


def load_from_request(req):
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
    # End the read before anything else: the request's own work starts a transaction of its own.
    session.commit()
    _record_use(token)
    return user


# A token's last use is shown to the minute: recording it on every request would turn every API
# read into a write, and on SQLite make reads wait for (or fail on) the write lock.
TOKEN_USE_INTERVAL = timedelta(minutes=1)
TOKEN_USE_WAIT_MS = 200


def _record_use(token: ApiToken) -> None:
    """Record the token's use at most once per interval, in a short transaction of its own that
    gives up rather than wait for a lock: losing one timestamp never fails or delays a request."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < TOKEN_USE_INTERVAL:
        return
    db = get_db()
    own_connection = not isinstance(db.bind, sa.Connection)
    with db.new_session() as session:
        try:
            options = {"sqlite_begin": "IMMEDIATE", "sqlite_busy_timeout_ms": TOKEN_USE_WAIT_MS}
            connection = session.connection(execution_options=options if own_connection else None)
            if own_connection and connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = {TOKEN_USE_WAIT_MS}")
            session.execute(
                sa.update(ApiToken)
                .where(
                    ApiToken.id == token.id,
                    sa.or_(
                        ApiToken.last_used_at.is_(None),
                        ApiToken.last_used_at <= now - TOKEN_USE_INTERVAL,
                    ),
                )
                .values(last_used_at=now)
            )
            session.commit()
        except sa.exc.DBAPIError as error:
            session.rollback()
            logger.info("token use not recorded: %s", error.orig)
            return
    set_committed_value(token, "last_used_at", now)


def init_login(app) -> None:
    manager = LoginManager(app)
    manager.login_view = "account.login"
    manager.login_message = _l("Connectez-vous pour accéder à cette page.")
    manager.login_message_category = "info"
    manager.session_protection = "strong"
    manager.anonymous_user = Anonymous
    manager.user_loader(load_user)
    manager.request_loader(load_from_request)

    @manager.unauthorized_handler
    def _unauthorized():
        if request.path.startswith("/api/"):
            response = jsonify(error="unauthorized", message=_("Un jeton d'API valide est requis."))
            response.status_code = 401
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        flash(manager.login_message, "info")
        return redirect(url_for("account.login", next=request.full_path.rstrip("?")))
