"""The record of processing activities' pages: one module per entity (activities, template
activities, published versions, exports, imports), whose rules this package adds to the
blueprint, behind the reader check."""

from __future__ import annotations

from compliance.access import requires
from compliance.routes import blueprint
from registers.processing.queries import REGISTER
from registers.processing.views import (
    activities,
    exports,
    imports,
    template_activities,
    todo,
    versions,
)
from registers.processing.views.helpers import template_helpers

bp = blueprint(
    "processing",
    __name__,
    activities,
    template_activities,
    versions,
    exports,
    imports,
    todo,
    url_prefix="/processing",
)


@bp.before_request
@requires(REGISTER)
def readers_only() -> None:
    """Every page of the register: its readers only (login, then 403)."""


bp.context_processor(template_helpers)
