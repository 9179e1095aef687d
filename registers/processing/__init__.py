"""The GDPR record of processing activities (Art. 30): each member's register, the processor's
register of the host organisation, DPIA screening, template activities and published versions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.permissions import Register


def init_app(app, registry) -> None:
    from registers.processing import api, panels, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    if "processing.index" in app.view_functions:
        registry.add_nav(
            "processing.index", _l("Registre RGPD"), Register.PROCESSING.value, order=20
        )
    panels.register(registry)
