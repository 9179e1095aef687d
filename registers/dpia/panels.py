"""What the DPIA register shows on other pages: on a processing activity, its DPIA's status and
residual risk, or the button that starts one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.auth import can
from compliance.db import get_session
from compliance.permissions import Action
from compliance.registry import Panel
from registers.dpia import compute
from registers.dpia.queries import REGISTER, activity_dpia


def activity_panel(activity):
    if not can(REGISTER, Action.READ, activity.organisation_id):
        return None
    dpia = activity_dpia(get_session(), activity)
    if dpia is None and not activity.dpia_required:
        return None
    return {
        "title": _l("Analyse d'impact (méthode de la CNIL)"),
        "template": "dpia/_activity_panel.html",
        "dpia": dpia,
        "activity": activity,
        "zone": compute.residual_zone(dpia) if dpia else None,
        "consultation": compute.prior_consultation_required(dpia) if dpia else False,
        "adopted": dpia is not None and any(a.processing_id == activity.id for a in dpia.adoptions),
        "may_adopt": dpia is not None
        and dpia.is_validated
        and can(REGISTER, Action.VALIDATE, activity.organisation_id),
        "may_start": dpia is None and can(REGISTER, Action.CREATE, activity.organisation_id),
    }


PANELS = (Panel("processing_activity", activity_panel, order=10),)
