"""The identifiers of an application (how advisories name it), written from the panel of the
watch on the application's page."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import get_or_404, require
from compliance.db import get_session
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.services import FieldErrors
from registers.applications.models import Application
from registers.watch import forms, services
from registers.watch.models import WATCH_EDITOR, ApplicationIdentifier

routes = Routes()


def _back(application_id: int):
    return redirect(url_for("applications.detail", application_id=application_id) + "#watch"), 303


@routes.post("/applications/<int:application_id>/identifiers")
def add_identifier(application_id: int):
    application = get_or_404(Application, application_id)
    require(rule=WATCH_EDITOR, action=Action.CREATE)
    form = forms.IdentifierForm()
    session = get_session()
    if not form.validate_on_submit():
        flash(_("Le formulaire a expiré : recommencez."), "error")
        return _back(application.id)
    try:
        services.add_identifier(
            session, {**form.record_data(), "application_id": application.id}, actor=current_user
        )
        session.commit()
        flash(_("Identifiant ajouté ; les avis ont été rapprochés à nouveau."), "success")
    except FieldErrors as error:
        session.rollback()
        flash("; ".join(error.errors.values()), "error")
    return _back(application.id)


@routes.post("/identifiers/<int:identifier_id>/delete")
def remove_identifier(identifier_id: int):
    identifier = get_or_404(ApplicationIdentifier, identifier_id, Action.EDIT)
    application_id = identifier.application_id
    session = get_session()
    services.remove_identifier(session, identifier, actor=current_user)
    session.commit()
    flash(_("Identifiant retiré."), "success")
    return _back(application_id)
