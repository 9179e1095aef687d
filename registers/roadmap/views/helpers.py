"""What the roadmap's pages share: the template helpers of the blueprint, and the
organisations the user may plan for."""

from __future__ import annotations

from flask_babel import format_date

from compliance.permissions import Action
from compliance.tenancy import visible_organisations
from registers.roadmap import compute, figures
from registers.roadmap.catalogue import ATTRIBUTION, LICENCE
from registers.roadmap.queries import REGISTER


def template_helpers():
    return {
        "format_date": format_date,
        "euros": figures.euros,
        "attribution": ATTRIBUTION,
        "licence": LICENCE,
        "today": compute.today(),
        "quarter": lambda day: compute.quarter_label(compute.quarter_of(day)),
    }


def editable_organisations(action: Action = Action.CREATE):
    return visible_organisations(REGISTER, action)
