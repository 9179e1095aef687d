"""Data-subject rights requests (Art. 12 to 22 GDPR): per controller organisation, each request
a person makes (access, rectification, erasure...), its one-month clock counted as Regulation
No 1182/71 counts months, its extension, its outcome and the recipients told (Art. 19)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.permissions import Register
from compliance.registry import Nav, RegisterSpec
from registers.rights import api, audit_kinds, cli, demo, export, letters, notices, panels, views

SPEC = RegisterSpec(
    name="rights",
    register=Register.RIGHTS,
    blueprints=(views.bp,),
    api=api.bp,
    nav=(Nav("rights.index", _l("Droits"), order=38),),
    panels=(*panels.PANELS, audit_kinds.PANEL),
    document_types=export.DOCUMENT_TYPES,
    export_commands=cli.EXPORT_COMMANDS,
    notices=notices.NOTICES,
    demo=demo.load,
    # The request's page offers the letters that fit its state.
    template_globals={"rights_letters": letters.available},
)
