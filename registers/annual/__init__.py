"""The DPO's annual report (bilan annuel, Art. 38(3) and 39 GDPR): per member and for the
whole service, the year's figures of the registers, the awareness and training sessions, the
DPO's recommendations, charts, the preview page and the Word document."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.permissions import Register
from compliance.registry import Nav, RegisterSpec
from registers.annual import api, audit_kinds, cli, demo, export, views

SPEC = RegisterSpec(
    name="annual",
    register=Register.ANNUAL,
    blueprints=(views.bp,),
    api=api.bp,
    nav=(Nav("annual.index", _l("Bilan annuel"), order=80),),
    panels=(audit_kinds.PANEL,),
    document_types=(export.DOCUMENT_TYPE,),
    export_commands=cli.EXPORT_COMMANDS,
    demo=demo.load,
)
