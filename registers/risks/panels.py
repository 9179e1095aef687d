"""What the risk register shows on other pages: on an application's page and on a processing
activity's page, the risks that concern it; on a roadmap action's page, the risks it reduces.
Each lists the first risks the user sees, the highest first, and links to the full list."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from compliance.auth import can
from compliance.db import get_session
from compliance.permissions import Action
from compliance.registry import Panel
from registers.risks.queries import REGISTER, RiskFilters, visible_risks

PANEL_SIZE = 10


def _panel(title, empty, filter_name: str, record_id: int) -> dict | None:
    if not can(REGISTER, Action.READ):
        return None
    statement = visible_risks(current_user, RiskFilters(**{filter_name: record_id}), selected=False)
    shown = list(get_session().scalars(statement.limit(PANEL_SIZE)))
    total = len(shown)
    if total == PANEL_SIZE:
        total = get_session().scalar(
            sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())
        )
    return {
        "title": title,
        "template": "risks/_panel.html",
        "risks": shown,
        "total": total,
        "empty": empty,
        "filter": {filter_name: record_id},
    }


def application_panel(application) -> dict | None:
    return _panel(
        _l("Risques concernant cette application"),
        _l("Aucun risque enregistré ne concerne cette application."),
        "application_id",
        application.id,
    )


def processing_panel(activity) -> dict | None:
    return _panel(
        _l("Risques concernant ce traitement"),
        _l("Aucun risque enregistré ne concerne ce traitement."),
        "processing_id",
        activity.id,
    )


def roadmap_action_panel(action) -> dict | None:
    return _panel(
        _l("Risques réduits par cette action"),
        _l("Aucun risque enregistré n'est réduit par cette action."),
        "roadmap_action_id",
        action.id,
    )


# What this register shows on other pages (mounted through its SPEC).
PANELS = (
    Panel("application", application_panel, order=48),
    Panel("processing_activity", processing_panel, order=48),
    Panel("roadmap_action", roadmap_action_panel, order=40),
)
