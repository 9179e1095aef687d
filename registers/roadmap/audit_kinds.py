"""How the audit trail names the records of the roadmap."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.audit_display import AuditKind, audit_kinds_panel
from registers.roadmap.models import (
    HygieneAssessment,
    HygieneMeasure,
    Milestone,
    Roadmap,
    RoadmapAction,
)

PANEL = audit_kinds_panel(
    AuditKind(Roadmap, _l("Feuille de route"), "roadmap.roadmap", "roadmap_id"),
    AuditKind(RoadmapAction, _l("Action de la feuille de route"), "roadmap.action", "action_id"),
    AuditKind(Milestone, _l("Jalon")),
    AuditKind(HygieneMeasure, _l("Mesure d'hygiène")),
    AuditKind(HygieneAssessment, _l("Évaluation d'une mesure d'hygiène")),
)
