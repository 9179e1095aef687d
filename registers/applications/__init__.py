"""The application map (cartographie applicative): the catalogue of applications the syndicate
shares, their vendors, the members' deployments and the interfaces between applications."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.permissions import Register
from compliance.registry import Nav, RegisterSpec
from registers.applications import api, audit_kinds, cli, demo, export, views

SPEC = RegisterSpec(
    name="applications",
    register=Register.APPLICATIONS,
    blueprints=(views.bp, views.export_bp),
    api=api.bp,
    panels=(audit_kinds.PANEL,),
    nav=(Nav("applications.index", _l("Cartographie"), order=10),),
    document_types=(export.DOCUMENT_TYPE,),
    import_commands=cli.IMPORT_COMMANDS,
    export_commands=cli.EXPORT_COMMANDS,
    demo=demo.load,
)
