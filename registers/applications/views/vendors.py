"""Pages of the vendors of the catalogue: list, detail, create, edit."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import CATALOGUE_EDITOR, get_or_404, require
from compliance.db import get_session
from compliance.pagination import page_number, paginate
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.schemas import FilterError
from registers.applications import forms, services
from registers.applications.counts import application_counts, deployment_counts
from registers.applications.models import DpaStatus, Vendor
from registers.applications.queries import (
    VendorFilters,
    vendor_applications,
    visible_vendors,
)
from registers.applications.schemas import VendorCreate, VendorUpdate
from registers.applications.views.helpers import (
    submit_form,
)

routes = Routes()


@routes.get("/vendors")
def vendors():
    filters, page, error, status = VendorFilters(), None, None, 200
    try:
        filters = VendorFilters.from_args(request.args)
    except FilterError as bad:
        error, status = bad, 400
    else:
        page = paginate(get_session(), visible_vendors(filters=filters), page=page_number())
    return render_template(
        "applications/vendors.html",
        filters=filters,
        page=page,
        error=error,
        counts=application_counts(v.id for v in page.items) if page else {},
        dpa_statuses=DpaStatus,
    ), status


@routes.get("/vendors/<int:vendor_id>")
def vendor(vendor_id: int):
    record = get_or_404(Vendor, vendor_id)
    applications = list(get_session().scalars(vendor_applications(record)))
    return render_template(
        "applications/vendor.html",
        vendor=record,
        applications=applications,
        counts=deployment_counts(a.id for a in applications),
    )


@routes.route("/vendors/new", methods=["GET", "POST"])
def create_vendor():
    require(rule=CATALOGUE_EDITOR, action=Action.CREATE)
    form = forms.VendorForm()
    created = []

    def write():
        values = form.checked(VendorCreate)
        created.append(services.create_vendor(get_session(), values, actor=current_user))

    done, _conflict, status = submit_form(form, write)
    if done:
        flash(_("Fournisseur « %(name)s » créé.", name=created[0].name), "success")
        return redirect(url_for(".vendor", vendor_id=created[0].id))
    return render_template("applications/vendor_form.html", form=form, vendor=None), status


@routes.route("/vendors/<int:vendor_id>/edit", methods=["GET", "POST"])
def edit_vendor(vendor_id: int):
    record = get_or_404(Vendor, vendor_id, Action.EDIT)
    form = forms.VendorForm(obj=record)
    done, conflict, status = submit_form(
        form,
        lambda: services.update_vendor(
            get_session(),
            record,
            form.checked(VendorUpdate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(Vendor, vendor_id),
    )
    if done:
        flash(_("Fournisseur enregistré."), "success")
        return redirect(url_for(".vendor", vendor_id=record.id))
    return render_template(
        "applications/vendor_form.html", form=form, vendor=record, conflict=conflict
    ), status
