"""Administration pages. Admins manage the organisations where they hold the admin role;
an admin of the hosting organisation (the syndicate) manages every organisation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from compliance import audit, audit_display, mfa
from compliance.access import (
    ADMINISTERED_ORGANISATIONS,
    ADMINISTERED_RECORDS,
    ADMINISTERED_USERS,
    PLATFORM_ADMIN,
    allowed,
    get_or_404,
    require,
    requires,
    scope,
)
from compliance.admin import forms, services
from compliance.auth import Membership, User
from compliance.db import ConflictError, get_session
from compliance.forms import conflict_report
from compliance.i18n import PARIS, local_datetime
from compliance.pagination import page_number, paginate
from compliance.permissions import Action, Register
from compliance.tenancy import Organisation

bp = Blueprint("admin", __name__, url_prefix="/admin")


def admin_organisation_ids() -> set[int]:
    return services.admin_organisation_ids(get_session(), current_user)


def is_platform_admin() -> bool:
    return allowed(PLATFORM_ADMIN)


@bp.before_request
@requires(Register.ORGANISATIONS, Action.ADMIN)
def _admins_only() -> None:
    """Every page here needs the admin role in at least one organisation."""


def _administered_organisation(organisation_id) -> Organisation:
    """An organisation the user administers; 404 for any other, seen or not."""
    return get_or_404(
        Organisation, organisation_id, Action.ADMIN, scope=ADMINISTERED_ORGANISATIONS, forbidden=404
    )


def _managed_organisations():
    statement = select(Organisation).order_by(Organisation.name)
    statement = scope(statement, Action.ADMIN, scope=ADMINISTERED_ORGANISATIONS)
    return list(get_session().scalars(statement))


def _flash_service_error(error: services.ServiceError) -> None:
    flash(str(error), "error")


# --- organisations --------------------------------------------------------------------------


@bp.get("/organisations")
def organisations():
    return render_template(
        "admin/organisations.html",
        organisations=_managed_organisations(),
        may_create=is_platform_admin(),
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
def create_organisation():
    require(rule=PLATFORM_ADMIN)
    form = forms.OrganisationForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            organisation = services.create_organisation(db, form.record_data(), actor=current_user)
        except services.ServiceError as error:
            _flash_service_error(error)
        else:
            db.commit()
            flash(_("Organisation créée."), "success")
            return redirect(url_for("admin.edit_organisation", organisation_id=organisation.id))
    return render_template(
        "admin/organisation_form.html", form=form, organisation=None, may_set_host=True
    ), (400 if request.method == "POST" else 200)


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
def edit_organisation(organisation_id: int):
    organisation = _administered_organisation(organisation_id)
    db = get_session()
    form = forms.OrganisationForm(obj=organisation)
    conflict, status = None, 200
    if form.validate_on_submit():
        try:
            services.update_organisation(
                db,
                organisation,
                form.record_data(),
                actor=current_user,
                version=form.submitted_version(),
            )
            db.commit()
        except ConflictError:
            db.rollback()
            organisation = _administered_organisation(organisation_id)
            conflict, status = conflict_report(db, form, organisation), 409
            form.version.data = organisation.version
        except services.ServiceError as error:
            db.rollback()
            _flash_service_error(error)
            status = 400
        else:
            flash(_("Organisation enregistrée."), "success")
            return redirect(url_for("admin.edit_organisation", organisation_id=organisation.id))
    elif request.method == "POST":
        status = 400
    members = db.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == organisation.id)
        .order_by(User.name)
    ).all()
    return render_template(
        "admin/organisation_form.html",
        form=form,
        organisation=organisation,
        conflict=conflict,
        members=members,
        may_set_host=is_platform_admin(),
    ), status


# --- users ----------------------------------------------------------------------------------


def _visible_users_statement():
    return scope(select(User).order_by(User.name), scope=ADMINISTERED_USERS)


@bp.get("/users")
def users():
    statement = _visible_users_statement()
    query = request.args.get("q", "").strip()
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(
            sa.or_(sa.func.lower(User.name).like(pattern), User.email.like(pattern))
        )
    page = paginate(get_session(), statement, page=page_number(), per_page=50)
    return render_template(
        "admin/users.html",
        page=page,
        query=query,
        may_manage_accounts=services.may_manage_account(get_session(), current_user),
    )


@bp.route("/users/new", methods=["GET", "POST"])
def create_user():
    require(rule=PLATFORM_ADMIN)
    form = forms.UserForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            user = services.create_user(
                db,
                email=form.email.data,
                name=form.name.data,
                language=form.language.data,
                password=form.password.data or None,
                actor=current_user,
            )
        except services.ServiceError as error:
            _flash_service_error(error)
        else:
            db.commit()
            flash(_("Utilisateur créé. Ajoutez-lui un rôle dans une organisation."), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=None), (
        400 if request.method == "POST" else 200
    )


def _membership_form() -> forms.MembershipForm:
    form = forms.MembershipForm(prefix="m")
    form.organisation.choices = [(str(o.id), o.name) for o in _managed_organisations()]
    return form


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = get_or_404(User, user_id, scope=ADMINISTERED_USERS)
    db = get_session()
    may_manage = services.may_manage_account(db, current_user, user)
    if request.method == "POST":
        require(rule=PLATFORM_ADMIN)
    form = forms.UserForm(obj=user)
    conflict, status = None, 200
    if form.validate_on_submit():
        data = {k: v for k, v in form.record_data().items() if k != "password"}
        try:
            services.update_user(
                db, user, data, actor=current_user, version=form.submitted_version()
            )
            if form.password.data:
                services.set_password(db, user, form.password.data, actor=current_user)
            db.commit()
        except ConflictError:
            db.rollback()
            user = get_or_404(User, user_id, scope=ADMINISTERED_USERS)
            conflict, status = conflict_report(db, form, user), 409
            form.version.data = user.version
        except services.ServiceError as error:
            db.rollback()
            _flash_service_error(error)
            status = 400
        else:
            flash(_("Utilisateur enregistré."), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    elif request.method == "POST":
        status = 400
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        conflict=conflict,
        memberships=_memberships_of(user),
        membership_form=_membership_form(),
        may_manage=may_manage,
        managed_organisation_ids=None if is_platform_admin() else admin_organisation_ids(),
    ), status


def _memberships_of(user: User):
    return (
        get_session()
        .execute(
            select(Membership, Organisation)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Membership.user_id == user.id)
            .order_by(Organisation.name, Membership.role)
        )
        .all()
    )


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id: int):
    user = get_or_404(User, user_id, scope=ADMINISTERED_USERS)
    require(rule=PLATFORM_ADMIN)
    if user.id == current_user.id:
        flash(_("Vous ne pouvez pas désactiver votre propre compte."), "error")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    db = get_session()
    services.deactivate_user(db, user, actor=current_user)
    db.commit()
    flash(_("Compte désactivé : cet utilisateur ne peut plus se connecter."), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/mfa/reset")
def reset_mfa(user_id: int):
    user = get_or_404(User, user_id, scope=ADMINISTERED_USERS)
    require(rule=PLATFORM_ADMIN)
    db = get_session()
    mfa.reset(db, user, actor=current_user)
    db.commit()
    flash(
        _("Double authentification réinitialisée : l'utilisateur devra l'activer à nouveau."),
        "success",
    )
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/memberships")
def add_membership(user_id: int):
    user = get_or_404(User, user_id, scope=ADMINISTERED_USERS)
    form = _membership_form()
    if not form.validate_on_submit():
        flash(_("Choisissez une organisation et un rôle valides."), "error")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    organisation = _administered_organisation(int(form.organisation.data))
    expires_at = None
    if form.expires_at.data:
        expires_at = form.expires_at.data.replace(tzinfo=PARIS).astimezone(UTC)
    db = get_session()
    services.grant_role(
        db, user, organisation, form.role.data, actor=current_user, expires_at=expires_at
    )
    db.commit()
    flash(_("Rôle attribué."), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/memberships/<int:membership_id>/revoke")
def revoke_membership(membership_id: int):
    db = get_session()
    membership = get_or_404(
        Membership, membership_id, Action.ADMIN, scope=ADMINISTERED_RECORDS, forbidden=404
    )
    user_id = membership.user_id
    services.revoke_membership(db, membership, actor=current_user)
    db.commit()
    flash(_("Rôle retiré."), "success")
    return redirect(url_for("admin.edit_user", user_id=user_id))


# --- audit trail ----------------------------------------------------------------------------


@bp.get("/audit")
def audit_trail():
    form = forms.AuditFilterForm(request.args)
    form.organisation.choices = [("", _("Toutes"))] + [
        (str(o.id), o.name) for o in _managed_organisations()
    ]
    form.action.choices = [("", _("Toutes")), *audit_display.action_choices()]
    form.object_type.choices = [("", _("Tous")), *audit_display.kind_choices()]
    statement = select(audit.AuditEntry).order_by(audit.AuditEntry.seq.desc())
    statement = scope(statement, Action.ADMIN, scope=ADMINISTERED_RECORDS)
    if form.validate():
        statement = _filter_audit(statement, form)
    db = get_session()
    page = paginate(db, statement, page=page_number(), per_page=100)
    shown = audit_display.present(db, page.items)
    return render_template("admin/audit.html", form=form, page=page, shown=shown)


@bp.app_template_filter("audit_text")
def audit_text(value) -> str:
    """A value of the audit trail as a reader wants it: an ISO 8601 instant (stored in UTC) in
    Europe/Paris like every instant shown; a list or an object as JSON with its accents."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and len(value) > 19 and value[10:11] == "T":
        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            return value
        if instant.tzinfo is not None:
            return local_datetime(instant)
    return str(value)


def _filter_audit(statement, form):
    entry = audit.AuditEntry
    if form.action.data:
        statement = statement.where(entry.action == form.action.data.strip())
    if form.object_type.data:
        statement = statement.where(entry.object_type == form.object_type.data.strip())
    if form.actor.data:
        statement = statement.where(entry.actor_label.like(f"%{form.actor.data.strip().lower()}%"))
    if form.organisation.data:
        statement = statement.where(entry.organisation_id == int(form.organisation.data))
    if form.date_from.data:
        start = datetime.combine(form.date_from.data, time.min, PARIS).astimezone(UTC)
        statement = statement.where(entry.at >= start)
    if form.date_to.data:
        end = datetime.combine(form.date_to.data, time.max, PARIS).astimezone(UTC)
        statement = statement.where(entry.at <= end)
    return statement
