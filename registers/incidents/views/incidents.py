"""Pages of the incident log: list, detail (timeline, impact, reports, actions), forms and the
lifecycle. Each view loads and checks access (404, then 403), validates its form, calls one
service, commits and redirects. The corrective-action pages are in corrective_actions.py."""

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
from registers.applications.queries import visible_applications
from registers.incidents import export, forms
from registers.incidents import incidents as services
from registers.incidents.models import (
    ExternalReport,
    Incident,
    IncidentCategory,
    IncidentStatus,
    Severity,
)
from registers.incidents.queries import (
    INCIDENT_OPTIONS,
    REGISTER,
    IncidentFilters,
    impact,
    visible_incidents,
)
from registers.incidents.schemas import (
    ExternalReportCreate,
    IncidentCreate,
    IncidentUpdate,
    TimelineEntryCreate,
)
from registers.incidents.views.helpers import docx_response

routes = Routes()


def _applications():
    return list(get_session().scalars(visible_applications()))


def _choices(incident=None):
    """The choices of the incident form: applications of the map, and the organisations the
    user may name affected (with those already named, which they may keep)."""
    others = list(
        get_session().scalars(services.affectable_organisations(get_session(), current_user))
    )
    if incident is not None:
        named = {o.id for o in others}
        others += [o for o in incident.affected_organisations if o.id not in named]
        others.sort(key=lambda o: o.name)
    return {"applications": _applications(), "others": others}


# --- list ---------------------------------------------------------------------------------


@routes.get("/")
def index():
    try:
        filters = IncidentFilters.from_args(request.args)
    except FilterError as error:
        return _render_index(IncidentFilters(), None, error=error), 400
    page = paginate(get_session(), visible_incidents(filters=filters), page=page_number())
    return _render_index(filters, page)


def _render_index(filters, page, *, error=None):
    return render_template(
        "incidents/index.html",
        filters=filters,
        page=page,
        error=error,
        statuses=IncidentStatus,
        severities=Severity,
        categories=IncidentCategory,
        applications=_applications(),
        organisations=organisation_choices(REGISTER),
        export_form=forms.LogExportForm(
            formdata=None, date_from=filters.date_from, date_to=filters.date_to
        ),
        may_create=can(REGISTER, Action.CREATE),
        may_export=can(REGISTER, Action.EXPORT),
    )


# --- detail -------------------------------------------------------------------------------


@routes.get("/<int:incident_id>")
def detail(incident_id: int):
    return _render_detail(get_or_404(Incident, incident_id, options=INCIDENT_OPTIONS))


def _transition_forms(incident, given: dict | None = None) -> dict:
    result = {}
    for target in services.allowed_transitions(incident):
        form = (given or {}).get(target) or forms.TransitionForm(
            formdata=None, prefix=f"to-{target.value}-", version=incident.version
        )
        if target == IncidentStatus.CLOSED and not form.lessons_learnt.data:
            form.lessons_learnt.data = incident.lessons_learnt
        result[target] = form
    return result


def _render_detail(
    incident, *, entry_form=None, report_form=None, transitions=None, conflict=None, status=200
):
    editable = allowed_on(incident, Action.EDIT)
    return render_template(
        "incidents/detail.html",
        incident=incident,
        impact=impact(incident),
        panels=get_registry().panels_for("incident_impact", incident),
        linked=get_registry().panels_for("incident", incident),
        editable=editable,
        entry_form=entry_form or (forms.EntryForm(formdata=None) if editable else None),
        report_form=report_form or (forms.ReportForm(formdata=None) if editable else None),
        transitions=_transition_forms(incident, transitions) if editable else {},
        archive_form=forms.ArchiveForm(formdata=None, version=incident.version),
        export_form=forms.ExportForm(formdata=None),
        may_export=can(REGISTER, Action.EXPORT),
        conflict=conflict,
    ), status


# --- create and edit ----------------------------------------------------------------------


@routes.route("/new", methods=["GET", "POST"])
def create():
    require(REGISTER, Action.CREATE)
    organisations = visible_organisations(REGISTER, Action.CREATE)
    form = forms.IncidentForm(organisations=organisations, **_choices())
    if not form.is_submitted():
        host = next((o for o in organisations if o.is_host), None)
        form.organisation_id.data = host.id if host else organisations[0].id
    created = []

    def write():
        db = get_session()
        values = form.checked(IncidentCreate)
        created.append(services.create_incident(db, values, actor=current_user))

    done, _conflict, status = submit(form, write)
    if done:
        flash(_("Incident %(reference)s enregistré.", reference=created[0].reference), "success")
        return redirect(url_for(".detail", incident_id=created[0].id))
    return render_template("incidents/form.html", form=form, incident=None), status


