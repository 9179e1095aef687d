"""The second factor's pages: the login's second step, enrolment and disabling on the account
page, and the rule that sends a user whose role requires MFA to enrol before anything else."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from compliance import audit, mfa
from compliance.auth import User, roles_by_organisation
from compliance.db import get_session
from compliance.forms import Form
from compliance.login import load_user
from compliance.ratelimit import client_address
from compliance.web import redirect_to_next

bp = Blueprint("mfa", __name__)

# Between the password and the code: the account waiting for its code, for so many seconds.
PENDING_KEY = "mfa_pending"
PENDING_SECONDS = 300
# What a user who must enrol may still reach.
OPEN_ENDPOINTS = {
    "static",
    "mfa.setup",
    "mfa.start",
    "mfa.confirm",
    "mfa.login_code",
    "account.login",
    "account.logout",
    "web.set_language",
    "web.healthz",
}


class CodeForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])


class CurrentCodeForm(Form):
    code = StringField(_l("Code actuel"), validators=[DataRequired(), Length(max=32)])


@bp.before_app_request
def _require_enrolment():
    """A user holding a role listed in COMPLIANCE_MFA_REQUIRED_ROLES without a second factor
    reaches nothing but the enrolment page (API tokens are not concerned)."""
    if request.endpoint in OPEN_ENDPOINTS or request.path.startswith("/api/"):
        return None
    if not mfa.required_roles(current_app.config) or not current_user.is_authenticated:
        return None
    roles = roles_by_organisation(current_user, get_session()).get(None, frozenset())
    if mfa.must_enrol(current_user, roles, current_app.config):
        return redirect(url_for("mfa.setup"))
    return None


# --- the login's second step ----------------------------------------------------------------


def begin_second_step(user: User, next_target: str | None) -> None:
    """Called by the login once the password is right: the session holds no user yet, only
    the account waiting for its code."""
    session.clear()
    session[PENDING_KEY] = {"user": user.get_id(), "at": time.time(), "next": next_target}


def _pending_user() -> User | None:
    pending = session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = load_user(pending.get("user"))
    return user if user is not None and user.mfa_enabled else None


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    user = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash(_("Saisissez à nouveau votre adresse e-mail et votre mot de passe."), "info")
        return redirect(url_for("account.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        status = _attempt_code(user, form)
        if status == 302:
            target = session[PENDING_KEY].get("next")
            session.clear()
            login_user(user)
            return redirect_to_next(target)
    elif request.method == "POST":
        status = 400
    return render_template("account/login_code.html", form=form), status


def _attempt_code(user: User, form: CodeForm) -> int:
    # Counted apart from the password: a right password must not reset the code's counter.
    throttle = current_app.extensions["login_throttle"]
    key, address, db = f"mfa:{user.email}", client_address(), get_session()
    wait = throttle.blocked_for(key, address)
    if wait:
        flash(
            _(
                "Trop de tentatives de connexion. Réessayez dans %(minutes)d minute(s).",
                minutes=max(1, round(wait / 60)),
            ),
            "error",
        )
        audit.record(
            db, action="login_blocked", actor=user, summary=f"Code refused (throttled) for "
            f"{user.email}", address=address,
        )  # fmt: skip
        db.commit()
        return 429
    kind = mfa.verify_second_factor(db, user, form.code.data)
    if kind is None:
        throttle.failed(key, address)
        audit.record(
            db, action="mfa_failed", actor=user, summary=f"Wrong code for {user.email}",
            address=address,
        )  # fmt: skip
        db.commit()
        form.code.errors.append(_("Code incorrect ou déjà utilisé."))
        return 401
    throttle.succeeded(key, address)
    audit.record(
        db, action="login", actor=user, summary=f"Login of {user.email} ({kind})", address=address
    )
    db.commit()
    if kind == "recovery":
        left = mfa.remaining_recovery_codes(db, user)
        flash(
            _(
                "Code de secours utilisé : il ne servira plus. Il vous en reste %(count)d.",
                count=left,
            ),
            "warning",
        )
    return 302


# --- enrolment and disabling ----------------------------------------------------------------


@bp.get("/account/mfa")
@login_required
def setup():
    user = current_user._get_current_object()
    if user.mfa_enabled:
        return redirect(url_for("account.profile"))
    return _setup_page(user, CodeForm(formdata=None))


def _setup_page(user: User, form: CodeForm, status: int = 200):
    secret = user.mfa_secret
    uri = mfa.provisioning_uri(user, secret) if secret else None
    required = mfa.must_enrol(
        user, roles_by_organisation(user, get_session()).get(None, frozenset()), current_app.config
    )
    return render_template(
        "account/mfa_setup.html",
        form=form,
        secret=secret,
        uri=uri,
        qr_code=mfa.qr_code_data_uri(uri) if uri else None,
        required=required,
    ), status


@bp.post("/account/mfa/start")
@login_required
def start():
    user = current_user._get_current_object()
    if not user.mfa_enabled:
        db = get_session()
        mfa.start_enrolment(db, user)
        db.commit()
    return redirect(url_for("mfa.setup"))


@bp.post("/account/mfa")
@login_required
def confirm():
    user = current_user._get_current_object()
    if user.mfa_enabled:
        return redirect(url_for("account.profile"))
    form = CodeForm()
    if not form.validate_on_submit():
        return _setup_page(user, form, 400)
    db = get_session()
    codes = mfa.confirm_enrolment(db, user, form.code.data, actor=user)
    if codes is None:
        db.rollback()
        form.code.errors.append(
            _("Code incorrect : vérifiez l'heure de votre téléphone et saisissez le code affiché.")
        )
        return _setup_page(user, form, 400)
    db.commit()
    # The codes are rendered once, in this response, and only their hashes are kept.
    return render_template("account/mfa_codes.html", codes=codes)


def _with_current_code(operation):
    """Run `operation(session, user, code)` when the posted code is right, counting wrong codes
    like wrong passwords; return its result, or None after flashing why."""
    user = current_user._get_current_object()
    form = CurrentCodeForm()
    throttle = current_app.extensions["login_throttle"]
    key, address, db = f"mfa:{user.email}", client_address(), get_session()
    if throttle.blocked_for(key, address):
        flash(_("Trop de codes incorrects. Réessayez plus tard."), "error")
        return None
    result = operation(db, user, form.code.data) if form.validate_on_submit() else None
    if not result:
        db.rollback()
        throttle.failed(key, address)
        flash(_("Code incorrect ou déjà utilisé."), "error")
        return None
    db.commit()
    return result


@bp.post("/account/mfa/disable")
@login_required
def disable():
    if _with_current_code(lambda db, user, code: mfa.disable(db, user, code, actor=user)):
        flash(_("Double authentification désactivée."), "success")
    return redirect(url_for("account.profile"))


@bp.post("/account/mfa/recovery-codes")
@login_required
def renew_recovery_codes():
    codes = _with_current_code(
        lambda db, user, code: mfa.renew_recovery_codes(db, user, code, actor=user)
    )
    if not codes:
        return redirect(url_for("account.profile"))
    return render_template("account/mfa_codes.html", codes=codes)
