"""Pages of the risk register: the list with its heat maps, a risk, create and edit. Each view
loads and checks access (404, then 403), validates its form, calls one service, commits and
redirects."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
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
from registers.risks import forms, services
from registers.risks.models import Risk
from registers.risks.queries import (
    DETAIL_OPTIONS,
    REGISTER,
    RiskFilters,
    heat_maps,
    risk_filters,
    visible_risks,
)
from registers.risks.schemas import RiskCreate, RiskUpdate
from registers.risks.views.helpers import fill_choices

routes = Routes()


@routes.get("/")
def index():
    try:
        filters = risk_filters(request.args)
    except FilterError as error:
        return _render_index(RiskFilters(), None, None, error=error), 400
    statement = visible_risks(filters=filters)
    page = paginate(get_session(), statement, page=page_number())
    return _render_index(filters, page, heat_maps(get_session(), statement))


def _render_index(filters, page, maps, *, error=None):
    return render_template(
        "risks/index.html",
        filters=filters,
        page=page,
        maps=maps,
        error=error,
        organisations=organisation_choices(REGISTER),
        may_create=can(REGISTER, Action.CREATE),
        may_export=can(REGISTER, Action.EXPORT),
    )


@routes.get("/<int:risk_id>")
def detail(risk_id: int):
    record = get_or_404(Risk, risk_id, options=DETAIL_OPTIONS)
    return render_template(
        "risks/detail.html",
        risk=record,
        editable=allowed_on(record, Action.EDIT)
        and services.may_write(get_session(), record, current_user),
    )


def _chosen_organisation(organisations):
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
        return render_template("risks/choose.html", organisations=organisations)
    form = forms.RiskForm()
    form.organisation_id.choices = [(chosen.id, chosen.name)]
    fill_choices(form, chosen)
    if not form.is_submitted():
        form.organisation_id.data = chosen.id
    created = []

    def write():
        values = form.checked(RiskCreate)
        created.append(services.create_risk(get_session(), values, actor=current_user))

    done, _conflict, status = submit(form, write)
    if done:
        flash(_("Risque %(reference)s enregistré.", reference=created[0].reference), "success")
        return redirect(url_for(".detail", risk_id=created[0].id))
    return render_template("risks/form.html", form=form, record=None, organisation=chosen), status


@routes.route("/<int:risk_id>/edit", methods=["GET", "POST"])
def edit(risk_id: int):
    record = get_or_404(Risk, risk_id, Action.EDIT, options=DETAIL_OPTIONS)
    if not services.may_write(get_session(), record, current_user):
        abort(403)
    form = forms.RiskEditForm(obj=record)
    fill_choices(form, record.organisation)
    done, conflict, status = submit(
        form,
        lambda: services.update_risk(
            get_session(),
            record,
            form.checked(RiskUpdate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(Risk, risk_id),
    )
    if done:
        flash(_("Risque enregistré."), "success")
        return redirect(url_for(".detail", risk_id=record.id))
    return render_template(
        "risks/form.html",
        form=form,
        record=record,
        organisation=record.organisation,
        conflict=conflict,
    ), status
