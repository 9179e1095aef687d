"""How the audit trail names the records of the rights requests register."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.audit_display import AuditKind, audit_kinds_panel
from registers.rights.models import RightsRequest

PANEL = audit_kinds_panel(
    AuditKind(RightsRequest, _l("Demande d'exercice des droits"), "rights.detail", "request_id"),
)
