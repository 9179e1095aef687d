"""Security incidents and corrective actions: the ISO 27001 log of the security management
system (SMSI), with each incident's timeline, impact on the application map and reports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.permissions import Register
from compliance.registry import Nav, RegisterSpec
from registers.incidents import api, audit_kinds, cli, demo, export, notices, panels, review, views

SPEC = RegisterSpec(
    name="incidents",
    register=Register.INCIDENTS,
    blueprints=(views.bp,),
    api=api.bp,
    nav=(Nav("incidents.index", _l("Incidents"), order=30),),
    panels=(*panels.PANELS, audit_kinds.PANEL),
    notices=notices.NOTICES,
    document_types=export.DOCUMENT_TYPES,
    commands=cli.COMMANDS,
    export_commands=cli.EXPORT_COMMANDS,
    review_inputs=review.REVIEW_INPUTS,
    demo=demo.load,
)
