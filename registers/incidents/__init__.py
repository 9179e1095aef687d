"""Security incidents and corrective actions: the ISO 27001 log of the security management
system (SMSI), with each incident's timeline, impact on the application map and reports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.documents import register_document_type
from compliance.permissions import Register


def init_app(app, registry) -> None:
    from registers.incidents import api, export, panels, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    registry.add_nav("incidents.index", _l("Incidents"), Register.INCIDENTS.value, order=30)
    registry.add_panel("application", panels.application_panel, order=30)
    registry.add_panel("dashboard", panels.dashboard_widget, order=30)
    for document_type in export.DOCUMENT_TYPES:
        register_document_type(app, document_type)
