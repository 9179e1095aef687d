"""Personal-data breaches (Art. 33 and 34 GDPR): one breach per controller organisation, each
with its own 72-hour clock; the notifications to the CNIL and their reasons; the communication
to the people; and, from an incident on a shared application, one breach per affected
controller (the application map and the record of processing activities say which)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.documents import register_document_type
from compliance.permissions import Register


def init_app(app, registry) -> None:
    from registers.breaches import api, export, export_views, panels, views  # noqa: F401
    from registers.breaches.clock import countdown_formats

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    registry.add_nav("breaches.index", _l("Violations"), Register.BREACHES.value, order=35)
    panels.register(registry)
    # Countdowns are drawn on other registers' pages too (incident, dashboard).
    app.jinja_env.globals["countdown_formats"] = countdown_formats
    for document_type in export.DOCUMENT_TYPES:
        register_document_type(app, document_type)
