"""The milestones of a roadmap action: add, tick, remove (on the action's page)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import get_or_404
from compliance.db import get_session
from compliance.forms import submit
from compliance.permissions import Action
from compliance.routes import Routes
from registers.roadmap import forms, services
from registers.roadmap.models import Milestone, RoadmapAction
from registers.roadmap.schemas import MilestoneCreate
from registers.roadmap.views.actions import render_action, version_form

routes = Routes()


@routes.post("/actions/<int:action_id>/milestones")
def add_milestone(action_id: int):
    record = get_or_404(RoadmapAction, action_id, Action.EDIT)
    form = forms.MilestoneForm()
    done, conflict, status = submit(
        form,
        lambda: services.add_milestone(
            get_session(),
            record,
            form.checked(MilestoneCreate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(RoadmapAction, action_id),
    )
    if done:
        flash(_("Jalon ajouté."), "success")
        return redirect(url_for(".action", action_id=record.id, _anchor="milestones"))
    return render_action(
        get_or_404(RoadmapAction, action_id), milestone_form=form, conflict=conflict, status=status
    )


@routes.post("/milestones/<int:milestone_id>/toggle")
def toggle_milestone(milestone_id: int):
    milestone = get_or_404(Milestone, milestone_id, Action.EDIT)
    version = version_form().submitted_version()
    db = get_session()
    services.set_milestone_done(
        db, milestone, not milestone.done, actor=current_user, version=version
    )
    db.commit()
    return redirect(url_for(".action", action_id=milestone.action_id, _anchor="milestones"))


@routes.post("/milestones/<int:milestone_id>/remove")
def remove_milestone(milestone_id: int):
    milestone = get_or_404(Milestone, milestone_id, Action.EDIT)
    action_id = milestone.action_id
    version = version_form().submitted_version()
    db = get_session()
    services.remove_milestone(db, milestone, actor=current_user, version=version)
    db.commit()
    flash(_("Jalon retiré."), "success")
    return redirect(url_for(".action", action_id=action_id, _anchor="milestones"))
