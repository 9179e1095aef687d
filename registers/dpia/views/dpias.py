"""The DPIA list, a DPIA's overview (its parts, its status, its risk map), starting one from a
processing activity, and the changes of status."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from compliance.access import allowed_on, get_or_404, require
from compliance.db import get_session
from compliance.forms import submit
from compliance.pagination import page_number, paginate
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.schemas import FilterError
from registers.dpia import compute, gates, risk_map, services
from registers.dpia.forms import StepForm
from registers.dpia.queries import REGISTER, visible_dpias
from registers.dpia.schemas import DpiaFilters, DpiaStatus, RiskKind
from registers.dpia.views.helpers import guarded, load
from registers.processing.models import ProcessingActivity

routes = Routes()

# step -> (service, the action it needs)
STEPS = {
    "submit": (services.submit_dpia, Action.EDIT),
    "send_back": (services.send_back_dpia, Action.VALIDATE),
    "validate": (services.validate_dpia, Action.VALIDATE),
    "revise": (services.revise_dpia, Action.EDIT),
}
STEP_FROM = {
    "submit": (DpiaStatus.DRAFT, DpiaStatus.TO_REVISE),
    "send_back": (DpiaStatus.TO_REVIEW,),
    "validate": (DpiaStatus.DRAFT, DpiaStatus.TO_REVIEW, DpiaStatus.TO_REVISE),
    "revise": (DpiaStatus.VALIDATED,),
}
MESSAGES = {
    "submit": _l("AIPD transmise au délégué."),
    "send_back": _l("AIPD renvoyée en brouillon."),
    "validate": _l("AIPD validée ; une version est conservée."),
    "revise": _l("AIPD à réviser."),
}


@routes.get("/")
def index():
    try:
        filters = DpiaFilters.from_args(request.args)
    except FilterError as error:
        filters, error = DpiaFilters(), error
        page = paginate(get_session(), visible_dpias(filters), page=1)
        return render_template("dpia/index.html", page=page, filters=filters, error=error), 400
    page = paginate(get_session(), visible_dpias(filters), page=page_number())
    return render_template(
        "dpia/index.html", page=page, filters=filters, error=None, statuses=DpiaStatus
    )


@routes.post("/start/<int:activity_id>")
def start(activity_id: int):
    activity = get_or_404(ProcessingActivity, activity_id)
    require(REGISTER, Action.CREATE, organisation_id=activity.organisation_id)
    form = StepForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_session()
    try:
        dpia = services.start_dpia(db, activity, actor=current_user)
        db.commit()
    except services.PermissionDenied:
        abort(403)
    except services.WorkflowError as refused:
        db.rollback()
        flash(str(refused), "error")
        return redirect(url_for("processing.detail", activity_id=activity.id))
    flash(_("AIPD %(reference)s commencée.", reference=dpia.reference), "success")
    return redirect(url_for(".detail", dpia_id=dpia.id))


@routes.get("/<int:dpia_id>")
def detail(dpia_id: int):
    return _render_detail(load(dpia_id))


def _render_detail(dpia, *, errors=None, form=None, conflict=None, status=200):
    allowed = {
        step
        for step, (_service, action) in STEPS.items()
        if dpia.status in STEP_FROM[step] and allowed_on(dpia, action)
    }
    return render_template(
        "dpia/detail.html",
        dpia=dpia,
        grid=risk_map.grid(dpia),
        placements=compute.placements(dpia.risks),
        zone=compute.residual_zone(dpia),
        consultation=compute.prior_consultation_required(dpia),
        gaps=gates.validation_errors(dpia) if "validate" in allowed else {},
        steps=allowed,
        form=form or StepForm(formdata=None, version=dpia.version),
        errors=errors or {},
        conflict=conflict,
        kinds=RiskKind,
        may_edit=allowed_on(dpia, Action.EDIT),
    ), status


@routes.get("/<int:dpia_id>/risk-map.png")
def risk_map_image(dpia_id: int):
    return Response(risk_map.risk_map_png(load(dpia_id)), mimetype="image/png")


@routes.post("/<int:dpia_id>/step/<step>")
def step(dpia_id: int, step: str):
    if step not in STEPS:
        abort(404)
    service, action = STEPS[step]
    dpia = load(dpia_id, action)
    form = StepForm()
    extra = {"reason": (form.reason.data or "").strip() or _("Révision demandée.")}
    done, conflict, status = submit(
        form,
        guarded(
            lambda: service(
                get_session(),
                dpia,
                actor=current_user,
                version=form.submitted_version(),
                **(extra if step == "revise" else {}),
            )
        ),
        reload=lambda: load(dpia_id),
    )
    if done:
        flash(MESSAGES[step], "success")
        return redirect(url_for(".detail", dpia_id=dpia.id))
    return _render_detail(load(dpia_id), form=form, conflict=conflict, status=status)


@routes.post("/<int:dpia_id>/adopt/<int:activity_id>")
def adopt(dpia_id: int, activity_id: int):
    """A member validates the shared DPIA for its own activity applying the template."""
    dpia = load(dpia_id)
    require(REGISTER, Action.VALIDATE)
    activity = get_or_404(ProcessingActivity, activity_id)
    form = StepForm()
    done, _conflict, _status = submit(
        form,
        guarded(
            lambda: services.adopt_dpia(
                get_session(), dpia, activity, actor=current_user, decision=form.reason.data
            )
        ),
    )
    if done:
        flash(
            _("AIPD partagée validée pour %(reference)s.", reference=activity.reference), "success"
        )
    else:
        flash(" ".join(form.form_errors) or _("L'AIPD n'a pas pu être validée."), "error")
    return redirect(url_for("processing.detail", activity_id=activity.id))
