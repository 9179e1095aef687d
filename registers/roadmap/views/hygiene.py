"""The hygiene self-assessment: each organisation's answer to the ANSSI hygiene measures."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from compliance.access import get_or_404
from compliance.auth import can
from compliance.db import get_session
from compliance.forms import submit
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.tenancy import Organisation, selected_organisation_id, visible_organisations
from registers.roadmap import compute, figures, forms, services
from registers.roadmap.catalogue import all_measures
from registers.roadmap.models import HygieneMeasure
from registers.roadmap.queries import (
    REGISTER,
    assessments_of,
    organisation_actions,
)
from registers.roadmap.schemas import HygieneAssessmentCreate

routes = Routes()


@routes.get("/hygiene")
def hygiene_home():
    organisations = visible_organisations(REGISTER)
    if not organisations:
        abort(404)
    chosen = selected_organisation_id()
    target = next((o for o in organisations if o.id == chosen), None)
    target = target or next((o for o in organisations if o.is_host), organisations[0])
    return redirect(url_for(".hygiene", slug=target.slug))


@routes.get("/hygiene/<slug>")
def hygiene(slug: str):
    organisation = get_or_404(Organisation, slug, by="slug", register=REGISTER)
    db = get_session()
    state = request.args.get("state", "")
    rows = compute.measure_rows(
        all_measures(db), assessments_of(organisation.id), organisation_actions(organisation.id)
    )
    summary = compute.coverage(rows)
    shown = [r for r in rows if not state or r.coverage == state]
    return render_template(
        "roadmap/hygiene.html",
        organisation=organisation,
        organisations=visible_organisations(REGISTER),
        themes=_rows_by_theme(shown),
        summary=summary,
        state=state,
        coverage_labels=figures.coverage_labels(),
        editable=can(REGISTER, Action.EDIT, organisation.id),
    )


def _rows_by_theme(rows):
    grouped = {}
    for row in rows:
        grouped.setdefault(row.measure.theme, []).append(row)
    return sorted(grouped.items(), key=lambda pair: pair[0].order)


@routes.route("/hygiene/<slug>/<ref>", methods=["GET", "POST"])
def assess(slug: str, ref: str):
    organisation = get_or_404(Organisation, slug, Action.EDIT, by="slug", register=REGISTER)
    db = get_session()
    measure = db.scalar(select(HygieneMeasure).where(HygieneMeasure.ref == ref))
    if measure is None:
        abort(404)
    assessment = services.find_assessment(db, organisation.id, measure.id)
    form = forms.AssessmentForm(obj=assessment)
    done, conflict, status = submit(
        form,
        lambda: services.assess_measure(
            get_session(),
            organisation,
            measure,
            form.checked(HygieneAssessmentCreate),
            actor=current_user,
            version=form.submitted_version() if assessment else None,
        ),
        reload=lambda: services.find_assessment(get_session(), organisation.id, measure.id),
    )
    if done:
        flash(_("Mesure %(ref)s évaluée.", ref=measure.ref), "success")
        return redirect(url_for(".hygiene", slug=organisation.slug, _anchor=f"m-{measure.ref}"))
    return render_template(
        "roadmap/assess.html",
        form=form,
        organisation=organisation,
        measure=measure,
        assessment=assessment,
        conflict=conflict,
    ), status
