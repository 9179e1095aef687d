"""The GDPR record of processing activities (Art. 30): each member's register, the processor's
register of the host organisation, DPIA screening, model processings and published versions."""

from __future__ import annotations

import importlib
import importlib.util

from flask_babel import lazy_gettext as _l

from compliance.permissions import Register


def _optional(name: str):
    """A module of this package if it exists yet (the pages are built on the data half)."""
    full_name = f"{__name__}.{name}"
    if importlib.util.find_spec(full_name) is None:
        return None
    return importlib.import_module(full_name)


def init_app(app, registry) -> None:
    for name in ("views", "api"):
        module = _optional(name)
        if module is not None and hasattr(module, "bp"):
            app.register_blueprint(module.bp)
    # Until the pages exist, a navigation link would break every page's url_for.
    if "processing.index" in app.view_functions:
        registry.add_nav(
            "processing.index", _l("Registre RGPD"), Register.PROCESSING.value, order=20
        )
    api = _optional("api")
    if api is not None:
        registry.api_paths.update(getattr(api, "PATHS", {}))
        registry.api_schemas.update(getattr(api, "SCHEMAS", {}))
    panels = _optional("panels")
    if panels is not None:
        panels.register(registry)