@routes.route("/<int:incident_id>/edit", methods=["GET", "POST"])
def edit(incident_id: int):
    incident = get_or_404(Incident, incident_id, Action.EDIT, options=INCIDENT_OPTIONS)
    form = forms.IncidentEditForm(obj=incident, **_choices(incident))
    done, conflict, status = submit(
        form,
        lambda: services.update_incident(
            get_session(),
            incident,
            form.checked(IncidentUpdate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(Incident, incident_id, options=INCIDENT_OPTIONS),
    )
    if done:
        flash(_("Incident enregistré."), "success")
        return redirect(url_for(".detail", incident_id=incident.id))
    return render_template(
        "incidents/form.html", form=form, incident=incident, conflict=conflict
    ), status


# --- lifecycle, timeline, reports ---------------------------------------------------------


@routes.post("/<int:incident_id>/transition/<target>")
def transition(incident_id: int, target: str):
    incident = get_or_404(Incident, incident_id, Action.EDIT, options=INCIDENT_OPTIONS)
    if target not in set(IncidentStatus):
        abort(404)
    target = IncidentStatus(target)
    form = forms.TransitionForm(prefix=f"to-{target.value}-")
    done, conflict, status = submit(
        form,
        lambda: services.transition_incident(
            get_session(),
            incident,
            target,
            actor=current_user,
            version=form.submitted_version(),
            at=form.at.data,
            comment=form.comment.data,
            classification=form.classification.data,
            severity=form.severity.data,
            lessons_learnt=form.lessons_learnt.data,
        ),
        reload=lambda: get_or_404(Incident, incident_id, options=INCIDENT_OPTIONS),
    )
    if done:
        flash(_("Incident passé en phase « %(phase)s ».", phase=target.label), "success")
        return redirect(url_for(".detail", incident_id=incident.id, _anchor="lifecycle"))
    return _render_detail(incident, transitions={target: form}, conflict=conflict, status=status)


@routes.post("/<int:incident_id>/timeline")
def add_entry(incident_id: int):
    incident = get_or_404(Incident, incident_id, Action.EDIT, options=INCIDENT_OPTIONS)
    form = forms.EntryForm()
    done, _conflict, status = submit(
        form,
        lambda: services.add_timeline_entry(
            get_session(), incident, form.checked(TimelineEntryCreate), actor=current_user
        ),
    )
    if done:
        flash(_("Entrée ajoutée au fil de l'incident."), "success")
        return redirect(url_for(".detail", incident_id=incident.id, _anchor="timeline"))
    return _render_detail(incident, entry_form=form, status=status)


@routes.post("/<int:incident_id>/reports")
def add_report(incident_id: int):
    incident = get_or_404(Incident, incident_id, Action.EDIT, options=INCIDENT_OPTIONS)
    form = forms.ReportForm()
    done, _conflict, status = submit(
        form,
        lambda: services.add_external_report(
            get_session(), incident, form.checked(ExternalReportCreate), actor=current_user
        ),
    )
    if done:
        flash(_("Signalement enregistré."), "success")
        return redirect(url_for(".detail", incident_id=incident.id, _anchor="reports"))
    return _render_detail(incident, report_form=form, status=status)


@routes.post("/reports/<int:report_id>/remove")
def remove_report(report_id: int):
    report = get_or_404(ExternalReport, report_id, Action.EDIT)
    incident = report.incident
    if not forms.ExportForm().validate_on_submit():
        abort(400)
    db = get_session()
    services.remove_external_report(db, report, actor=current_user)
    db.commit()
    flash(_("Signalement retiré."), "success")
    return redirect(url_for(".detail", incident_id=incident.id, _anchor="reports"))


@routes.post("/<int:incident_id>/archive")
def archive(incident_id: int):
    return _set_archived(incident_id, services.archive_incident, _("Incident archivé."))


@routes.post("/<int:incident_id>/restore")
def restore(incident_id: int):
    return _set_archived(incident_id, services.restore_incident, _("Incident restauré."))


def _set_archived(incident_id: int, change, message: str):
    incident = get_or_404(Incident, incident_id, Action.EDIT, options=INCIDENT_OPTIONS)
    form = forms.ArchiveForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_session()
    change(db, incident, actor=current_user, version=form.submitted_version())
    db.commit()
    flash(message, "success")
    return redirect(url_for(".detail", incident_id=incident.id))


# --- Word documents -----------------------------------------------------------------------


@routes.post("/<int:incident_id>/export")
def export_report(incident_id: int):
    incident = get_or_404(Incident, incident_id, Action.EXPORT, options=INCIDENT_OPTIONS)
    if not forms.ExportForm().validate_on_submit():
        abort(400)
    db = get_session()
    data, record = export.export_incident_report(
        db, incident, user=current_user, actor=current_user
    )
    return docx_response(db, data, record)


@routes.post("/export")
def export_log():
    require(REGISTER, Action.EXPORT)
    form = forms.LogExportForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_session()
    data, record = export.export_incident_log(
        db,
        user=current_user,
        actor=current_user,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )
    return docx_response(db, data, record)
