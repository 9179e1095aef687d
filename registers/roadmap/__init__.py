"""The ANSSI roadmap (feuille de route de cybersécurité): each organisation's multi-year plan,
its actions and the hygiene measures they implement, its money, its progress and the hygiene
self-assessment, with the Word report for the board and for ANSSI."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.documents import register_document_type
from compliance.permissions import Register


def init_app(app, registry) -> None:
    from registers.roadmap import api, export, panels, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    registry.add_nav("roadmap.index", _l("Feuille de route"), Register.ROADMAP.value, order=50)
    panels.register(registry)
    register_document_type(app, export.DOCUMENT_TYPE)
