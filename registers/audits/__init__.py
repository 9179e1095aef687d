"""Internal audits and the management review (ISO/IEC 27001:2022 §9.2, §9.3): the audit
programme of each year, its audits and their findings (a nonconformity opens a corrective
action of the incidents register's log), and the management reviews, whose inputs every
register computes for the period (`ReviewInput`) and which decide roadmap or corrective
actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.permissions import Register
from compliance.registry import Nav, RegisterSpec
from registers.audits import api, cli, demo, export, review, views

SPEC = RegisterSpec(
    name="audits",
    register=Register.AUDITS,
    blueprints=(views.bp, views.reviews_bp),
    api=api.bp,
    nav=(Nav("audits.index", _l("Audits"), order=55),),
    review_inputs=review.REVIEW_INPUTS,
    document_types=export.DOCUMENT_TYPES,
    export_commands=cli.EXPORT_COMMANDS,
    demo=demo.load,
)
