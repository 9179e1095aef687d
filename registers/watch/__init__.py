"""The security watch (veille): advisories (CERT-FR, vendors, CSIRTs) matched against the
application map, confirmed or dismissed by the CISO, and the treatment of each confirmed one by
every member using the application, due by its severity."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.permissions import Register
from compliance.registry import Nav, RegisterSpec
from registers.watch import api, cli, demo, export, hooks, notices, panels, review, views

SPEC = RegisterSpec(
    name="watch",
    register=Register.WATCH,
    blueprints=(views.bp,),
    api=api.bp,
    nav=(Nav("watch.index", _l("Veille"), order=33),),
    panels=panels.PANELS,
    notices=notices.NOTICES,
    hooks=hooks.HOOKS,
    review_inputs=review.REVIEW_INPUTS,
    document_types=export.DOCUMENT_TYPES,
    import_commands=cli.IMPORT_COMMANDS,
    export_commands=cli.EXPORT_COMMANDS,
    demo=demo.load,
)
