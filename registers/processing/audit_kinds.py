"""How the audit trail names the records of the record of processing activities."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.audit_display import AuditKind, audit_kinds_panel
from registers.processing.models import ProcessingActivity, RegisterVersion

PANEL = audit_kinds_panel(
    AuditKind(ProcessingActivity, _l("Fiche de registre"), "processing.detail", "activity_id"),
    AuditKind(RegisterVersion, _l("Version publiée du registre")),
)
