"""Pages of the internal audits: the programme of a year with its audits, an audit with its
findings (add a finding, open the corrective action of a nonconformity, move the audit on),
and the forms. Each view loads and checks access (404, then 403), hands its form to the schema,
calls one service, commits and redirects."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import allowed_on, get_or_404, require
from compliance.auth import can
from compliance.db import get_session
from compliance.document_views import send_document
from compliance.forms import submit
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.services import FieldErrors
from compliance.tenancy import visible_organisations
from registers.audits import export, forms, services
from registers.audits.models import Audit, AuditProgramme, Finding
from registers.audits.queries import (
    AUDIT_OPTIONS,
    REGISTER,
    visible_audits,
    visible_programmes,
)
from registers.audits.schemas import (
    AuditCreate,
    AuditFilters,
    AuditStatus,
    AuditUpdate,
    CorrectiveActionPlan,
    FindingCreate,
    FindingUpdate,
    ProgrammeCreate,
    ProgrammeUpdate,
)
from registers.incidents.common import today

routes = Routes()


# --- the programme of a year --------------------------------------------------------------------


@routes.get("/")
def index():
    session = get_session()
    programmes = list(session.scalars(visible_programmes()))
    years = sorted({p.year for p in programmes}, reverse=True)
    year = request.args.get("year", type=int) or (
        today().year if today().year in years else (years[0] if years else today().year)
    )
    shown = [p for p in programmes if p.year == year]
    audits = list(session.scalars(visible_audits(filters=AuditFilters(year=year))))
    return render_template(
        "audits/index.html",
        year=year,
        years=years,
        programmes=shown,
        audits=audits,
        may_create=can(REGISTER, Action.CREATE),
    )


def _organisation_choices(action=Action.CREATE):
    return [(o.id, o.name) for o in visible_organisations(REGISTER, action)]


@routes.route("/programmes/new", methods=["GET", "POST"])
def create_programme():
    require(REGISTER, Action.CREATE)
    form = forms.ProgrammeForm()
    form.organisation_id.choices = _organisation_choices()
    if not form.is_submitted():
        form.year.data = request.args.get("year", type=int) or today().year
    created = []

    def write():
        values = form.checked(ProgrammeCreate)
        created.append(services.create_programme(get_session(), values, actor=current_user))

    done, _conflict, status = submit(form, write)
    if done:
        flash(_("Programme d'audit %(year)s enregistré.", year=created[0].year), "success")
        return redirect(url_for(".index", year=created[0].year))
    return render_template("audits/programme_form.html", form=form, record=None), status


@routes.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
def edit_programme(programme_id: int):
    record = get_or_404(AuditProgramme, programme_id, Action.EDIT)
    form = forms.ProgrammeForm(obj=record)
    form.organisation_id.choices = [(record.organisation_id, record.organisation.name)]
    done, conflict, status = submit(
        form,
        lambda: services.update_programme(
            get_session(),
            record,
            form.checked(ProgrammeUpdate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(AuditProgramme, programme_id),
    )
    if done:
        flash(_("Programme d'audit enregistré."), "success")
        return redirect(url_for(".index", year=record.year))
    return render_template(
        "audits/programme_form.html", form=form, record=record, conflict=conflict
    ), status


# --- audits -------------------------------------------------------------------------------------


def _audit_choices(form, programmes):
    form.programme_id.choices = [(p.id, f"{p.year} · {p.organisation.name}") for p in programmes]
    form.organisation_ids.choices = _organisation_choices(Action.READ)


@routes.route("/new", methods=["GET", "POST"])
def create():
    require(REGISTER, Action.CREATE)
    programmes = list(get_session().scalars(visible_programmes(action=Action.CREATE)))
    if not programmes:
        flash(_("Créez d'abord le programme d'audit de l'année."), "info")
        return redirect(url_for(".create_programme"))
    form = forms.AuditForm()
    _audit_choices(form, programmes)
    if not form.is_submitted():
        form.programme_id.data = request.args.get("programme_id", type=int)
    created = []

    def write():
        values = form.checked(AuditCreate)
        created.append(services.create_audit(get_session(), values, actor=current_user))

    done, _conflict, status = submit(form, write)
    if done:
        flash(_("Audit %(reference)s enregistré.", reference=created[0].reference), "success")
        return redirect(url_for(".detail", audit_id=created[0].id))
    return render_template("audits/form.html", form=form, record=None), status


@routes.get("/<int:audit_id>")
def detail(audit_id: int):
    record = get_or_404(Audit, audit_id, options=AUDIT_OPTIONS)
    return _render_detail(record)


def _render_detail(record, *, finding_form=None, plan_forms=None, errors=None, status=200):
    editable = allowed_on(record, Action.EDIT)
    plan_forms = plan_forms or {}
    for finding in record.open_nonconformities:
        plan_forms.setdefault(finding.id, forms.ActionPlanForm(prefix=f"plan-{finding.id}"))
    return render_template(
        "audits/detail.html",
        record=record,
        editable=editable,
        finding_form=finding_form or forms.FindingForm(prefix="finding"),
        plan_forms=plan_forms,
        transitions=services.TRANSITIONS[record.status],
        errors=errors or {},
        may_export=allowed_on(record, Action.EXPORT),
    ), status


@routes.route("/<int:audit_id>/edit", methods=["GET", "POST"])
def edit(audit_id: int):
    record = get_or_404(Audit, audit_id, Action.EDIT, options=AUDIT_OPTIONS)
    form = forms.AuditForm(obj=record)
    _audit_choices(form, [record.programme])
    if not form.is_submitted():
        form.organisation_ids.data = [o.id for o in record.audited_organisations]
    done, conflict, status = submit(
        form,
        lambda: services.update_audit(
            get_session(),
            record,
            form.checked(AuditUpdate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(Audit, audit_id),
    )
    if done:
        flash(_("Audit enregistré."), "success")
        return redirect(url_for(".detail", audit_id=record.id))
    return render_template("audits/form.html", form=form, record=record, conflict=conflict), status


@routes.post("/<int:audit_id>/status")
def transition(audit_id: int):
    record = get_or_404(Audit, audit_id, Action.EDIT, options=AUDIT_OPTIONS)
    target = request.form.get("status", "")
    if target not in {s.value for s in AuditStatus}:
        abort(400)
    session = get_session()
    try:
        services.transition_audit(
            session,
            record,
            target,
            actor=current_user,
            version=request.form.get("version", type=int),
        )
        session.commit()
    except FieldErrors as error:
        session.rollback()
        record = get_or_404(Audit, audit_id, options=AUDIT_OPTIONS)
        return _render_detail(record, errors=error.errors, status=400)
    flash(_("Audit : %(status)s.", status=record.status.label), "success")
    return redirect(url_for(".detail", audit_id=record.id))


@routes.post("/<int:audit_id>/findings")
def add_finding(audit_id: int):
    record = get_or_404(Audit, audit_id, Action.EDIT, options=AUDIT_OPTIONS)
    form = forms.FindingForm(prefix="finding")
    created = []

    def write():
        values = form.checked(FindingCreate)
        created.append(services.add_finding(get_session(), record, values, actor=current_user))

    done, _conflict, status = submit(form, write)
    if done:
        finding = created[0]
        if finding.corrective_action is not None:
            flash(
                _(
                    "Constat %(reference)s enregistré ; action corrective %(action)s ouverte.",
                    reference=finding.reference,
                    action=finding.corrective_action.reference,
                ),
                "success",
            )
        else:
            flash(_("Constat %(reference)s enregistré.", reference=finding.reference), "success")
        return redirect(url_for(".detail", audit_id=record.id, _anchor="findings"))
    record = get_or_404(Audit, audit_id, options=AUDIT_OPTIONS)
    return _render_detail(record, finding_form=form, status=status or 400)


@routes.post("/findings/<int:finding_id>/action")
def open_action(finding_id: int):
    finding = get_or_404(Finding, finding_id, Action.EDIT)
    form = forms.ActionPlanForm(prefix=f"plan-{finding.id}")
    created = []

    def write():
        values = form.checked(CorrectiveActionPlan)
        created.append(
            services.open_corrective_action(get_session(), finding, values, actor=current_user)
        )

    done, _conflict, status = submit(form, write)
    if done:
        flash(
            _("Action corrective %(reference)s ouverte.", reference=created[0].reference),
            "success",
        )
        return redirect(url_for(".detail", audit_id=finding.audit_id, _anchor="findings"))
    record = get_or_404(Audit, finding.audit_id, options=AUDIT_OPTIONS)
    return _render_detail(record, plan_forms={finding.id: form}, status=status or 400)


@routes.post("/<int:audit_id>/report")
def export_report(audit_id: int):
    record = get_or_404(Audit, audit_id, Action.EXPORT, options=AUDIT_OPTIONS)
    if not forms.ExportForm().validate_on_submit():
        abort(400)
    db = get_session()
    data, exported = export.export_audit(db, record, actor=current_user)
    response = send_document(db, data, exported, current_user)
    db.commit()
    return response


@routes.route("/findings/<int:finding_id>/edit", methods=["GET", "POST"])
def edit_finding(finding_id: int):
    finding = get_or_404(Finding, finding_id, Action.EDIT)
    form = forms.FindingEditForm(obj=finding)
    done, conflict, status = submit(
        form,
        lambda: services.update_finding(
            get_session(),
            finding,
            form.checked(FindingUpdate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(Finding, finding_id),
    )
    if done:
        flash(_("Constat %(reference)s enregistré.", reference=finding.reference), "success")
        return redirect(url_for(".detail", audit_id=finding.audit_id, _anchor="findings"))
    return render_template(
        "audits/finding_form.html", form=form, finding=finding, conflict=conflict
    ), status
