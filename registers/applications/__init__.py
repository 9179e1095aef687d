"""The application map (cartographie applicative): the catalogue of applications the syndicate
shares, their vendors, the members' deployments and the interfaces between applications."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.permissions import Register


def init_app(app, registry) -> None:
    from registers.applications import api, export_views, views

    app.register_blueprint(views.bp)
    export_views.init_app(app)
    app.register_blueprint(api.bp)
    # Until the pages exist, a navigation link would break every page's url_for.
    if "applications.index" in app.view_functions:
        registry.add_nav(
            "applications.index", _l("Cartographie"), Register.APPLICATIONS.value, order=10
        )
