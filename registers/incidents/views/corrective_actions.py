"""Pages of the corrective-action log: list, detail with its lifecycle and effectiveness check,
forms, and the Word log. On the incidents blueprint, under /incidents/actions/."""

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
from compliance.registry import get_registry
from compliance.routes import Routes
from compliance.schemas import FilterError
from compliance.tenancy import organisation_choices, visible_organisations
from registers.incidents import corrective_actions as services
from registers.incidents import export, forms
from registers.incidents.common import today
from registers.incidents.models import ActionSource, ActionStatus, CorrectiveAction, Grade, Incident
from registers.incidents.queries import (
    ACTION_OPTIONS,
    INCIDENT_OPTIONS,
    REGISTER,
    ActionFilters,
    IncidentFilters,
    visible_actions,
    visible_incidents,
)
from registers.incidents.schemas import CorrectiveActionCreate, CorrectiveActionUpdate
from registers.incidents.views.helpers import docx_response

routes = Routes()


def _incidents():
    return list(get_session().scalars(visible_incidents(current_user, IncidentFilters())))


def _form(cls=forms.ActionForm, **kwargs):
    return cls(
        organisations=visible_organisations(REGISTER, Action.CREATE),
        incidents=_incidents(),
        **kwargs,
    )


@routes.get("/actions/")
def actions():
    try:
        filters = ActionFilters.from_args(request.args)
    except FilterError as error:
        return _render_actions(ActionFilters(), None, error=error), 400
    page = paginate(get_session(), visible_actions(filters=filters), page=page_number())
    return _render_actions(filters, page)


def _render_actions(filters, page, *, error=None):
    return render_template(
        "incidents/actions.html",
        filters=filters,
        page=page,
        error=error,
        statuses=ActionStatus,
        sources=ActionSource,
        grades=Grade,
        organisations=organisation_choices(REGISTER),
        today=today(),
        export_form=forms.ExportForm(formdata=None),
        may_create=can(REGISTER, Action.CREATE),
        may_export=can(REGISTER, Action.EXPORT),
    )


@routes.get("/actions/<int:action_id>")
def action_detail(action_id: int):
    return _render_action(get_or_404(CorrectiveAction, action_id, options=ACTION_OPTIONS))


def _render_action(record, *, steps=None, conflict=None, status=200):
    editable = allowed_on(record, Action.EDIT)
    given = steps or {}
    return render_template(
        "incidents/action.html",
        action=record,
        today=today(),
        editable=editable,
        steps={
            target: given.get(target)
            or forms.ActionTransitionForm(
                formdata=None, prefix=f"to-{target.value}-", version=record.version
            )
            for target in (services.allowed_transitions(record) if editable else ())
        },
        archive_form=forms.ArchiveForm(formdata=None, version=record.version),
        conflict=conflict,
        linked=get_registry().panels_for("corrective_action", record),
    ), status


@routes.route("/actions/new", methods=["GET", "POST"])
def create_action():
    require(REGISTER, Action.CREATE)
    incident = None
    if request.args.get("incident_id"):
        incident = get_or_404(
            Incident, request.args["incident_id"], Action.EDIT, options=INCIDENT_OPTIONS
        )
    form = _form()
    if incident is not None and not form.is_submitted():
        form.incident_id.data = incident.id
        form.source.data = ActionSource.INCIDENT
    created = []

    def write():
        db = get_session()
        created.append(
            services.create_action(db, form.checked(CorrectiveActionCreate), actor=current_user)
        )

    done, _conflict, status = submit(form, write)
    if done:
        flash(
            _("Action corrective %(reference)s ouverte.", reference=created[0].reference), "success"
        )
        return redirect(url_for(".action_detail", action_id=created[0].id))
    return render_template("incidents/action_form.html", form=form, action=None), status


@routes.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
def edit_action(action_id: int):
    record = get_or_404(CorrectiveAction, action_id, Action.EDIT, options=ACTION_OPTIONS)
    form = _form(obj=record)
    done, conflict, status = submit(
        form,
        lambda: services.update_action(
            get_session(),
            record,
            form.checked(CorrectiveActionUpdate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(CorrectiveAction, action_id, options=ACTION_OPTIONS),
    )
    if done:
        flash(_("Action corrective enregistrée."), "success")
        return redirect(url_for(".action_detail", action_id=record.id))
    return render_template(
        "incidents/action_form.html", form=form, action=record, conflict=conflict
    ), status


@routes.post("/actions/<int:action_id>/transition/<target>")
def action_transition(action_id: int, target: str):
    record = get_or_404(CorrectiveAction, action_id, Action.EDIT, options=ACTION_OPTIONS)
    if target not in set(ActionStatus):
        abort(404)
    target = ActionStatus(target)
    form = forms.ActionTransitionForm(prefix=f"to-{target.value}-")
    done, conflict, status = submit(
        form,
        lambda: services.transition_action(
            get_session(),
            record,
            target,
            form.step_data(),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(CorrectiveAction, action_id, options=ACTION_OPTIONS),
    )
    if done:
        flash(_("Action corrective : « %(status)s ».", status=target.label), "success")
        return redirect(url_for(".action_detail", action_id=record.id))
    return _render_action(record, steps={target: form}, conflict=conflict, status=status)


@routes.post("/actions/<int:action_id>/archive")
def archive_action(action_id: int):
    return _set_archived(action_id, services.archive_action, _("Action corrective archivée."))


@routes.post("/actions/<int:action_id>/restore")
def restore_action(action_id: int):
    return _set_archived(action_id, services.restore_action, _("Action corrective restaurée."))


def _set_archived(action_id: int, change, message: str):
    record = get_or_404(CorrectiveAction, action_id, Action.EDIT, options=ACTION_OPTIONS)
    form = forms.ArchiveForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_session()
    change(db, record, actor=current_user, version=form.submitted_version())
    db.commit()
    flash(message, "success")
    return redirect(url_for(".action_detail", action_id=record.id))


@routes.post("/actions/export")
def export_actions():
    require(REGISTER, Action.EXPORT)
    if not forms.ExportForm().validate_on_submit():
        abort(400)
    db = get_session()
    data, record = export.export_action_log(db, user=current_user, actor=current_user)
    return docx_response(db, data, record)
