"""The GDPR record of processing activities (Art. 30): each member's register, the processor's
register of the host organisation, DPIA screening, template activities and published versions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.permissions import Register
from compliance.registry import Nav, RegisterSpec
from registers.processing import api, audit_kinds, cli, demo, export, notices, panels, views

SPEC = RegisterSpec(
    name="processing",
    register=Register.PROCESSING,
    blueprints=(views.bp,),
    api=api.bp,
    nav=(Nav("processing.index", _l("Registre RGPD"), order=20),),
    panels=(*panels.PANELS, audit_kinds.PANEL),
    notices=notices.NOTICES,
    document_types=export.DOCUMENT_TYPES,
    import_commands=cli.IMPORT_COMMANDS,
    export_commands=cli.EXPORT_COMMANDS,
    demo=demo.load,
)
