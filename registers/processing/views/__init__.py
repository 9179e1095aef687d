"""The record of processing activities' pages: one module per entity (activities, reference
activities, published versions, exports, imports), whose rules this package adds to the
blueprint, behind the reader check."""

from __future__ import annotations

from compliance.routes import blueprint
from registers.processing.views import (
    activities,
    exports,
    imports,
    reference_activities,
    versions,
)
from registers.processing.views.helpers import require_reader, template_helpers

bp = blueprint(
    "processing",
    __name__,
    activities,
    reference_activities,
    versions,
    exports,
    imports,
    url_prefix="/processing",
)
bp.before_request(require_reader)
bp.context_processor(template_helpers)
