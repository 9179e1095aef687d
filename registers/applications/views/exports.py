"""The Word export of the application map: choose its scope, download it (recorded, audited)."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import SelectField

from compliance.access import CATALOGUE_READER, allowed, require
from compliance.db import get_session
from compliance.document_views import send_document
from compliance.forms import Form
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.tenancy import selected_organisation_id, visible_organisations
from registers.applications.export import export_application_map
from registers.applications.queries import REGISTER

routes = Routes()


ALL = "all"


class MapExportForm(Form):
    organisation = SelectField(_l("Périmètre"), default=ALL)


def _form() -> MapExportForm:
    """The scopes this user may export: everything they may see, or one organisation."""
    require(REGISTER, Action.EXPORT)
    organisations = visible_organisations(REGISTER, Action.EXPORT)
    everything = (
        _l("Tout le catalogue du syndicat")
        if allowed(CATALOGUE_READER, action=Action.EXPORT)
        else _l("Toutes mes organisations")
    )
    form = MapExportForm()
    form.organisation.choices = [(ALL, everything)] + [(o.slug, o.name) for o in organisations]
    if not form.is_submitted():
        chosen = selected_organisation_id()
        form.organisation.data = next((o.slug for o in organisations if o.id == chosen), ALL)
    form.organisations = {o.slug: o for o in organisations}
    return form


@routes.get("/map")
@login_required
def application_map_form():
    return render_template("applications/export_map.html", form=_form())


@routes.post("/map")
@login_required
def application_map():
    form = _form()
    if not form.validate_on_submit():
        return render_template("applications/export_map.html", form=form), 400
    # Only organisations where the user may export are offered, so the choice is checked.
    organisation = form.organisations.get(form.organisation.data)
    db = get_session()
    data, record = export_application_map(
        db, user=current_user, actor=current_user, organisation=organisation
    )
    response = send_document(db, data, record, current_user)
    db.commit()
    return response
