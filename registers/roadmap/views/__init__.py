"""The roadmap's pages: one module per entity (roadmaps, their actions, the actions'
milestones, the hygiene self-assessment), whose rules this package adds to the blueprint,
behind the reader check."""

from __future__ import annotations

from compliance.access import requires
from compliance.routes import blueprint
from registers.roadmap.queries import REGISTER
from registers.roadmap.views import actions, hygiene, milestones, roadmaps
from registers.roadmap.views.helpers import template_helpers

bp = blueprint("roadmap", __name__, roadmaps, hygiene, actions, milestones, url_prefix="/roadmap")


@bp.before_request
@requires(REGISTER)
def readers_only() -> None:
    """Every page of the register: its readers only (login, then 403)."""


bp.context_processor(template_helpers)
