"""Login, logout, the user's own profile, password and API tokens."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
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
from flask_login import current_user, login_required, login_user, logout_user
from sqlmodel import select
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from compliance import audit
from compliance.admin import services
from compliance.auth import ApiToken, Membership, active_membership_condition, burn_password_check
from compliance.db import get_session
from compliance.forms import Form
from compliance.mfa import remaining_recovery_codes
from compliance.mfa_views import CurrentCodeForm, begin_second_step
from compliance.notices import Delivery, preferences, set_preferences
from compliance.passwords import MIN_PASSWORD_LENGTH
from compliance.ratelimit import client_address
from compliance.registry import get_registry
from compliance.services import ServiceError
from compliance.web import redirect_to_next

bp = Blueprint("account", __name__)


class LoginForm(Form):
    # No syntax check: any stored address may log in, including the demo's reserved domain,
    # which email-validator refuses.
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired()])


class PasswordForm(Form):
    current = PasswordField(_l("Mot de passe actuel"), validators=[DataRequired()])
    new = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH)],
    )
    confirm = PasswordField(
        _l("Confirmez le nouveau mot de passe"),
        validators=[DataRequired(), EqualTo("new", message=_l("Les deux saisies diffèrent."))],
    )


class TokenForm(Form):
    name = StringField(_l("Nom du jeton"), validators=[DataRequired(), Length(max=100)])


# The password was right; the second factor is asked next.
SECOND_STEP = 303


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        status = _attempt_login(form)
        if status == 302:
            return redirect_to_next(request.args.get("next"))
        if status == SECOND_STEP:
            return redirect(url_for("mfa.login_code"))
    elif request.method == "POST":
        status = 400
    return render_template("account/login.html", form=form), status


def _attempt_login(form: LoginForm) -> int:
    throttle = current_app.extensions["login_throttle"]
    email, address = services.normalise_email(form.email.data), client_address()
    db = get_session()
    wait = throttle.blocked_for(email, address)
    if wait:
        minutes = max(1, round(wait / 60))
        flash(
            _(
                "Trop de tentatives de connexion. Réessayez dans %(minutes)d minute(s).",
                minutes=minutes,
            ),
            "error",
        )
        audit.record(
            db,
            action="login_blocked",
            summary=f"Login refused (throttled) for {email}",
            address=address,
        )
        db.commit()
        return 429
    user = services.find_user(db, email)
    if user is None:
        burn_password_check(form.password.data)
    if user is None or not user.check_password(form.password.data) or not user.active:
        throttle.failed(email, address)
        audit.record(
            db,
            action="login_failed",
            actor=user,
            summary=f"Failed login for {email}",
            address=address,
        )
        db.commit()
        flash(_("Adresse e-mail ou mot de passe incorrect."), "error")
        return 401
    throttle.succeeded(email, address)
    if user.mfa_enabled:
        begin_second_step(user, request.args.get("next"))
        audit.record(
            db, action="login_password", actor=user, summary=f"Password of {email} accepted, "
            "second factor asked", address=address,
        )  # fmt: skip
        db.commit()
        return SECOND_STEP
    session.clear()
    login_user(user)
    audit.record(db, action="login", actor=user, summary=f"Login of {email}", address=address)
    db.commit()
    return 302


@bp.post("/logout")
@login_required
def logout():
    db = get_session()
    audit.record(
        db,
        action="logout",
        actor=current_user,
        summary=f"Logout of {current_user.email}",
        address=client_address(),
    )
    current_user.end_sessions()
    db.commit()
    logout_user()
    session.clear()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("account.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    form = PasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("Mot de passe actuel incorrect."))
        else:
            db = get_session()
            user = current_user._get_current_object()
            try:
                services.set_password(db, user, form.new.data, actor=user)
            except ServiceError as error:
                db.rollback()
                form.new.errors.append(str(error))
            else:
                db.commit()
                login_user(user)  # this session goes on; the user's other sessions end
                flash(_("Mot de passe modifié. Vos autres sessions sont fermées."), "success")
                return redirect(url_for("account.profile"))
    return _profile_page(form=form), (400 if request.method == "POST" else 200)


def _profile_page(**context):
    context.setdefault("form", PasswordForm(formdata=None))
    context.setdefault("token_form", TokenForm(formdata=None))
    context.setdefault("new_token", None)
    context.setdefault("reminder_error", None)
    return render_template(
        "account/profile.html",
        tokens=_tokens(),
        mfa_form=CurrentCodeForm(formdata=None),
        recovery_left=remaining_recovery_codes(get_session(), current_user),
        reminders=_reminders(),
        deliveries=list(Delivery),
        **context,
    )


def _reminder_kinds() -> list:
    """The kinds of e-mail reminder for the roles the user holds now."""
    roles = set(
        get_session().scalars(
            select(Membership.role).where(
                Membership.user_id == current_user.id, active_membership_condition()
            )
        )
    )
    return [kind for kind in get_registry().notice_kinds if kind.role in roles]


def _reminders() -> list[tuple]:
    """(kind, the user's delivery) for each kind of reminder the user may receive."""
    chosen = preferences(get_session(), [current_user.id])
    return [
        (kind, chosen.get((current_user.id, kind.code), Delivery.IMMEDIATE))
        for kind in _reminder_kinds()
    ]


@bp.post("/account/reminders")
@login_required
def reminders():
    """The user's choice, per kind of reminder: immediately, in the daily digest, or never."""
    prefix = "kind-"
    choices = {
        name.removeprefix(prefix): value
        for name, value in request.form.items()
        if name.startswith(prefix)
    }
    db = get_session()
    user = current_user._get_current_object()
    try:
        kinds = [kind.code for kind in _reminder_kinds()]
        set_preferences(db, user, choices, kinds=kinds, actor=user)
    except ServiceError as error:
        db.rollback()
        return _profile_page(reminder_error=str(error)), 400
    db.commit()
    flash(_("Vos choix de rappels par e-mail sont enregistrés."), "success")
    return redirect(url_for("account.profile") + "#reminders-title")


def _tokens() -> list[ApiToken]:
    return list(
        get_session().scalars(
            select(ApiToken)
            .where(ApiToken.user_id == current_user.id)
            .order_by(ApiToken.created_at.desc())
        )
    )


@bp.post("/account/tokens")
@login_required
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _profile_page(token_form=form), 400
    db = get_session()
    _token, secret = services.create_token(db, current_user, form.name.data, actor=current_user)
    db.commit()
    # The secret is rendered once, in this response, and never stored.
    return _profile_page(new_token=secret)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    db = get_session()
    token = db.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    services.revoke_token(db, token, actor=current_user)
    db.commit()
    flash(_("Jeton révoqué."), "success")
    return redirect(url_for("account.profile"))
