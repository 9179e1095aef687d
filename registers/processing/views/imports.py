"""The import page of an organisation's register: upload an XLSX or CSV file, see what it would
create and update (or every refused line with its number), then apply it.

The preview runs the import in the request's transaction and rolls it back; between the two
steps the file waits in the instance folder under a random name only the uploader's session
knows, and the confirmation imports that file again from scratch, all or nothing.
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

from compliance.access import get_or_404
from compliance.db import get_session
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.tenancy import Organisation
from registers.processing import forms, importer
from registers.processing.queries import REGISTER

routes = Routes()

SESSION_KEY = "processing_import"
MAX_AGE_SECONDS = 3600
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _folder() -> Path:
    folder = Path(current_app.config["INSTANCE_PATH"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _path(token: str) -> Path:
    if not TOKEN_PATTERN.match(token or ""):
        raise FileNotFoundError(token)
    return _folder() / f"processing-{token}.upload"


def _discard(token: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        _path(token).unlink(missing_ok=True)


def _keep(data: bytes, filename: str, organisation_id: int) -> str:
    limit = time.time() - MAX_AGE_SECONDS
    for stale in _folder().glob("processing-*.upload"):
        if stale.stat().st_mtime < limit:
            stale.unlink(missing_ok=True)
    previous = session.pop(SESSION_KEY, None)
    if previous:
        _discard(previous.get("token", ""))
    token = secrets.token_urlsafe(24)
    _path(token).write_bytes(data)
    session[SESSION_KEY] = {
        "token": token,
        "filename": filename,
        "user": current_user.id,
        "organisation": organisation_id,
    }
    return token


def _pending(token: str, organisation_id: int) -> tuple[bytes, str] | None:
    pending = session.get(SESSION_KEY) or {}
    if (
        pending.get("user") != current_user.id
        or pending.get("organisation") != organisation_id
        or not hmac.compare_digest(str(pending.get("token", "")), token or "")
    ):
        return None
    try:
        return _path(token).read_bytes(), pending.get("filename", "")
    except FileNotFoundError:
        return None


def _preview(organisation, data: bytes, filename: str):
    """What the file would do: the import run, then rolled back."""
    db = get_session()
    result = importer.import_activities(db, organisation, data, filename, actor=current_user)
    preview = {
        "created": [(a.reference, a.name) for a in result.created],
        "updated": [(a.reference, a.name) for a in result.updated],
        "errors": result.errors,
    }
    db.rollback()
    return preview


@routes.route("/registers/<slug>/import", methods=["GET", "POST"])
def import_activities(slug: str):
    organisation = get_or_404(Organisation, slug, Action.CREATE, by="slug", register=REGISTER)
    form = forms.ImportForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template(
            "processing/import.html", form=form, organisation=organisation
        ), status
    upload = form.file.data
    data, filename = upload.read(), upload.filename or ""
    preview = _preview(organisation, data, filename)
    ok = not preview["errors"]
    token = _keep(data, filename, organisation.id) if ok else None
    confirm = forms.ImportConfirmForm(formdata=None, token=token)
    return render_template(
        "processing/import_preview.html",
        organisation=organisation,
        preview=preview,
        filename=filename,
        confirm=confirm,
    ), (200 if ok else 400)


@routes.post("/registers/<slug>/import/confirm")
def confirm_import(slug: str):
    organisation = get_or_404(Organisation, slug, Action.CREATE, by="slug", register=REGISTER)
    form = forms.ImportConfirmForm()
    upload = _pending(form.token.data, organisation.id) if form.validate_on_submit() else None
    if upload is None:
        flash(_("Ce fichier n'est plus disponible : déposez-le à nouveau."), "error")
        return redirect(url_for(".import_activities", slug=organisation.slug))
    data, filename = upload
    db = get_session()
    result = importer.import_activities(db, organisation, data, filename, actor=current_user)
    if not result.ok:
        db.rollback()
        preview = {"created": [], "updated": [], "errors": result.errors}
        return render_template(
            "processing/import_preview.html",
            organisation=organisation,
            preview=preview,
            filename=filename,
            confirm=forms.ImportConfirmForm(formdata=None, token=None),
        ), 400
    db.commit()
    _discard(form.token.data)
    session.pop(SESSION_KEY, None)
    flash(
        _(
            "Import terminé : %(created)d fiches créées, %(updated)d mises à jour.",
            created=len(result.created),
            updated=len(result.updated),
        ),
        "success",
    )
    return redirect(url_for(".register", slug=organisation.slug))
