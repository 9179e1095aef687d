"""Data protection impact assessments (AIPD, Art. 35 GDPR) by the CNIL's PIA method: the
context, the fundamental principles, the three risks and the validation of a processing
activity's assessment, with the prior consultation of the CNIL (Art. 36) it may require."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.permissions import Register
from compliance.registry import Nav, RegisterSpec
from registers.dpia import api, cli, demo, document_cli, export, holds, hooks, panels, views

SPEC = RegisterSpec(
    name="dpia",
    register=Register.DPIA,
    blueprints=(views.bp,),
    api=api.bp,
    nav=(Nav("dpia.index", _l("AIPD"), order=25),),
    panels=panels.PANELS,
    hooks=hooks.HOOKS,
    gates=holds.GATES,
    commands=cli.COMMANDS,
    document_types=export.DOCUMENT_TYPES,
    export_commands=document_cli.EXPORT_COMMANDS,
    import_commands=document_cli.IMPORT_COMMANDS,
    demo=demo.load,
)
