"""The incident log's pages: one module per entity (incidents, corrective actions), whose
rules this package adds to the blueprint, behind the reader check."""

from __future__ import annotations

from compliance.routes import blueprint
from registers.incidents.views import corrective_actions, incidents
from registers.incidents.views.helpers import require_reader, template_helpers

bp = blueprint("incidents", __name__, incidents, corrective_actions, url_prefix="/incidents")
bp.before_request(require_reader)
bp.context_processor(template_helpers)
