"""How the audit trail names the records of the register of breaches."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.audit_display import AuditKind, audit_kinds_panel
from registers.breaches.models import BreachNotification, PersonalDataBreach

PANEL = audit_kinds_panel(
    AuditKind(PersonalDataBreach, _l("Violation de données"), "breaches.detail", "breach_id"),
    AuditKind(BreachNotification, _l("Notification à la CNIL")),
)
