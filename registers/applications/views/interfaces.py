"""Pages of the interfaces between applications: add one from an application's page, archive it."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import get_or_404
from compliance.db import get_session
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.schemas import validate
from registers.applications import services
from registers.applications.models import Application, Interface
from registers.applications.queries import (
    APPLICATION_OPTIONS,
    INTERFACE_OPTIONS,
)
from registers.applications.schemas import InterfaceCreate
from registers.applications.views.applications import (
    new_interface_form,
    render_detail,
)
from registers.applications.views.helpers import (
    archive_form,
    submit_form,
)

routes = Routes()


@routes.post("/<int:application_id>/interfaces")
def add_interface(application_id: int):
    application = get_or_404(
        Application, application_id, Action.CREATE, options=APPLICATION_OPTIONS
    )
    form = new_interface_form(application, request.form)
    data = form.interface_data(application.id)
    done, _conflict, status = submit_form(
        form,
        lambda: services.create_interface(
            get_session(), validate(InterfaceCreate, data), actor=current_user
        ),
    )
    if not done:
        return render_detail(application, interface_form=form, status=status)
    flash(_("Interface ajoutée."), "success")
    return redirect(url_for(".detail", application_id=application.id, _anchor="interfaces"))


@routes.post("/interfaces/<int:interface_id>/archive")
def archive_interface(interface_id: int):
    interface = get_or_404(Interface, interface_id, Action.EDIT, options=INTERFACE_OPTIONS)
    version = archive_form().submitted_version()
    db = get_session()
    services.archive_interface(db, interface, actor=current_user, version=version)
    db.commit()
    flash(_("Interface retirée."), "success")
    ends = {interface.source_application_id, interface.target_application_id}
    back = request.form.get("application_id", type=int)
    back = back if back in ends else interface.source_application_id
    return redirect(url_for(".detail", application_id=back, _anchor="interfaces"))
