"""The catalogue import page: upload a file, preview what it would change, confirm.

Between the two steps the uploaded file waits in the instance folder under a random name that
only the uploader's session knows; the confirmation plans the file again from the database, so
nothing the browser sends back can change what is written.
"""

from __future__ import annotations

import contextlib
import hmac
import re
import secrets
import time
from pathlib import Path

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from compliance.access import CATALOGUE_EDITOR, require
from compliance.admin.services import ServiceError
from compliance.auth import can
from compliance.db import get_session
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.tenancy import Organisation
from registers.applications import forms
from registers.applications.importer import UNCHANGED, ImportPlan, apply_import, plan_file
from registers.applications.queries import REGISTER

routes = Routes()

SESSION_KEY = "applications_import"
MAX_AGE_SECONDS = 3600
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _upload_folder() -> Path:
    folder = Path(current_app.config["INSTANCE_PATH"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _upload_path(token: str) -> Path:
    if not TOKEN_PATTERN.match(token or ""):
        raise FileNotFoundError(token)
    return _upload_folder() / f"applications-{token}.upload"


def _forget_stale_uploads() -> None:
    limit = time.time() - MAX_AGE_SECONDS
    for path in _upload_folder().glob("applications-*.upload"):
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def _keep_upload(data: bytes, filename: str) -> str:
    _forget_stale_uploads()
    previous = session.pop(SESSION_KEY, None)
    if previous:
        _discard(previous.get("token", ""))
    token = secrets.token_urlsafe(24)
    _upload_path(token).write_bytes(data)
    session[SESSION_KEY] = {"token": token, "filename": filename, "user": current_user.id}
    return token


def _discard(token: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        _upload_path(token).unlink(missing_ok=True)


def _pending_upload(token: str) -> tuple[bytes, str] | None:
    """The file this session uploaded under `token`, if it is still there."""
    pending = session.get(SESSION_KEY) or {}
    if pending.get("user") != current_user.id or not hmac.compare_digest(
        str(pending.get("token", "")), token or ""
    ):
        return None
    try:
        return _upload_path(token).read_bytes(), pending.get("filename", "")
    except FileNotFoundError:
        return None


def _permission_errors(plan: ImportPlan) -> list[tuple[int, str]]:
    """A deployment belongs to its organisation: the importer must hold the right there."""
    items = [item for item in plan.deployments if item.action != UNCHANGED]
    slugs = {item.key.split("/", 1)[0] for item in items}
    if not slugs:
        return []
    ids = dict(get_session().execute(select(Organisation.slug, Organisation.id)).all())
    errors = []
    for item in items:
        slug = item.key.split("/", 1)[0]
        if not can(REGISTER, Action.CREATE, ids.get(slug)):
            line = item.lines[0] if item.lines else 0
            message = _("vous ne pouvez pas déclarer l'utilisation %(label)s", label=item.label)
            errors.append((line, message))
    return errors


def _plan(data: bytes, filename: str) -> ImportPlan:
    plan = plan_file(get_session(), data, filename)
    if plan.ok:
        plan.errors = _permission_errors(plan)
        if plan.errors:
            plan.items = []
    return plan


@routes.route("/import", methods=["GET", "POST"])
def import_catalogue():
    require(rule=CATALOGUE_EDITOR, action=Action.CREATE)
    form = forms.ImportForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("applications/import.html", form=form), status
    upload = form.file.data
    data, filename = upload.read(), upload.filename or ""
    plan = _plan(data, filename)
    token = _keep_upload(data, filename) if plan.ok and plan.has_changes else None
    confirm = forms.ImportConfirmForm(formdata=None, token=token)
    return render_template(
        "applications/import_preview.html", plan=plan, filename=filename, confirm=confirm
    ), (200 if plan.ok else 400)


@routes.post("/import/confirm")
def confirm_import():
    require(rule=CATALOGUE_EDITOR, action=Action.CREATE)
    form = forms.ImportConfirmForm()
    upload = _pending_upload(form.token.data) if form.validate_on_submit() else None
    if upload is None:
        flash(_("Ce fichier n'est plus disponible : déposez-le à nouveau."), "error")
        return redirect(url_for(".import_catalogue"))
    data, filename = upload
    plan = _plan(data, filename)
    db = get_session()
    try:
        result = apply_import(db, plan, actor=current_user, source=filename)
    except ServiceError as error:
        db.rollback()
        plan.errors = plan.errors or [(0, str(error))]
        confirm = forms.ImportConfirmForm(formdata=None, token=None)
        return render_template(
            "applications/import_preview.html", plan=plan, filename=filename, confirm=confirm
        ), 400
    db.commit()
    _discard(form.token.data)
    session.pop(SESSION_KEY, None)
    flash(
        _(
            "Import terminé : %(created)d créations, %(updated)d mises à jour.",
            created=result.total_created,
            updated=result.total_updated,
        ),
        "success",
    )
    return redirect(url_for(".index"))
