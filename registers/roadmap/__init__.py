"""The ANSSI roadmap (feuille de route de cybersécurité): each organisation's multi-year plan,
its actions and the hygiene measures they implement, its money, its progress and the hygiene
self-assessment, with the Word report for the board and for ANSSI."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.permissions import Register
from compliance.registry import Nav, RegisterSpec
from registers.roadmap import api, audit_kinds, cli, demo, export, notices, panels, review, views

SPEC = RegisterSpec(
    name="roadmap",
    register=Register.ROADMAP,
    blueprints=(views.bp,),
    api=api.bp,
    nav=(Nav("roadmap.index", _l("Feuille de route"), order=50),),
    panels=(*panels.PANELS, audit_kinds.PANEL),
    notices=notices.NOTICES,
    document_types=(export.DOCUMENT_TYPE,),
    export_commands=cli.EXPORT_COMMANDS,
    demo=demo.load,
    review_inputs=review.REVIEW_INPUTS,
)
