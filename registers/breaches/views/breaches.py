"""Pages of the breach register: list, detail with its 72-hour clock, forms, the notification
decision, and the assessment that fans an incident out into one breach per controller. Each
view loads and checks access (404, then 403), validates its form, calls one service, commits
and redirects. The Word downloads are in exports.py."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload

from compliance.access import allowed_on, get_or_404, require
from compliance.auth import can
from compliance.db import ConflictError, get_session, utcnow
from compliance.forms import submit as _submit
from compliance.pagination import page_number, paginate
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.schemas import FilterError
from compliance.tenancy import organisation_choices, selected_organisation_id, visible_organisations
from registers.breaches import forms, services
from registers.breaches.clock import clock
from registers.breaches.fanout import controllers_for
from registers.breaches.models import BreachStatus, PersonalDataBreach
from registers.breaches.queries import (
    REGISTER,
    BreachFilters,
    breach_filters,
    visible_breaches,
)
from registers.breaches.schemas import (
    BreachCreate,
    BreachUpdate,
    NotificationCreate,
    NotificationKind,
    NotNotifiable,
)
from registers.incidents.common import FieldErrors
from registers.incidents.models import Incident
from registers.incidents.queries import INCIDENT_OPTIONS
from registers.processing.models import ProcessingActivity
from registers.processing.reference import ProcessingStatus

routes = Routes()


# --- shared steps -------------------------------------------------------------------------------


def _activities(organisation_ids) -> list[ProcessingActivity]:
    """The activities a breach of these organisations may concern (its controller's own)."""
    statement = (
        sa.select(ProcessingActivity)
        .options(selectinload(ProcessingActivity.organisation))
        .where(
            ProcessingActivity.organisation_id.in_(list(organisation_ids)),
            ProcessingActivity.is_model.is_(False),
            ProcessingActivity.status != ProcessingStatus.ARCHIVED,
        )
        .order_by(ProcessingActivity.organisation_id, ProcessingActivity.reference)
    )
    return list(get_session().scalars(statement))


# --- list ---------------------------------------------------------------------------------------


@routes.get("/")
def index():
    try:
        filters = breach_filters(request.args)
    except FilterError as error:
        return _render_index(BreachFilters(), None, error=error), 400
    page = paginate(get_session(), visible_breaches(filters=filters), page=page_number())
    return _render_index(filters, page)


def _render_index(filters, page, *, error=None):
    exportable = organisation_choices(REGISTER, Action.EXPORT)
    export_form = forms.RegisterExportForm(formdata=None)
    export_form.organisation.choices = [(o.slug, o.name) for o in exportable]
    chosen = selected_organisation_id()
    export_form.organisation.data = next((o.slug for o in exportable if o.id == chosen), None)
    return render_template(
        "breaches/index.html",
        filters=filters,
        page=page,
        error=error,
        statuses=BreachStatus,
        organisations=organisation_choices(REGISTER),
        may_create=can(REGISTER, Action.CREATE),
        export_form=export_form if exportable else None,
        now=utcnow(),
    )


# --- detail -------------------------------------------------------------------------------------


@routes.get("/<int:breach_id>")
def detail(breach_id: int):
    return _render_detail(get_or_404(PersonalDataBreach, breach_id))


def _render_detail(breach, *, notification_form=None, decision_form=None, status=200):
    deciding = allowed_on(breach, Action.VALIDATE) and not breach.is_archived
    if deciding and notification_form is None and breach.status != BreachStatus.CLOSED:
        kind = NotificationKind.COMPLEMENTARY if breach.initial_notification else None
        notification_form = forms.NotificationForm(
            formdata=None, version=breach.version, kind=kind or NotificationKind.INITIAL
        )
        if breach.initial_notification:
            notification_form.kind.choices = [
                (k.value, k.label) for k in NotificationKind if k != NotificationKind.INITIAL
            ]
    if deciding and decision_form is None and breach.status == BreachStatus.BEING_ASSESSED:
        decision_form = forms.NotNotifiableForm(
            formdata=None,
            version=breach.version,
            risk_reasoning=breach.risk_reasoning,
        )
    open_record = deciding and breach.status != BreachStatus.CLOSED
    # What the gates will ask for, shown before the DPO tries (Art. 33(3), Art. 33(5) and 34).
    to_notify = services.art33_missing(breach) if open_record and not breach.is_decided else {}
    to_close = services.closing_missing(breach) if open_record and breach.is_decided else {}
    return render_template(
        "breaches/detail.html",
        breach=breach,
        state=clock(breach),
        to_notify=list(to_notify.values()),
        to_close=list(to_close.values()),
        editable=allowed_on(breach, Action.EDIT)
        and not breach.is_archived
        and breach.status != BreachStatus.CLOSED,
        deciding=deciding,
        may_export=allowed_on(breach, Action.EXPORT),
        notification_form=notification_form if deciding else None,
        decision_form=decision_form if deciding else None,
        action_form=forms.ActionForm(formdata=None, version=breach.version),
        export_form=forms.ExportForm(formdata=None),
    ), status


# --- create and edit ----------------------------------------------------------------------------


@routes.route("/new", methods=["GET", "POST"])
def create():
    require(REGISTER, Action.CREATE)
    organisations = visible_organisations(REGISTER, Action.CREATE)
    # First the controller, then its own processing activities to choose from.
    chosen = _chosen_organisation(organisations)
    if chosen is None:
        return render_template("breaches/choose.html", organisations=organisations)
    form = forms.BreachForm(organisations=[chosen], activities=_activities([chosen.id]))
    if not form.is_submitted():
        form.organisation_id.data = chosen.id
    created = []

    def write():
        values = form.checked(BreachCreate)
        created.append(services.create_breach(get_session(), values, actor=current_user))

    done, _conflict, status = _submit(form, write)
    if done:
        flash(_("Violation %(reference)s enregistrée.", reference=created[0].reference), "success")
        return redirect(url_for(".detail", breach_id=created[0].id))
    return render_template("breaches/form.html", form=form, breach=None), status


def _chosen_organisation(organisations):
    """The organisation named by the query string or the form, the one picked in the selector,
    or the only one the user may create breaches in."""
    wanted = request.values.get("organisation_id", type=int) or selected_organisation_id()
    if wanted is None and len(organisations) == 1:
        return organisations[0]
    return next((o for o in organisations if o.id == wanted), None)


@routes.route("/<int:breach_id>/edit", methods=["GET", "POST"])
def edit(breach_id: int):
    breach = get_or_404(PersonalDataBreach, breach_id, Action.EDIT)
    form = forms.BreachEditForm(obj=breach, activities=_activities([breach.organisation_id]))
    done, conflict, status = _submit(
        form,
        lambda: services.update_breach(
            get_session(),
            breach,
            form.checked(BreachUpdate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(PersonalDataBreach, breach_id),
    )
    if done:
        flash(_("Violation enregistrée."), "success")
        return redirect(url_for(".detail", breach_id=breach.id))
    return render_template(
        "breaches/form.html", form=form, breach=breach, conflict=conflict
    ), status


# --- the notification decision ------------------------------------------------------------------


@routes.post("/<int:breach_id>/notifications")
def notify(breach_id: int):
    breach = get_or_404(PersonalDataBreach, breach_id, Action.VALIDATE)
    form = forms.NotificationForm()
    done, _conflict, status = _submit(
        form,
        lambda: services.record_notification(
            get_session(),
            breach,
            form.checked(NotificationCreate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(PersonalDataBreach, breach_id),
    )
    if not done:
        return _render_detail(
            get_or_404(PersonalDataBreach, breach_id), notification_form=form, status=status
        )
    flash(_("Notification à la CNIL enregistrée."), "success")
    return redirect(url_for(".detail", breach_id=breach.id, _anchor="notification"))


@routes.post("/<int:breach_id>/not-notifiable")
def not_notifiable(breach_id: int):
    breach = get_or_404(PersonalDataBreach, breach_id, Action.VALIDATE)
    form = forms.NotNotifiableForm()
    done, _conflict, status = _submit(
        form,
        lambda: services.decide_not_notifiable(
            get_session(),
            breach,
            form.checked(NotNotifiable),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(PersonalDataBreach, breach_id),
    )
    if not done:
        return _render_detail(
            get_or_404(PersonalDataBreach, breach_id), decision_form=form, status=status
        )
    flash(_("Décision documentée : la violation n'est pas notifiée."), "success")
    return redirect(url_for(".detail", breach_id=breach.id, _anchor="notification"))


def _simple(breach_id: int, action: Action, change, message: str):
    breach = get_or_404(PersonalDataBreach, breach_id, action)
    form = forms.ActionForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_session()
    try:
        change(db, breach, actor=current_user, version=form.submitted_version())
        db.commit()
    except ConflictError:
        db.rollback()
        flash(_("La fiche a changé entre-temps : vérifiez-la, puis recommencez."), "error")
        return redirect(url_for(".detail", breach_id=breach_id))
    except FieldErrors as error:
        db.rollback()
        for text in error.errors.values():
            flash(text[:1].upper() + text[1:] + ".", "error")
        return redirect(url_for(".detail", breach_id=breach_id))
    flash(message, "success")
    return redirect(url_for(".detail", breach_id=breach_id))


@routes.post("/<int:breach_id>/close")
def close(breach_id: int):
    return _simple(breach_id, Action.VALIDATE, services.close_breach, _("Violation close."))


@routes.post("/<int:breach_id>/reopen")
def reopen(breach_id: int):
    return _simple(breach_id, Action.VALIDATE, services.reopen_breach, _("Violation rouverte."))


@routes.post("/<int:breach_id>/archive")
def archive(breach_id: int):
    return _simple(breach_id, Action.EDIT, services.archive_breach, _("Fiche archivée."))


@routes.post("/<int:breach_id>/restore")
def restore(breach_id: int):
    return _simple(breach_id, Action.EDIT, services.restore_breach, _("Fiche restaurée."))


# --- from an incident ---------------------------------------------------------------------------


@routes.route("/from-incident/<int:incident_id>", methods=["GET", "POST"])
def assess(incident_id: int):
    incident = get_or_404(Incident, incident_id, options=INCIDENT_OPTIONS)
    fanout = controllers_for(incident)
    if not fanout.creatable:
        abort(403 if fanout.controllers else 404)
    choices = fanout.creatable
    submitted = request.method == "POST"
    defaults = {"informed_at": utcnow().replace(second=0, microsecond=0)}
    form = forms.assess_form(choices, request.form if submitted else None, defaults)
    if submitted and form.validate_on_submit():
        selected = [
            (
                c,
                form[f"informed_{c.organisation.id}"].data,
                form[f"awareness_{c.organisation.id}"].data,
            )
            for c in choices
            if form[f"select_{c.organisation.id}"].data
        ]
        if not selected:
            form.form_errors.append(_("Cochez au moins un responsable de traitement."))
        else:
            created = _open_breaches(incident, selected, form)
            if created:
                flash(
                    ngettext(
                        "%(num)d violation ouverte : son délai de 72 heures court.",
                        "%(num)d violations ouvertes : chacune a son délai de 72 heures.",
                        len(created),
                    ),
                    "success",
                )
                return redirect(url_for(".index", incident_id=incident.id))
    status = 400 if submitted else 200
    return render_template(
        "breaches/assess.html", incident=incident, fanout=fanout, form=form
    ), status


def _open_breaches(incident, selected, form) -> list:
    db = get_session()
    try:
        created = services.open_breaches_for_incident(db, incident, selected, actor=current_user)
        db.commit()
    except FieldErrors as error:
        db.rollback()
        for key, message in error.errors.items():
            organisation_id, _sep, name = key.partition(":")
            field = {"awareness_at": "awareness", "controller_informed_at": "informed"}.get(name)
            target = form._fields.get(f"{field}_{organisation_id}") if field else None
            if target is not None:
                target.errors = [*target.errors, message]
            else:
                form.form_errors.append(message)
        return []
    return created
