"""Personal-data breaches (Art. 33 and 34 GDPR): one breach per controller organisation, each
with its own 72-hour clock; the notifications to the CNIL and their reasons; the communication
to the people; and, from an incident on a shared application, one breach per affected
controller (the application map and the record of processing activities say which)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.permissions import Register
from compliance.registry import Nav, RegisterSpec
from registers.breaches import (
    api,
    audit_kinds,
    cli,
    decisions,
    demo,
    export,
    notices,
    panels,
    review,
    views,
)
from registers.breaches.clock import countdown_formats, follow_up, processor_delay

SPEC = RegisterSpec(
    name="breaches",
    register=Register.BREACHES,
    blueprints=(views.bp,),
    api=api.bp,
    nav=(Nav("breaches.index", _l("Violations"), order=35),),
    panels=(*panels.PANELS, audit_kinds.PANEL),
    notices=notices.NOTICES,
    gates=decisions.GATES,
    document_types=export.DOCUMENT_TYPES,
    export_commands=cli.EXPORT_COMMANDS,
    review_inputs=review.REVIEW_INPUTS,
    demo=demo.load,
    # Countdowns are drawn on other registers' pages too (incident, dashboard).
    template_globals={
        "countdown_formats": countdown_formats,
        "breach_follow_up": follow_up,
        "processor_delay": processor_delay,
    },
)
