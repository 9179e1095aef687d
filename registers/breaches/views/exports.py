"""The Word downloads of the breach register: an organisation's register, a breach's
notification dossier and its letter to the people concerned (each recorded and audited)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from compliance.access import get_or_404, require
from compliance.db import get_session
from compliance.document_views import send_document
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.tenancy import Organisation
from registers.breaches import export, forms
from registers.breaches.models import PersonalDataBreach
from registers.breaches.queries import REGISTER

routes = Routes()


def _download(db, data: bytes, record):
    """The Word file, or its PDF when the form asked for it; then the export is kept."""
    response = send_document(db, data, record, current_user)
    db.commit()
    return response


def _checked(form) -> None:
    if not form.validate_on_submit():
        abort(400)


@routes.post("/<int:breach_id>/export/dossier")
def export_dossier(breach_id: int):
    breach = get_or_404(PersonalDataBreach, breach_id, Action.EXPORT)
    _checked(forms.ExportForm())
    db = get_session()
    data, record = export.export_dossier(db, breach, actor=current_user)
    return _download(db, data, record)


@routes.post("/<int:breach_id>/export/letter")
def export_letter(breach_id: int):
    breach = get_or_404(PersonalDataBreach, breach_id, Action.EXPORT)
    _checked(forms.ExportForm())
    db = get_session()
    data, record = export.export_letter(db, breach, actor=current_user)
    return _download(db, data, record)


@routes.post("/export/register")
def export_register():
    require(REGISTER, Action.EXPORT)
    form = forms.RegisterExportForm()
    _checked(form)
    db = get_session()
    slug = form.organisation.data
    organisation = get_or_404(Organisation, slug, Action.EXPORT, by="slug", register=REGISTER)
    data, record = export.export_register(db, organisation, actor=current_user)
    return _download(db, data, record)
