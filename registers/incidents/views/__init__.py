"""The incident log's pages: one module per entity (incidents, corrective actions), whose
rules this package adds to the blueprint, behind the reader check."""

from __future__ import annotations

from compliance.access import requires
from compliance.routes import blueprint
from registers.incidents.queries import REGISTER
from registers.incidents.views import corrective_actions, incidents
from registers.incidents.views.helpers import template_helpers

bp = blueprint("incidents", __name__, incidents, corrective_actions, url_prefix="/incidents")


@bp.before_request
@requires(REGISTER)
def readers_only() -> None:
    """Every page of the register: its readers only (login, then 403)."""


bp.context_processor(template_helpers)
