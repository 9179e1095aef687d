"""The risk register (ISO 27001 6.1.2, 6.1.3): the risks to information security of the
syndicate and of each member, assessed on four-level scales before and after treatment, their
treatment (reduce, accept, transfer, avoid) through roadmap actions and ANSSI hygiene measures,
and the owner's acceptance of what remains."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.permissions import Register
from compliance.registry import Nav, RegisterSpec
from registers.risks import api, cli, demo, export, notices, panels, review, views

SPEC = RegisterSpec(
    name="risks",
    register=Register.RISKS,
    blueprints=(views.bp,),
    api=api.bp,
    nav=(Nav("risks.index", _l("Risques"), order=46),),
    panels=panels.PANELS,
    notices=notices.NOTICES,
    review_inputs=review.REVIEW_INPUTS,
    document_types=export.DOCUMENT_TYPES,
    export_commands=cli.EXPORT_COMMANDS,
    demo=demo.load,
)
