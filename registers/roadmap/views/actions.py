"""Pages of a roadmap action: create, read, edit, the quick progress update, archive; and the
escalation of a corrective action into the roadmap. Its milestones are in milestones.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import allowed_on, get_or_404, require
from compliance.auth import can
from compliance.db import get_session
from compliance.forms import submit
from compliance.permissions import Action, Register
from compliance.registry import get_registry
from compliance.routes import Routes
from registers.applications.queries import visible_applications
from registers.incidents.models import CorrectiveAction
from registers.incidents.queries import ACTION_OPTIONS, visible_incidents
from registers.incidents.queries import visible_actions as visible_corrective_actions
from registers.roadmap import compute, forms, services
from registers.roadmap.catalogue import all_measures
from registers.roadmap.models import Roadmap, RoadmapAction
from registers.roadmap.queries import (
    REGISTER,
    visible_roadmaps,
)
from registers.roadmap.schemas import (
    Escalation,
    RoadmapActionFields,
    RoadmapActionUpdate,
)

routes = Routes()


def _link_choices() -> dict:
    """What an action may link to: what the user may see of the map and of the incident log."""
    db = get_session()
    incidents_readable = can(Register.INCIDENTS, Action.READ)
    return {
        "measures": all_measures(db),
        "applications": list(db.scalars(visible_applications())),
        "incidents": list(db.scalars(visible_incidents(current_user, selected=False)))
        if incidents_readable
        else [],
        "corrective_actions": list(
            db.scalars(visible_corrective_actions(current_user, selected=False))
        )
        if incidents_readable
        else [],
    }


@routes.route("/<int:roadmap_id>/actions/new", methods=["GET", "POST"])
def create_action(roadmap_id: int):
    roadmap = get_or_404(Roadmap, roadmap_id, Action.CREATE)
    form = forms.ActionForm(**_link_choices())
    if not form.is_submitted():
        start = max(roadmap.start_on, compute.today())
        form.start_on.data = compute.quarter_start(compute.quarter_of(start))
        form.target_on.data = compute.quarter_end(compute.quarter_of(start))
    created = []

    def write():
        values = form.checked(RoadmapActionFields)
        created.append(services.create_action(get_session(), roadmap, values, actor=current_user))

    done, _conflict, status = submit(form, write)
    if done:
        flash(_("Action %(code)s ajoutée à la feuille de route.", code=created[0].code), "success")
        return redirect(url_for(".action", action_id=created[0].id))
    return render_template(
        "roadmap/action_form.html", form=form, roadmap=roadmap, action=None
    ), status


@routes.get("/actions/<int:action_id>")
def action(action_id: int):
    return render_action(get_or_404(RoadmapAction, action_id))


def render_action(record, *, progress_form=None, milestone_form=None, conflict=None, status=200):
    editable = allowed_on(record, Action.EDIT)
    version = record.version
    return render_template(
        "roadmap/action.html",
        action=record,
        editable=editable,
        late=record.is_late(compute.today()),
        escalated=set(services.escalated_from(get_session(), record)),
        progress_form=progress_form
        or (forms.ProgressForm(formdata=None, obj=record) if editable else None),
        milestone_form=milestone_form
        or (forms.MilestoneForm(formdata=None, version=version) if editable else None),
        version_form=forms.ArchiveForm(formdata=None, version=version),
        conflict=conflict,
        show_incidents=can(Register.INCIDENTS, Action.READ),
        linked=get_registry().panels_for("roadmap_action", record),
    ), status


@routes.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
def edit_action(action_id: int):
    record = get_or_404(RoadmapAction, action_id, Action.EDIT)
    form = forms.ActionForm(obj=record, **_link_choices())
    done, conflict, status = submit(
        form,
        lambda: services.update_action(
            get_session(),
            record,
            form.checked(RoadmapActionUpdate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(RoadmapAction, action_id),
    )
    if done:
        flash(_("Action %(code)s enregistrée.", code=record.code), "success")
        return redirect(url_for(".action", action_id=record.id))
    return render_template(
        "roadmap/action_form.html",
        form=form,
        roadmap=record.roadmap,
        action=record,
        conflict=conflict,
    ), status


@routes.post("/actions/<int:action_id>/progress")
def update_progress(action_id: int):
    record = get_or_404(RoadmapAction, action_id, Action.EDIT)
    form = forms.ProgressForm()
    done, conflict, status = submit(
        form,
        lambda: services.update_action(
            get_session(),
            record,
            form.checked(RoadmapActionUpdate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(RoadmapAction, action_id),
    )
    if done:
        flash(_("Avancement de %(code)s enregistré.", code=record.code), "success")
        return redirect(url_for(".roadmap", roadmap_id=record.roadmap_id, _anchor="timeline"))
    return render_action(
        get_or_404(RoadmapAction, action_id), progress_form=form, conflict=conflict, status=status
    )


def version_form() -> forms.ArchiveForm:
    form = forms.ArchiveForm()
    if not form.validate_on_submit():
        abort(400)
    return form


@routes.post("/actions/<int:action_id>/archive")
def archive_action(action_id: int):
    record = get_or_404(RoadmapAction, action_id, Action.EDIT)
    version = version_form().submitted_version()
    db = get_session()
    services.archive_action(db, record, actor=current_user, version=version)
    db.commit()
    flash(_("Action archivée : elle ne figure plus sur la feuille de route."), "success")
    return redirect(url_for(".action", action_id=record.id))


@routes.post("/actions/<int:action_id>/restore")
def restore_action(action_id: int):
    record = get_or_404(RoadmapAction, action_id, Action.EDIT)
    version = version_form().submitted_version()
    db = get_session()
    services.restore_action(db, record, actor=current_user, version=version)
    db.commit()
    flash(_("Action restaurée."), "success")
    return redirect(url_for(".action", action_id=record.id))


# --- escalation of a corrective action --------------------------------------------------------


@routes.route("/escalate/<int:corrective_action_id>", methods=["GET", "POST"])
def escalate(corrective_action_id: int):
    corrective = get_or_404(CorrectiveAction, corrective_action_id, options=ACTION_OPTIONS)
    require(REGISTER, Action.CREATE, organisation_id=corrective.organisation_id)
    roadmaps = [
        r
        for r in get_session().scalars(visible_roadmaps(selected=False))
        if r.organisation_id == corrective.organisation_id
    ]
    form = forms.EscalateForm(roadmaps=roadmaps)
    if not form.is_submitted():
        form.target_on.data = max(corrective.due_on, compute.today())
    created = []

    def write():
        values = form.checked(Escalation)
        created.append(
            services.escalate_corrective_action(
                get_session(), corrective, values, actor=current_user
            )
        )

    done, _conflict, status = submit(form, write)
    if done:
        flash(
            _(
                "%(reference)s est portée par l'action %(code)s de la feuille de route.",
                reference=corrective.reference,
                code=created[0].code,
            ),
            "success",
        )
        return redirect(url_for(".action", action_id=created[0].id))
    return render_template(
        "roadmap/escalate.html", form=form, corrective=corrective, roadmaps=roadmaps
    ), status
