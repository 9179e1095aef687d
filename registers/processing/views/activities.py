"""Pages of the record of processing activities: the registers, an activity's sheet, its edit
and DPIA screening forms and its workflow. Each view loads and checks access (404, then 403),
validates its form, calls one service, commits and redirects.

The model processings (template_activities.py), the published versions, the Word and
spreadsheet exports, the processor's register and the import have their own modules.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import allowed_on, get_or_404
from compliance.auth import can
from compliance.db import ConflictError, get_session
from compliance.forms import conflict_report
from compliance.pagination import page_number, paginate
from compliance.permissions import Action
from compliance.registry import get_registry
from compliance.routes import Routes
from compliance.schemas import FilterError
from compliance.tenancy import Organisation, selected_organisation_id, visible_organisations_query
from registers.processing import compute, forms, gates, services, template_activities
from registers.processing.models import ProcessingActivity
from registers.processing.queries import (
    REGISTER,
    inherited_measures,
    organisation_summaries,
    readable_organisations,
    summary_samples,
    visible_activities,
)
from registers.processing.reference import ProcessingStatus
from registers.processing.schemas import ActivityCreate, ActivityFilters, ActivityUpdate
from registers.processing.views.helpers import (
    activity_form,
    added_section,
    attach_errors,
    organisation_applications,
    render_activity_form,
    submit_form,
    translate_workflow,
)

routes = Routes()
# The incomplete activities and those with warnings a register's summary names.
SUMMARY_SAMPLE = 12


# --- shared steps -----------------------------------------------------------------------------


# --- the registers ----------------------------------------------------------------------------


@routes.get("/")
def index():
    """The registers the user may read: straight to it when there is only one (or one is
    picked in the organisation selector), else one line per organisation."""
    organisations = readable_organisations()
    chosen = selected_organisation_id()
    target = next((o for o in organisations if o.id == chosen), None)
    if target is None and len(organisations) == 1:
        target = organisations[0]
    if target is not None:
        return redirect(url_for(".register", slug=target.slug))
    statement = (
        sa.select(Organisation)
        .where(Organisation.id.in_(visible_organisations_query(current_user, REGISTER)))
        .order_by(Organisation.name)
    )
    page = paginate(get_session(), statement, page=page_number(), per_page=25)
    return render_template("processing/index.html", page=page, overview=_overview(page.items))


def _overview(organisations: list[Organisation]) -> dict[int, dict]:
    """Per organisation of a page: counts by status, completeness and warnings, summed in SQL
    (queries.organisation_summaries)."""
    summaries = organisation_summaries([organisation.id for organisation in organisations])
    result = {}
    for organisation in organisations:
        summary = summaries[organisation.id]
        result[organisation.id] = {
            "total": summary.total,
            "counts": summary.counts,
            "completeness": summary.completeness(organisation),
            "warnings": summary.warnings,
            "dpia_pending": summary.dpia_pending,
        }
    return result


@routes.get("/registers/<slug>/")
def register(slug: str):
    organisation = get_or_404(Organisation, slug, by="slug", register=REGISTER)
    error, status = None, 200
    try:
        filters = ActivityFilters.from_args(request.args)
    except FilterError as bad:
        filters, error, status = ActivityFilters(), bad, 400
    filters.organisation_id, filters.models = organisation.id, False
    page = None
    if error is None:
        statement = visible_activities(filters=filters, selected=False)
        page = paginate(get_session(), statement, page=page_number(), per_page=25)
    summary = organisation_summaries([organisation.id])[organisation.id]
    incomplete, warned = summary_samples(organisation, limit=SUMMARY_SAMPLE)
    return render_template(
        "processing/register.html",
        organisation=organisation,
        filters=filters,
        error=error,
        page=page,
        rows=[_row(activity, organisation) for activity in page.items] if page else [],
        completeness=summary.completeness(organisation, incomplete),
        warned=warned,
        warning_count=summary.warnings,
        applications=organisation_applications(organisation.id),
        may_create=can(REGISTER, Action.CREATE, organisation.id),
        may_export=can(REGISTER, Action.EXPORT, organisation.id),
        may_validate=can(REGISTER, Action.VALIDATE, organisation.id),
    ), status


def _row(activity, organisation) -> dict:
    return {
        "activity": activity,
        "completeness": compute.completeness(activity),
        "warnings": compute.warnings(activity, organisation=organisation),
    }


# --- one activity -----------------------------------------------------------------------------


@routes.get("/activities/<int:activity_id>")
def detail(activity_id: int):
    return _render_detail(get_or_404(ProcessingActivity, activity_id))


def _render_detail(activity, *, conflict=None, forms_with_errors=None, status=200):
    organisation = activity.organisation
    workflow = _workflow_forms(activity)
    workflow.update(forms_with_errors or {})
    return render_template(
        "processing/detail.html",
        activity=activity,
        organisation=organisation,
        completeness=compute.completeness(activity),
        warnings=compute.warnings(activity, organisation=organisation),
        gaps=gates.validation_gaps(activity) if "validate" in workflow else [],
        screening=compute.screen_activity(activity),
        suggested=compute.suggest_criteria(activity),
        inherited=inherited_measures(activity),
        divergence=_divergence(activity),
        workflow=workflow,
        conflict=conflict,
        may_edit=allowed_on(activity, Action.EDIT),
        may_validate=allowed_on(activity, Action.VALIDATE),
        may_export=allowed_on(activity, Action.EXPORT),
        linked=get_registry().panels_for("processing_activity", activity),
    ), status


def _divergence(activity) -> dict | None:
    """For a copy of a model: the fields it adapted, and those a push would update."""
    if activity.model_id is None or activity.model is None:
        return None
    states = template_activities.field_states(activity)
    return {
        "model": activity.model,
        "diverged": [str(state.label) for state in states if state.diverged],
        "pending": [str(state.label) for state in states if state.pending],
    }


def _workflow_forms(activity) -> dict:
    """The workflow buttons the user may press on this activity, each with its form."""
    organisation_id, status = activity.organisation_id, activity.status
    may_edit = can(REGISTER, Action.EDIT, organisation_id)
    may_validate = can(REGISTER, Action.VALIDATE, organisation_id)
    result = {}
    if activity.is_model:
        return result
    if may_edit and status == ProcessingStatus.DRAFT:
        result["submit"] = forms.ActionForm(formdata=None, version=activity.version)
    if may_validate and status in (ProcessingStatus.DRAFT, ProcessingStatus.SUBMITTED):
        result["validate"] = forms.ValidateForm(formdata=None, version=activity.version)
    if may_validate and status in (ProcessingStatus.SUBMITTED, ProcessingStatus.VALIDATED):
        result["send_back"] = forms.SendBackForm(formdata=None, version=activity.version)
    if may_edit and status != ProcessingStatus.ARCHIVED:
        result["archive"] = forms.ActionForm(formdata=None, version=activity.version)
    if may_edit and status == ProcessingStatus.ARCHIVED:
        result["restore"] = forms.ActionForm(formdata=None, version=activity.version)
    return result


@routes.route("/registers/<slug>/new", methods=["GET", "POST"])
def create(slug: str):
    organisation = get_or_404(Organisation, slug, Action.CREATE, by="slug", register=REGISTER)
    form = activity_form(None, organisation)
    added = added_section(form)
    if added:
        form.offer_blank_rows(forms.ADDED_ROWS, [added])
        return render_activity_form(form, None, organisation, focus=added)
    created = []

    def write():
        values = form.checked(ActivityCreate)
        activity = services.create_processing(
            get_session(), organisation, values, actor=current_user
        )
        created.append(activity)

    done, _conflict, status = submit_form(form, write)
    if done:
        activity = created[0]
        flash(_("Fiche « %(name)s » créée en brouillon.", name=activity.name), "success")
        return redirect(url_for(".detail", activity_id=activity.id))
    return render_activity_form(form, None, organisation, status=status)


@routes.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
def edit(activity_id: int):
    activity = get_or_404(ProcessingActivity, activity_id, Action.EDIT)
    organisation = activity.organisation
    form = activity_form(activity, organisation, obj=activity)
    added = added_section(form)
    if added:
        form.offer_blank_rows(forms.ADDED_ROWS, [added])
        return render_activity_form(form, activity, organisation, focus=added)
    done, conflict, status = submit_form(
        form,
        lambda: services.update_processing(
            get_session(),
            activity,
            form.checked(ActivityUpdate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(ProcessingActivity, activity_id),
    )
    if done:
        flash(_("Fiche enregistrée."), "success")
        if activity.status == ProcessingStatus.DRAFT and activity.validated_at:
            flash(_("Modifiée après sa validation, elle est repassée en brouillon."), "info")
        return redirect(url_for(".detail", activity_id=activity.id))
    return render_activity_form(form, activity, organisation, conflict=conflict, status=status)


@routes.route("/activities/<int:activity_id>/dpia", methods=["GET", "POST"])
def dpia(activity_id: int):
    activity = get_or_404(ProcessingActivity, activity_id, Action.EDIT)
    form = forms.DpiaForm(obj=activity)
    done, conflict, status = submit_form(
        form,
        lambda: services.update_processing(
            get_session(),
            activity,
            form.checked(ActivityUpdate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(ProcessingActivity, activity_id),
    )
    if done:
        result = _("requise") if activity.dpia_required else _("non requise")
        flash(_("Criblage enregistré : AIPD %(result)s.", result=result), "success")
        return redirect(url_for(".detail", activity_id=activity.id, _anchor="dpia"))
    return render_template(
        "processing/dpia.html",
        form=form,
        activity=activity,
        conflict=conflict,
        screening=compute.screen_activity(activity),
        suggested=compute.suggest_criteria(activity),
    ), status


# --- workflow ---------------------------------------------------------------------------------

# workflow step -> (its form, the permission it needs)
WORKFLOW = {
    "submit": (forms.ActionForm, Action.EDIT),
    "validate": (forms.ValidateForm, Action.VALIDATE),
    "send_back": (forms.SendBackForm, Action.VALIDATE),
    "archive": (forms.ActionForm, Action.EDIT),
    "restore": (forms.ActionForm, Action.EDIT),
}


def _transition(activity_id: int, name: str, call: Callable, message: str):
    form_class, action = WORKFLOW[name]
    activity = get_or_404(ProcessingActivity, activity_id, action)
    form = form_class()
    if not form.validate_on_submit():
        return _render_detail(activity, forms_with_errors={name: form}, status=400)
    db = get_session()
    try:
        call(db, activity, form)
        db.commit()
    except ConflictError:
        db.rollback()
        activity = get_or_404(ProcessingActivity, activity_id)
        return _render_detail(activity, conflict=conflict_report(db, form, activity), status=409)
    except services.FieldErrors as error:
        db.rollback()
        attach_errors(form, error.errors, {})
        return _render_detail(activity, forms_with_errors={name: form}, status=400)
    except services.PermissionDenied:
        db.rollback()
        abort(403)
    except services.WorkflowError as error:
        db.rollback()
        form.form_errors.append(translate_workflow(error))
        return _render_detail(activity, forms_with_errors={name: form}, status=409)
    flash(message, "success")
    return redirect(url_for(".detail", activity_id=activity_id))


@routes.post("/activities/<int:activity_id>/submit")
def submit(activity_id: int):
    return _transition(
        activity_id,
        "submit",
        lambda db, activity, form: services.submit_processing(
            db, activity, actor=current_user, version=form.submitted_version()
        ),
        _("Fiche soumise au délégué à la protection des données."),
    )


@routes.post("/activities/<int:activity_id>/validate")
def validate(activity_id: int):
    return _transition(
        activity_id,
        "validate",
        lambda db, activity, form: services.validate_processing(
            db,
            activity,
            actor=current_user,
            version=form.submitted_version(),
            remarks=form.remarks.data or None,
            next_review_on=form.next_review_on.data,
            override_reason=form.override_reason.data or None,
        ),
        _("Fiche validée."),
    )


@routes.post("/activities/<int:activity_id>/send-back")
def send_back(activity_id: int):
    return _transition(
        activity_id,
        "send_back",
        lambda db, activity, form: services.send_back_processing(
            db,
            activity,
            actor=current_user,
            remarks=form.remarks.data,
            version=form.submitted_version(),
        ),
        _("Fiche renvoyée au référent avec vos remarques."),
    )


@routes.post("/activities/<int:activity_id>/archive")
def archive(activity_id: int):
    return _transition(
        activity_id,
        "archive",
        lambda db, activity, form: services.archive_processing(
            db, activity, actor=current_user, version=form.submitted_version()
        ),
        _("Fiche archivée : elle ne figure plus au registre, mais reste consultable."),
    )


@routes.post("/activities/<int:activity_id>/restore")
def restore(activity_id: int):
    return _transition(
        activity_id,
        "restore",
        lambda db, activity, form: services.restore_processing(
            db, activity, actor=current_user, version=form.submitted_version()
        ),
        _("Fiche restaurée en brouillon."),
    )
