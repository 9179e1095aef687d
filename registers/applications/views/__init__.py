"""The application map's pages: one module per entity (applications with the map, vendors,
deployments, interfaces, the catalogue import), whose rules this package adds to the blueprint
behind the reader check; and the Word export of the map, on its own blueprint."""

from __future__ import annotations

from compliance.access import requires
from compliance.routes import blueprint
from registers.applications.queries import REGISTER
from registers.applications.views import (
    applications,
    deployments,
    exports,
    imports,
    interfaces,
    vendors,
)
from registers.applications.views.helpers import template_helpers

bp = blueprint(
    "applications",
    __name__,
    applications,
    deployments,
    interfaces,
    vendors,
    imports,
    url_prefix="/applications",
)


@bp.before_request
@requires(REGISTER)
def readers_only() -> None:
    """Every page of the register: its readers only (login, then 403)."""


bp.context_processor(template_helpers)

export_bp = blueprint("applications_export", __name__, exports, url_prefix="/applications/export")
