"""The "no breach" decision: for the controllers of an incident still to decide, the DPO
records why the incident is no personal-data breach for them (Art. 33(5))."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import ngettext
from flask_login import current_user

from compliance.access import get_or_404, require
from compliance.db import get_session
from compliance.forms import submit
from compliance.pagination import page_number, paginate
from compliance.permissions import Action
from compliance.routes import Routes
from registers.breaches import decisions, forms
from registers.breaches.fanout import REGISTER, controllers_for
from registers.breaches.panels import awaiting_incidents, with_pending
from registers.breaches.schemas import NoBreachDecisionCreate
from registers.incidents.models import Incident
from registers.incidents.queries import INCIDENT_OPTIONS

routes = Routes()
TO_ASSESS_PAGE_SIZE = 25


@routes.get("/to-assess")
def to_assess():
    """Every incident the dashboard's duty card counts: those that may involve personal data
    with controllers still to decide, the oldest first, a page at a time."""
    require(REGISTER, Action.CREATE)
    page = paginate(
        get_session(), awaiting_incidents(), page=page_number(), per_page=TO_ASSESS_PAGE_SIZE
    )
    return render_template("breaches/to_assess.html", page=page, waiting=with_pending(page.items))


@routes.route("/from-incident/<int:incident_id>/no-breach", methods=["GET", "POST"])
def no_breach(incident_id: int):
    incident = get_or_404(Incident, incident_id, options=INCIDENT_OPTIONS)
    fanout = controllers_for(incident)
    if not fanout.creatable:
        abort(403 if fanout.controllers else 404)
    # Every controller decided already: the page says so, and a post is refused.
    choices = [c for c in fanout.creatable if not c.decided]
    form = forms.NoBreachForm(controllers=choices)
    recorded = []

    def write():
        values = form.checked(NoBreachDecisionCreate)
        recorded.extend(
            decisions.record_no_breach(get_session(), incident, values, actor=current_user)
        )

    done, _conflict, status = submit(form, write)
    if done:
        message = ngettext(
            "Décision « pas de violation » enregistrée pour %(num)d responsable de traitement.",
            "Décision « pas de violation » enregistrée pour %(num)d responsables de traitement.",
            len(recorded),
        )
        flash(message, "success")
        return redirect(url_for("incidents.detail", incident_id=incident.id, _anchor="breaches"))
    return render_template(
        "breaches/no_breach.html", incident=incident, fanout=fanout, choices=choices, form=form
    ), status
