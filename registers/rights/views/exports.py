"""The Word downloads of the rights requests register: the request log of one controller (for a
year, or every year) and the letters of one request to the person (each recorded and audited).

The log needs the register's export permission (auditors have it): it names no one. A letter
carries the person's name and contact, decrypted into it, and is a step of handling the
request: it needs the right to edit the request (the DPO, the organisation's referents), not
only to read or export the register."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from compliance.access import get_or_404, require
from compliance.calendar import today_in_paris
from compliance.db import get_session
from compliance.document_views import send_document
from compliance.forms import Form, QuickSelectField, required
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.tenancy import Organisation, organisation_choices, selected_organisation_id
from registers.rights import export, letters
from registers.rights.models import RightsRequest
from registers.rights.queries import DETAIL_OPTIONS, REGISTER

routes = Routes()


class LetterForm(Form):
    """A letter's download buttons (CSRF only)."""


class LogExportForm(Form):
    # Any slug is accepted here: the view checks the permission in that organisation.
    organisation = QuickSelectField(
        _l("Responsable de traitement"), validators=[required()], validate_choice=False
    )
    year = IntegerField(
        _l("Année de réception"),
        description=_l("Laissez vide pour toutes les demandes enregistrées."),
        validators=[
            Optional(),
            NumberRange(1900, 9999, message=_l("Indiquez une année à quatre chiffres.")),
        ],
    )


def _download(db, data: bytes, record):
    """The Word file, or its PDF when the form asked for it; then the export is kept."""
    response = send_document(db, data, record, current_user)
    db.commit()
    return response


@routes.post("/<int:request_id>/letters/<name>")
def export_letter(request_id: int, name: str):
    record = get_or_404(RightsRequest, request_id, Action.EDIT, options=DETAIL_OPTIONS)
    if name not in letters.LETTERS:
        abort(404)
    if not LetterForm().validate_on_submit():
        abort(400)
    db = get_session()
    try:
        data, exported = export.export_letter(db, record, name, actor=current_user)
    except export.LetterUnavailable as error:
        flash(str(error), "error")
        return redirect(url_for(".detail", request_id=record.id) + "#courriers", code=303)
    return _download(db, data, exported)


def _log_form(formdata=None):
    form = LogExportForm(formdata=formdata)
    exportable = organisation_choices(REGISTER, Action.EXPORT)
    form.organisation.choices = [(o.slug, o.name) for o in exportable]
    if formdata is None:
        chosen = selected_organisation_id()
        form.organisation.data = next((o.slug for o in exportable if o.id == chosen), None)
        form.year.data = today_in_paris().year
    return form


@routes.get("/export")
def export_log_form():
    require(REGISTER, Action.EXPORT)
    return render_template("rights/export.html", form=_log_form())


@routes.post("/export")
def export_log():
    require(REGISTER, Action.EXPORT)
    form = LogExportForm()
    if not form.validate_on_submit():
        form.organisation.choices = _log_form().organisation.choices
        return render_template("rights/export.html", form=form), 400
    organisation = get_or_404(
        Organisation, form.organisation.data, Action.EXPORT, by="slug", register=REGISTER
    )
    db = get_session()
    data, record = export.export_log(db, organisation, form.year.data, actor=current_user)
    return _download(db, data, record)
