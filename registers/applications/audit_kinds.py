"""How the audit trail names the records of the application map."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.audit_display import AuditKind, audit_kinds_panel
from registers.applications.models import (
    Application,
    ApplicationFunction,
    Deployment,
    Interface,
    Vendor,
)

PANEL = audit_kinds_panel(
    AuditKind(Application, _l("Application"), "applications.detail", "application_id"),
    AuditKind(Vendor, _l("Éditeur"), "applications.vendor", "vendor_id"),
    AuditKind(ApplicationFunction, _l("Fonctionnalité")),
    AuditKind(Deployment, _l("Déploiement")),
    AuditKind(Interface, _l("Flux entre applications")),
)
