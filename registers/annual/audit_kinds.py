"""How the audit trail names the records of the annual report."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.audit_display import AuditKind, audit_kinds_panel
from registers.annual.models import AwarenessSession, DpoRecommendation

PANEL = audit_kinds_panel(
    AuditKind(
        AwarenessSession, _l("Session de sensibilisation"), "annual.edit_session", "session_id"
    ),
    AuditKind(DpoRecommendation, _l("Recommandations du délégué")),
)
