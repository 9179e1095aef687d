"""What the DPIA pages share: the template helpers and the loading of a DPIA."""

from __future__ import annotations

from flask import abort
from flask_babel import format_date

from compliance.access import get_or_404
from compliance.permissions import Action
from compliance.schemas import FieldErrors
from registers.dpia import compute, services
from registers.dpia.models import Dpia
from registers.dpia.queries import OPTIONS
from registers.dpia.schemas import DpiaStatus, RiskZone

STATUS_TONES = {
    DpiaStatus.DRAFT: "neutral",
    DpiaStatus.TO_REVIEW: "info",
    DpiaStatus.VALIDATED: "success",
    DpiaStatus.TO_REVISE: "warning",
}
ZONE_TONES = {RiskZone.LOW: "success", RiskZone.MEDIUM: "warning", RiskZone.HIGH: "error"}


def template_helpers():
    return {
        "format_date": format_date,
        "status_tones": STATUS_TONES,
        "zone_tones": ZONE_TONES,
        "residual_zone": compute.residual_zone,
        "prior_consultation_required": compute.prior_consultation_required,
    }


def load(dpia_id: int, action: Action = Action.READ) -> Dpia:
    return get_or_404(Dpia, dpia_id, action, options=OPTIONS)


def guarded(write):
    """`write` for `compliance.forms.submit`: a step refused in the DPIA's status is the
    form's message, a refusal to this user a 403."""

    def run():
        try:
            return write()
        except services.PermissionDenied:
            abort(403)
        except services.WorkflowError as refused:
            raise FieldErrors({"_": str(refused)}) from None

    return run
