"""How the audit trail names the records of the incident log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.audit_display import AuditKind, audit_kinds_panel
from registers.incidents.models import CorrectiveAction, ExternalReport, Incident, TimelineEntry

PANEL = audit_kinds_panel(
    AuditKind(Incident, _l("Incident"), "incidents.detail", "incident_id"),
    AuditKind(CorrectiveAction, _l("Action corrective"), "incidents.action_detail", "action_id"),
    AuditKind(TimelineEntry, _l("Entrée de chronologie")),
    AuditKind(ExternalReport, _l("Signalement externe")),
)
