"""The risk treatment plan's download, from the list page: one organisation's plan (recorded
and audited), for whoever may export the register there (auditors too)."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField

from compliance.access import get_or_404, require
from compliance.db import get_session
from compliance.document_views import send_document
from compliance.forms import Form, required
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.tenancy import Organisation, organisation_choices, selected_organisation_id
from registers.risks import export
from registers.risks.queries import REGISTER

routes = Routes()


class PlanExportForm(Form):
    # Any slug is accepted here: the view checks the permission in that organisation.
    organisation = SelectField(_l("Périmètre"), validators=[required()], validate_choice=False)


def _plan_form(formdata=None):
    form = PlanExportForm(formdata=formdata)
    exportable = organisation_choices(REGISTER, Action.EXPORT)
    form.organisation.choices = [(o.slug, o.name) for o in exportable]
    if formdata is None:
        chosen = selected_organisation_id()
        form.organisation.data = next((o.slug for o in exportable if o.id == chosen), None)
    return form


@routes.get("/export")
def export_plan_form():
    require(REGISTER, Action.EXPORT)
    return render_template("risks/export.html", form=_plan_form())


@routes.post("/export")
def export_plan():
    require(REGISTER, Action.EXPORT)
    form = PlanExportForm()
    if not form.validate_on_submit():
        form.organisation.choices = _plan_form().organisation.choices
        return render_template("risks/export.html", form=form), 400
    organisation = get_or_404(
        Organisation, form.organisation.data, Action.EXPORT, by="slug", register=REGISTER
    )
    db = get_session()
    data, record = export.export_plan(db, organisation, actor=current_user)
    response = send_document(db, data, record, current_user)
    db.commit()
    return response
