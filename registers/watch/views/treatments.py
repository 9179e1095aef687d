"""Pages of the CISO's decisions and the members' treatments: confirming or dismissing a
match, editing a treatment, opening a corrective action or an incident from it, and a member's
exposure."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import allowed, allowed_on, get_or_404
from compliance.db import ConflictError, get_session
from compliance.forms import submit
from compliance.permissions import Action, Register
from compliance.routes import Routes
from compliance.services import FieldErrors
from compliance.tenancy import Organisation
from registers.watch import forms, links, services
from registers.watch.models import AdvisoryMatch, Treatment
from registers.watch.queries import TREATMENT_OPTIONS, exposure_of
from registers.watch.schemas import TreatmentUpdate

routes = Routes()


def _decide(match_id: int, decide, message: str):
    match = get_or_404(AdvisoryMatch, match_id, Action.EDIT)
    version = forms.DecisionForm().submitted_version()
    session = get_session()
    try:
        if version is None:
            raise ConflictError(match)
        decide(session, match, actor=current_user, version=version)
        session.commit()
        flash(message, "success")
    except ConflictError:
        session.rollback()
        flash(_("Ce rapprochement a été modifié entre-temps : vérifiez-le."), "error")
    except FieldErrors as error:
        session.rollback()
        flash("; ".join(error.errors.values()), "error")
    return redirect(url_for(".detail", advisory_id=match.advisory_id)), 303


@routes.post("/matches/<int:match_id>/confirm")
def confirm_match(match_id: int):
    return _decide(
        match_id,
        services.confirm_match,
        _("Rapprochement confirmé : un traitement par membre utilisateur."),
    )


@routes.post("/matches/<int:match_id>/treat")
def treat_deployments(match_id: int):
    return _decide(
        match_id,
        services.treat_deployments,
        _("Les nouveaux déploiements ont leur traitement."),
    )


@routes.post("/matches/<int:match_id>/dismiss")
def dismiss_match(match_id: int):
    return _decide(match_id, services.dismiss_match, _("Rapprochement écarté."))


@routes.route("/treatments/<int:treatment_id>/edit", methods=["GET", "POST"])
def edit_treatment(treatment_id: int):
    treatment = get_or_404(Treatment, treatment_id, Action.EDIT, options=TREATMENT_OPTIONS)
    form = forms.TreatmentForm(obj=treatment)
    done, conflict, status = submit(
        form,
        lambda: services.update_treatment(
            get_session(),
            treatment,
            form.checked(TreatmentUpdate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(Treatment, treatment_id),
    )
    if done:
        flash(_("Traitement enregistré."), "success")
        return redirect(url_for(".detail", advisory_id=treatment.advisory_id))
    return render_template(
        "watch/treatment_form.html", form=form, treatment=treatment, conflict=conflict
    ), status


def _open(treatment_id: int, opener, message: str):
    treatment = get_or_404(Treatment, treatment_id, Action.EDIT, options=TREATMENT_OPTIONS)
    session = get_session()
    try:
        opener(session, treatment, actor=current_user)
        session.commit()
        flash(message, "success")
    except FieldErrors as error:
        session.rollback()
        flash("; ".join(error.errors.values()), "error")
    return redirect(url_for(".detail", advisory_id=treatment.advisory_id)), 303


@routes.post("/treatments/<int:treatment_id>/corrective-action")
def open_corrective_action(treatment_id: int):
    return _open(treatment_id, links.open_corrective_action, _("Action corrective ouverte."))


@routes.post("/treatments/<int:treatment_id>/incident")
def open_incident(treatment_id: int):
    return _open(treatment_id, links.open_incident, _("Incident ouvert."))


@routes.get("/organisations/<slug>")
def exposure(slug: str):
    organisation = get_or_404(Organisation, slug, by="slug", register=Register.WATCH)
    treatments = exposure_of(get_session(), organisation.id)
    return render_template(
        "watch/exposure.html",
        organisation=organisation,
        treatments=treatments,
        editable={t.id for t in treatments if allowed_on(t, Action.EDIT)},
        may_export=allowed(Register.WATCH, organisation.id, action=Action.EXPORT),
    )
