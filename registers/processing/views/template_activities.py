"""The DPO's template activities (traitements types): written once in the host organisation,
applied to several members at once, each copy showing where it has diverged, and a later change
pushed to the copies that still follow the template on those fields."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from compliance.access import MODEL_KEEPER, get_or_404, require
from compliance.db import get_session
from compliance.permissions import Action
from compliance.routes import Routes
from registers.processing import forms, processor, services, template_activities
from registers.processing.models import ProcessingActivity
from registers.processing.queries import (
    readable_organisations,
    visible_activities,
)
from registers.processing.schemas import ActivityCreate, ActivityFilters
from registers.processing.views.helpers import (
    activity_form,
    added_section,
    render_activity_form,
    submit_form,
)

routes = Routes()


def templates_host(action: Action = Action.VALIDATE):
    """The host organisation, where the template activities live (404 while no organisation is
    the host), for their keeper only (`MODEL_KEEPER`, 403 otherwise)."""
    host = processor.host_organisation(get_session())
    if host is None:
        abort(404)
    require(rule=MODEL_KEEPER, action=action)
    return host


def template_activity(model_id: int):
    """A template activity, for its keeper: 404 for an activity that is not one."""
    templates_host()
    template = get_or_404(ProcessingActivity, model_id)
    if not template.is_model:
        abort(404)
    return template


@routes.get("/models")
def models():
    host = templates_host()
    statement = visible_activities(filters=ActivityFilters(models=True), selected=False)
    items = list(get_session().scalars(statement))
    copies = {
        template.id: template_activities.copies_of(get_session(), template) for template in items
    }
    return render_template("processing/models.html", host=host, models=items, copies=copies)


@routes.route("/models/new", methods=["GET", "POST"])
def create_model():
    host = templates_host(Action.CREATE)
    form = activity_form(None, host)
    added = added_section(form)
    if added:
        form.offer_blank_rows(forms.ADDED_ROWS, [added])
        return render_activity_form(form, None, host, focus=added)
    created = []

    def write():
        values = form.checked(ActivityCreate)
        created.append(
            template_activities.create_template(get_session(), host, values, actor=current_user)
        )

    done, _conflict, status = submit_form(form, write)
    if done:
        flash(_("Traitement type « %(name)s » créé.", name=created[0].name), "success")
        return redirect(url_for(".model", model_id=created[0].id))
    return render_activity_form(form, None, host, status=status)


def _apply_form(template, copies, formdata=None):
    taken = {copy.organisation_id for copy in copies}
    choices = [
        (o.id, o.name)
        for o in readable_organisations(action=Action.CREATE)
        if o.id != template.organisation_id and o.id not in taken
    ]
    form = forms.ApplyTemplateForm(formdata)
    form.organisations.choices = choices
    return form


def _push_form(formdata=None):
    form = forms.PushTemplateForm(formdata)
    form.fields.choices = [
        (name, str(label)) for name, label in template_activities.SYNC_FIELDS.items()
    ]
    if formdata is None:
        form.fields.data = list(template_activities.SYNC_FIELDS)
    return form


def _render_template_page(template, *, apply_form=None, push_form=None, status=200):
    copies = template_activities.copies_of(get_session(), template)
    states = {copy.id: template_activities.field_states(copy, template) for copy in copies}
    return render_template(
        "processing/model.html",
        activity=template,
        copies=copies,
        states=states,
        apply_form=apply_form or _apply_form(template, copies),
        push_form=push_form or _push_form(),
    ), status


@routes.get("/models/<int:model_id>")
def model(model_id: int):
    return _render_template_page(template_activity(model_id))


@routes.post("/models/<int:model_id>/apply")
def apply_model(model_id: int):
    template = template_activity(model_id)
    db = get_session()
    form = _apply_form(template, template_activities.copies_of(db, template), request.form)
    if not form.validate_on_submit():
        return _render_template_page(template, apply_form=form, status=400)
    wanted = set(form.organisations.data)
    chosen = [o for o in readable_organisations(action=Action.CREATE) if o.id in wanted]
    try:
        made = template_activities.apply_template(db, template, chosen, actor=current_user)
    except services.PermissionDenied:
        db.rollback()
        abort(403)
    db.commit()
    message = ngettext(
        "Traitement type appliqué : %(num)d fiche créée en brouillon.",
        "Traitement type appliqué : %(num)d fiches créées en brouillon.",
        len(made),
    )
    flash(message, "success")
    return redirect(url_for(".model", model_id=template.id))


@routes.post("/models/<int:model_id>/push")
def push_model(model_id: int):
    template = template_activity(model_id)
    form = _push_form(request.form)
    if not form.validate_on_submit():
        return _render_template_page(template, push_form=form, status=400)
    db = get_session()
    try:
        results = template_activities.push_template(
            db, template, actor=current_user, fields=form.fields.data
        )
    except services.PermissionDenied:
        db.rollback()
        abort(403)
    db.commit()
    updated = sum(1 for result in results if result.updated)
    kept = sum(1 for result in results if result.kept)
    flash(
        _(
            "Mise à jour propagée : %(updated)d copies mises à jour, %(kept)d copies gardent "
            "des éléments adaptés localement.",
            updated=updated,
            kept=kept,
        ),
        "success",
    )
    return redirect(url_for(".model", model_id=template.id))
