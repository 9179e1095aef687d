"""The bulletin de veille's download: for a period, the whole syndicate (the host's readers) or
one member (who may export that member's exposure). Recorded and audited."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import allowed, get_or_404, require
from compliance.calendar import today_in_paris
from compliance.db import get_session
from compliance.document_views import send_document
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.tenancy import Organisation, organisation_choices
from registers.watch import export, forms
from registers.watch.models import WATCH_READER
from registers.watch.queries import REGISTER

routes = Routes()


def _form(formdata=None):
    """The period form; "every member" is offered to the host's readers only."""
    form = forms.PeriodForm(formdata=formdata)
    whole = allowed(WATCH_READER, action=Action.EXPORT)
    head = [("", _("Tous les membres"))] if whole else []
    form.organisation_id.choices = head + [
        (o.slug, o.name) for o in organisation_choices(REGISTER, Action.EXPORT)
    ]
    if formdata is None:
        form.end.data = today_in_paris()
        form.start.data = form.end.data - timedelta(days=30)
        form.organisation_id.data = request.args.get("organisation", "")
    return form, whole


@routes.get("/bulletin")
def bulletin_form():
    require(REGISTER, Action.EXPORT)
    form, _whole = _form()
    return render_template("watch/bulletin.html", form=form)


@routes.post("/bulletin")
def bulletin():
    require(REGISTER, Action.EXPORT)
    form, whole = _form(request.form)
    valid = form.validate_on_submit()
    if valid and form.start.data > form.end.data:
        form.end.errors = [_("doit suivre le début de la période")]
        valid = False
    if not valid:
        return render_template("watch/bulletin.html", form=form), 400
    organisation = None
    if form.organisation_id.data:
        organisation = get_or_404(
            Organisation, form.organisation_id.data, Action.EXPORT, by="slug", register=REGISTER
        )
    elif not whole:
        require(rule=WATCH_READER, action=Action.EXPORT)
    db = get_session()
    data, record = export.export_bulletin(
        db, form.start.data, form.end.data, organisation, actor=current_user
    )
    response = send_document(db, data, record, current_user)
    db.commit()
    return response
