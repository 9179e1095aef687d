"""One short page per part of the method: the context (1), the fundamental principles (2),
the measures and the risks (3), the validation (4)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from compliance.access import allowed_on, scope
from compliance.db import get_session
from compliance.forms import submit
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.schemas import validate
from registers.dpia import forms, services
from registers.dpia import measures as measure_services
from registers.dpia.models import DpiaMeasure
from registers.dpia.schemas import (
    DpiaUpdate,
    MeasureCreate,
    MeasureState,
    Principle,
    PrincipleAnswer,
    RiskKind,
    RiskUpdate,
)
from registers.dpia.views.helpers import guarded, load
from registers.roadmap.models import RoadmapAction

routes = Routes()


def _saved(dpia, anchor=None):
    flash(_("AIPD enregistrée."), "success")
    return redirect(url_for(request.endpoint, dpia_id=dpia.id, _anchor=anchor))


# What saving each part needs: the context and the measures are open to the referents.
WRITES = {
    "dpia/context.html": Action.EDIT,
    "dpia/measures.html": Action.EDIT,
    "dpia/principles.html": Action.VALIDATE,
    "dpia/risks.html": Action.VALIDATE,
    "dpia/validation.html": Action.VALIDATE,
}


def _page(template, dpia, form, conflict, status, **extra):
    may_write = allowed_on(dpia, WRITES[template])
    return render_template(
        template, dpia=dpia, form=form, conflict=conflict, may_write=may_write, **extra
    ), status


def _update_part(dpia_id: int, form_class, action: Action, template: str):
    """A part's page: its form over the DPIA, saved by `update_dpia` with the action `action`
    required to post."""
    dpia = load(dpia_id)
    form = form_class(obj=dpia)
    if form.is_submitted():
        load(dpia_id, action)
    done, conflict, status = submit(
        form,
        guarded(
            lambda: services.update_dpia(
                get_session(),
                dpia,
                form.checked(DpiaUpdate),
                actor=current_user,
                version=form.submitted_version(),
            )
        ),
        reload=lambda: load(dpia_id),
    )
    if done:
        return _saved(dpia)
    return _page(template, dpia, form, conflict, status)


@routes.route("/<int:dpia_id>/context", methods=["GET", "POST"])
def context(dpia_id: int):
    return _update_part(dpia_id, forms.ContextForm, Action.EDIT, "dpia/context.html")


@routes.route("/<int:dpia_id>/principles", methods=["GET", "POST"])
def principles(dpia_id: int):
    dpia = load(dpia_id)
    form = forms.principles_form(dpia, request.form if request.method == "POST" else None)
    if form.is_submitted():
        load(dpia_id, Action.VALIDATE)

    def answers():
        return {
            p.value: validate(
                PrincipleAnswer,
                {
                    "justification": form[f"{p.value}_justification"].data,
                    "judgement": form[f"{p.value}_judgement"].data,
                },
            )
            for p in Principle
        }

    done, conflict, status = submit(
        form,
        guarded(
            lambda: services.update_principles(
                get_session(), dpia, answers(), actor=current_user, version=form.submitted_version()
            )
        ),
        reload=lambda: load(dpia_id),
    )
    if done:
        return _saved(dpia)
    return _page("dpia/principles.html", dpia, form, conflict, status, principles=Principle)


@routes.route("/<int:dpia_id>/risks", methods=["GET", "POST"])
def risks(dpia_id: int):
    dpia = load(dpia_id)
    form = forms.risks_form(dpia, request.form if request.method == "POST" else None)
    if form.is_submitted():
        load(dpia_id, Action.VALIDATE)

    def write():
        version = form.submitted_version()
        for kind in RiskKind:
            values = {name: form[f"{kind.value}_{name}"].data for name in forms.RISK_FIELDS}
            values = {k: (v or None) for k, v in values.items()}
            services.update_risk(
                get_session(),
                dpia,
                kind,
                validate(RiskUpdate, values),
                actor=current_user,
                version=version,
            )
            version = None  # checked once, for the whole page

    done, conflict, status = submit(form, guarded(write), reload=lambda: load(dpia_id))
    if done:
        return _saved(dpia)
    return _page(
        "dpia/risks.html", dpia, form, conflict, status, kinds=RiskKind, fields=forms.RISK_FIELDS
    )


def _actions(dpia):
    return list(
        get_session().scalars(
            scope(select(RoadmapAction), selected=False)
            .where(
                RoadmapAction.organisation_id == dpia.organisation_id,
                RoadmapAction.archived_at.is_(None),
            )
            .order_by(RoadmapAction.code)
        )
    )


@routes.route("/<int:dpia_id>/measures", methods=["GET", "POST"])
def measures(dpia_id: int):
    dpia = load(dpia_id)
    form = forms.MeasureForm(actions=_actions(dpia), version=dpia.version)
    if form.is_submitted():
        load(dpia_id, Action.EDIT)
    done, conflict, status = submit(
        form,
        guarded(
            lambda: measure_services.add_measure(
                get_session(),
                dpia,
                form.checked(MeasureCreate),
                actor=current_user,
                version=form.submitted_version(),
            )
        ),
        reload=lambda: load(dpia_id),
    )
    if done:
        return _saved(dpia, "measures")
    return _page(
        "dpia/measures.html",
        dpia,
        form,
        conflict,
        status,
        states=MeasureState,
        step=forms.StepForm(formdata=None, version=dpia.version),
        plan=forms.PlanForm(formdata=None, version=dpia.version),
    )


def _measure(dpia_id: int, measure_id: int, action: Action) -> DpiaMeasure:
    dpia = load(dpia_id, action)
    measure = next((m for m in dpia.measures if m.id == measure_id), None)
    if measure is None:
        abort(404)
    return measure


@routes.post("/<int:dpia_id>/measures/<int:measure_id>/remove")
def remove_measure(dpia_id: int, measure_id: int):
    measure = _measure(dpia_id, measure_id, Action.EDIT)
    form = forms.StepForm()
    done, _conflict, _status = submit(
        form,
        guarded(
            lambda: measure_services.remove_measure(
                get_session(), measure, actor=current_user, version=form.submitted_version()
            )
        ),
        reload=lambda: load(dpia_id),
    )
    flash(
        _("Mesure retirée.") if done else _("La mesure n'a pas pu être retirée."),
        "success" if done else "error",
    )
    return redirect(url_for(".measures", dpia_id=dpia_id))


@routes.post("/<int:dpia_id>/measures/<int:measure_id>/roadmap")
def plan_measure(dpia_id: int, measure_id: int):
    measure = _measure(dpia_id, measure_id, Action.VALIDATE)
    form = forms.PlanForm()
    failed = []

    def write():
        try:
            measure_services.plan_roadmap_action(
                get_session(),
                measure,
                actor=current_user,
                theme=form.theme.data,
                start_on=services.paris_today(),
                version=form.submitted_version(),
            )
        except Exception as refused:
            failed.append(str(refused))
            raise

    done, _conflict, _status = submit(form, guarded(write), reload=lambda: load(dpia_id))
    if done:
        flash(_("Action ajoutée à la feuille de route."), "success")
    else:
        flash(failed[0] if failed else _("L'action n'a pas pu être créée."), "error")
    return redirect(url_for(".measures", dpia_id=dpia_id))


@routes.route("/<int:dpia_id>/validation", methods=["GET", "POST"])
def validation(dpia_id: int):
    return _update_part(dpia_id, forms.ValidationForm, Action.VALIDATE, "dpia/validation.html")
