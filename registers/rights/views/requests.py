"""Pages of the rights requests register: list, detail, create and edit. Each view loads and
checks access (404, then 403), validates its form, calls one service, commits and redirects;
the transitions are in transitions.py."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import allowed_on, get_or_404, require
from compliance.auth import can
from compliance.db import get_session
from compliance.forms import submit
from compliance.pagination import page_number, paginate
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.schemas import FilterError
from compliance.tenancy import organisation_choices, selected_organisation_id, visible_organisations
from registers.rights import forms, services
from registers.rights.models import RightsRequest
from registers.rights.queries import (
    DETAIL_OPTIONS,
    REGISTER,
    RightsRequestFilters,
    request_filters,
    visible_requests,
)
from registers.rights.schemas import RightKind, RightsRequestCreate, RightsRequestUpdate
from registers.rights.views import transitions
from registers.rights.views.helpers import fill_choices, suggested_applications

routes = Routes()


# --- list ---------------------------------------------------------------------------------------


@routes.get("/")
def index():
    try:
        filters = request_filters(request.args)
    except FilterError as error:
        return _render_index(RightsRequestFilters(), None, error=error), 400
    page = paginate(get_session(), visible_requests(filters=filters), page=page_number())
    return _render_index(filters, page)


def _render_index(filters, page, *, error=None):
    return render_template(
        "rights/index.html",
        filters=filters,
        page=page,
        error=error,
        rights=RightKind,
        organisations=organisation_choices(REGISTER),
        may_create=can(REGISTER, Action.CREATE),
    )


# --- detail -------------------------------------------------------------------------------------


@routes.get("/<int:request_id>")
def detail(request_id: int):
    return transitions.render_detail(get_or_404(RightsRequest, request_id, options=DETAIL_OPTIONS))


# --- create and edit ----------------------------------------------------------------------------


def _chosen_organisation(organisations):
    """The organisation named by the query string or the form, the one picked in the selector,
    or the only one the user may record requests in."""
    wanted = request.values.get("organisation_id", type=int) or selected_organisation_id()
    if wanted is None and len(organisations) == 1:
        return organisations[0]
    return next((o for o in organisations if o.id == wanted), None)


@routes.route("/new", methods=["GET", "POST"])
def create():
    require(REGISTER, Action.CREATE)
    organisations = visible_organisations(REGISTER, Action.CREATE)
    chosen = _chosen_organisation(organisations)
    if chosen is None:
        return render_template("rights/choose.html", organisations=organisations)
    form = forms.RightsRequestForm()
    form.organisation_id.choices = [(chosen.id, chosen.name)]
    supports = fill_choices(form, chosen.id)
    if not form.is_submitted():
        form.organisation_id.data = chosen.id
    created = []

    def write():
        values = form.checked(RightsRequestCreate)
        created.append(services.create_request(get_session(), values, actor=current_user))

    done, _conflict, status = submit(form, write)
    if done:
        flash(_("Demande %(reference)s enregistrée.", reference=created[0].reference), "success")
        return redirect(url_for(".detail", request_id=created[0].id))
    return render_template(
        "rights/form.html", form=form, record=None, organisation=chosen, supports=supports
    ), status


@routes.route("/<int:request_id>/edit", methods=["GET", "POST"])
def edit(request_id: int):
    record = get_or_404(RightsRequest, request_id, Action.EDIT, options=DETAIL_OPTIONS)
    form = forms.RightsRequestEditForm(obj=record)
    supports = fill_choices(form, record.organisation_id)
    done, conflict, status = submit(
        form,
        lambda: services.update_request(
            get_session(),
            record,
            form.checked(RightsRequestUpdate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(RightsRequest, request_id),
    )
    if done:
        flash(_("Demande enregistrée."), "success")
        return redirect(url_for(".detail", request_id=record.id))
    return render_template(
        "rights/form.html",
        form=form,
        record=record,
        organisation=record.organisation,
        supports=supports,
        suggested=suggested_applications(record),
        conflict=conflict,
        editable=allowed_on(record, Action.EDIT),
    ), status
