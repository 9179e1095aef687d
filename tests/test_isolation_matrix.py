"""The isolation matrix: every rule of the URL map, for every role, against a record of the
user's organisation (A) and one of another organisation (B).

The expected answer comes from the permission table (`compliance.permissions.role_allows`):
a record of B answers 404; a record of A answers 403 when the role may not do the action, and
otherwise a success class (2xx, 3xx, or 400/409/422: an empty body refused after the
permission check passed). A rule with no entry here fails the suite, so no route can be added
without saying what isolates it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from compliance.permissions import Action, Register, Role, role_allows
from tests.compliance.world import TEMPLATE, build_world
from tests.registers.applications.conftest import token_for  # noqa: F401  (fixture)

A, R = Action, Register
OK = "ok"  # 2xx, 3xx, or 400/409/422 after the permission check
ROLES = list(Role)


@dataclass(frozen=True)
class Entry:
    """What a rule needs: the register and action it checks, and how to build its URL from
    one side of the world (None: the rule takes no record). `expect(role, side)` overrides
    the answer the permission table gives, for the rules checked otherwise."""

    register: Register | None
    action: Action
    url: Callable | None = None
    expect: Callable | None = None
    values: dict | None = None  # the URL's values when it takes no record


def record(name: str, param: str):
    return lambda side: {param: side.records[name].id}


def slug(side):
    return {"slug": side.organisation.slug}


def dpia_measure(side):
    return {"dpia_id": side.records["dpia"].id, "measure_id": side.records["dpia_measure"].id}


def catalogue_write(role, side):
    """The shared catalogue is written from the host organisation only: a role in A alone is
    refused (403) what it sees, and does not see B's applications (404)."""
    return 404 if side == "b" else 403


def host_only(role, side):
    """Kept in the host organisation (model processing activities, the processor's record)."""
    return 403


def host_record(role, side):
    """A record of the host organisation, where a role in A gives no right: not found."""
    return 404


def admin_only(role, side):
    """The administration refuses whoever is no administrator anywhere, before any lookup."""
    if role != Role.ADMIN:
        return 403
    return 404 if side == "b" else OK


def admin_account(role, side):
    """Accounts belong to the platform admin: a member's admin is refused them (403), even for
    a user of their own organisation; another organisation's user is never found, and a
    non-admin is refused."""
    if role != Role.ADMIN:
        return 403
    return 404 if side == "b" else 403


def nothing_to_deploy(role, side):
    """Every application a user of A alone sees is already deployed in A: nowhere is left to
    deploy it (403); B's application is not found."""
    return 404 if side == "b" else 403


# A rights request of the side (its URL parameter).
RIGHTS_REQUEST = record("rights_request", "request_id")


def rights_letter(side):
    """The acknowledgement of the side's rights request."""
    return {**RIGHTS_REQUEST(side), "name": "rights-acknowledgement"}


# The security watch's records of the side.
ADVISORY = record("advisory", "advisory_id")
MATCH = record("advisory_match", "match_id")
TREATMENT = record("treatment", "treatment_id")
# The audits register's records of the side (their URL parameters).
AUDIT_PROGRAMME = record("audit_programme", "programme_id")
INTERNAL_AUDIT = record("internal_audit", "audit_id")
AUDIT_FINDING = record("audit_finding", "finding_id")
MANAGEMENT_REVIEW = record("management_review", "review_id")


def everyone(status):
    return lambda role, side: status


# A risk of the side (its URL parameter).
RISK = record("risk", "risk_id")


# Each key is (endpoint, method). Records are those of tests.compliance.world.
MATRIX: dict[tuple[str, str], Entry] = {
    # --- the application map ---
    ("applications.index", "GET"): Entry(R.APPLICATIONS, A.READ),
    ("applications.map_view", "GET"): Entry(R.APPLICATIONS, A.READ),
    ("applications.vendors", "GET"): Entry(R.APPLICATIONS, A.READ),
    ("applications.detail", "GET"): Entry(
        R.APPLICATIONS, A.READ, record("application", "application_id")
    ),
    ("applications.vendor", "GET"): Entry(R.APPLICATIONS, A.READ, record("vendor", "vendor_id")),
    ("applications.create", "GET"): Entry(R.APPLICATIONS, A.CREATE, expect=host_only),
    ("applications.create", "POST"): Entry(R.APPLICATIONS, A.CREATE, expect=host_only),
    ("applications.create_vendor", "GET"): Entry(R.APPLICATIONS, A.CREATE, expect=host_only),
    ("applications.create_vendor", "POST"): Entry(R.APPLICATIONS, A.CREATE, expect=host_only),
    ("applications.import_catalogue", "GET"): Entry(R.APPLICATIONS, A.CREATE, expect=host_only),
    ("applications.import_catalogue", "POST"): Entry(R.APPLICATIONS, A.CREATE, expect=host_only),
    ("applications.confirm_import", "POST"): Entry(R.APPLICATIONS, A.CREATE, expect=host_only),
    ("applications.edit", "GET"): Entry(
        R.APPLICATIONS, A.EDIT, record("application", "application_id"), catalogue_write
    ),
    ("applications.edit", "POST"): Entry(
        R.APPLICATIONS, A.EDIT, record("application", "application_id"), catalogue_write
    ),
    ("applications.archive", "POST"): Entry(
        R.APPLICATIONS, A.EDIT, record("application", "application_id"), catalogue_write
    ),
    ("applications.restore", "POST"): Entry(
        R.APPLICATIONS, A.EDIT, record("application", "application_id"), catalogue_write
    ),
    ("applications.edit_vendor", "GET"): Entry(
        R.APPLICATIONS, A.EDIT, record("vendor", "vendor_id"), catalogue_write
    ),
    ("applications.edit_vendor", "POST"): Entry(
        R.APPLICATIONS, A.EDIT, record("vendor", "vendor_id"), catalogue_write
    ),
    ("applications.add_interface", "POST"): Entry(
        R.APPLICATIONS, A.CREATE, record("application", "application_id"), catalogue_write
    ),
    ("applications.archive_interface", "POST"): Entry(
        R.APPLICATIONS, A.EDIT, record("interface", "interface_id"), catalogue_write
    ),
    ("applications.add_deployment", "POST"): Entry(
        R.APPLICATIONS, A.CREATE, record("application", "application_id"), nothing_to_deploy
    ),
    ("applications.edit_deployment", "GET"): Entry(
        R.APPLICATIONS, A.EDIT, record("deployment", "deployment_id")
    ),
    ("applications.edit_deployment", "POST"): Entry(
        R.APPLICATIONS, A.EDIT, record("deployment", "deployment_id")
    ),
    ("applications.archive_deployment", "POST"): Entry(
        R.APPLICATIONS, A.EDIT, record("deployment", "deployment_id")
    ),
    ("applications.restore_deployment", "POST"): Entry(
        R.APPLICATIONS, A.EDIT, record("deployment", "deployment_id")
    ),
    ("applications_export.application_map_form", "GET"): Entry(R.APPLICATIONS, A.EXPORT),
    ("applications_export.application_map", "POST"): Entry(R.APPLICATIONS, A.EXPORT),
    ("api.applications.applications", "GET"): Entry(R.APPLICATIONS, A.READ),
    ("api.applications.vendors", "GET"): Entry(R.APPLICATIONS, A.READ),
    ("api.applications.deployments", "GET"): Entry(R.APPLICATIONS, A.READ),
    ("api.applications.interfaces", "GET"): Entry(R.APPLICATIONS, A.READ),
    ("api.applications.application", "GET"): Entry(
        R.APPLICATIONS, A.READ, record("application", "record_id")
    ),
    ("api.applications.vendor", "GET"): Entry(
        R.APPLICATIONS, A.READ, record("vendor", "record_id")
    ),
    ("api.applications.deployment", "GET"): Entry(
        R.APPLICATIONS, A.READ, record("deployment", "record_id")
    ),
    ("api.applications.interface", "GET"): Entry(
        R.APPLICATIONS, A.READ, record("interface", "record_id")
    ),
    ("api.applications.create_application", "POST"): Entry(
        R.APPLICATIONS, A.CREATE, expect=host_only
    ),
    ("api.applications.create_vendor", "POST"): Entry(R.APPLICATIONS, A.CREATE, expect=host_only),
    ("api.applications.create_interface", "POST"): Entry(
        R.APPLICATIONS, A.CREATE, expect=host_only
    ),
    ("api.applications.create_deployment", "POST"): Entry(R.APPLICATIONS, A.CREATE),
    ("api.applications.update_application", "PATCH"): Entry(
        R.APPLICATIONS, A.EDIT, record("application", "record_id"), catalogue_write
    ),
    ("api.applications.update_vendor", "PATCH"): Entry(
        R.APPLICATIONS, A.EDIT, record("vendor", "record_id"), catalogue_write
    ),
    ("api.applications.update_interface", "PATCH"): Entry(
        R.APPLICATIONS, A.EDIT, record("interface", "record_id"), catalogue_write
    ),
    ("api.applications.update_deployment", "PATCH"): Entry(
        R.APPLICATIONS, A.EDIT, record("deployment", "record_id")
    ),
    # --- the record of processing activities ---
    ("processing.index", "GET"): Entry(R.PROCESSING, A.READ),
    ("processing.todo", "GET"): Entry(R.PROCESSING, A.READ),
    ("processing.register", "GET"): Entry(R.PROCESSING, A.READ, slug),
    ("processing.versions", "GET"): Entry(R.PROCESSING, A.READ, slug),
    ("processing.create", "GET"): Entry(R.PROCESSING, A.CREATE, slug),
    ("processing.create", "POST"): Entry(R.PROCESSING, A.CREATE, slug),
    ("processing.import_activities", "GET"): Entry(R.PROCESSING, A.CREATE, slug),
    ("processing.import_activities", "POST"): Entry(R.PROCESSING, A.CREATE, slug),
    ("processing.confirm_import", "POST"): Entry(R.PROCESSING, A.CREATE, slug),
    ("processing.publish_version", "POST"): Entry(R.PROCESSING, A.VALIDATE, slug),
    ("processing.export_register", "POST"): Entry(R.PROCESSING, A.EXPORT, slug),
    ("processing.export_xlsx", "POST"): Entry(R.PROCESSING, A.EXPORT, slug),
    ("processing.export_version", "POST"): Entry(
        R.PROCESSING,
        A.EXPORT,
        lambda side: {**slug(side), "number": side.version.number},
    ),
    ("processing.detail", "GET"): Entry(R.PROCESSING, A.READ, record("activity", "activity_id")),
    ("processing.edit", "GET"): Entry(R.PROCESSING, A.EDIT, record("activity", "activity_id")),
    ("processing.edit", "POST"): Entry(R.PROCESSING, A.EDIT, record("activity", "activity_id")),
    ("processing.dpia", "GET"): Entry(R.PROCESSING, A.EDIT, record("activity", "activity_id")),
    ("processing.dpia", "POST"): Entry(R.PROCESSING, A.EDIT, record("activity", "activity_id")),
    ("processing.submit", "POST"): Entry(R.PROCESSING, A.EDIT, record("activity", "activity_id")),
    ("processing.archive", "POST"): Entry(R.PROCESSING, A.EDIT, record("activity", "activity_id")),
    ("processing.restore", "POST"): Entry(R.PROCESSING, A.EDIT, record("activity", "activity_id")),
    ("processing.validate", "POST"): Entry(
        R.PROCESSING, A.VALIDATE, record("activity", "activity_id")
    ),
    ("processing.send_back", "POST"): Entry(
        R.PROCESSING, A.VALIDATE, record("activity", "activity_id")
    ),
    ("processing.export_activity", "POST"): Entry(
        R.PROCESSING, A.EXPORT, record("activity", "activity_id")
    ),
    ("processing.models", "GET"): Entry(R.PROCESSING, A.VALIDATE, expect=host_only),
    ("processing.create_model", "GET"): Entry(R.PROCESSING, A.CREATE, expect=host_only),
    ("processing.create_model", "POST"): Entry(R.PROCESSING, A.CREATE, expect=host_only),
    ("processing.model", "GET"): Entry(
        R.PROCESSING, A.VALIDATE, lambda side: {"model_id": side.model.id}, host_only
    ),
    ("processing.apply_model", "POST"): Entry(
        R.PROCESSING, A.VALIDATE, lambda side: {"model_id": side.model.id}, host_only
    ),
    ("processing.push_model", "POST"): Entry(
        R.PROCESSING, A.VALIDATE, lambda side: {"model_id": side.model.id}, host_only
    ),
    ("processing.processor_register", "GET"): Entry(R.PROCESSING, A.READ, expect=host_record),
    ("processing.export_processor_register", "POST"): Entry(
        R.PROCESSING, A.EXPORT, expect=host_record
    ),
    ("api.processing.activities", "GET"): Entry(R.PROCESSING, A.READ),
    ("api.processing.create_activity", "POST"): Entry(R.PROCESSING, A.CREATE),
    ("api.processing.activity", "GET"): Entry(
        R.PROCESSING, A.READ, record("activity", "record_id")
    ),
    ("api.processing.update_activity", "PATCH"): Entry(
        R.PROCESSING, A.EDIT, record("activity", "record_id")
    ),
    ("api.processing.submit_activity", "POST"): Entry(
        R.PROCESSING, A.EDIT, record("activity", "record_id")
    ),
    ("api.processing.validate_activity", "POST"): Entry(
        R.PROCESSING, A.VALIDATE, record("activity", "record_id")
    ),
    ("api.processing.send_back_activity", "POST"): Entry(
        R.PROCESSING, A.VALIDATE, record("activity", "record_id")
    ),
    # --- incidents and corrective actions ---
    ("incidents.index", "GET"): Entry(R.INCIDENTS, A.READ),
    ("incidents.actions", "GET"): Entry(R.INCIDENTS, A.READ),
    ("incidents.create", "GET"): Entry(R.INCIDENTS, A.CREATE),
    ("incidents.create", "POST"): Entry(R.INCIDENTS, A.CREATE),
    ("incidents.create_action", "GET"): Entry(R.INCIDENTS, A.CREATE),
    ("incidents.create_action", "POST"): Entry(R.INCIDENTS, A.CREATE),
    ("incidents.export_log", "POST"): Entry(R.INCIDENTS, A.EXPORT),
    ("incidents.export_actions", "POST"): Entry(R.INCIDENTS, A.EXPORT),
    ("incidents.detail", "GET"): Entry(R.INCIDENTS, A.READ, record("incident", "incident_id")),
    ("incidents.edit", "GET"): Entry(R.INCIDENTS, A.EDIT, record("incident", "incident_id")),
    ("incidents.edit", "POST"): Entry(R.INCIDENTS, A.EDIT, record("incident", "incident_id")),
    ("incidents.transition", "POST"): Entry(
        R.INCIDENTS,
        A.EDIT,
        lambda side: {"incident_id": side.incident.id, "target": "assessed"},
    ),
    ("incidents.add_entry", "POST"): Entry(R.INCIDENTS, A.EDIT, record("incident", "incident_id")),
    ("incidents.add_report", "POST"): Entry(R.INCIDENTS, A.EDIT, record("incident", "incident_id")),
    ("incidents.remove_report", "POST"): Entry(R.INCIDENTS, A.EDIT, record("report", "report_id")),
    ("incidents.archive", "POST"): Entry(R.INCIDENTS, A.EDIT, record("incident", "incident_id")),
    ("incidents.restore", "POST"): Entry(R.INCIDENTS, A.EDIT, record("incident", "incident_id")),
    ("incidents.export_report", "POST"): Entry(
        R.INCIDENTS, A.EXPORT, record("incident", "incident_id")
    ),
    ("incidents.action_detail", "GET"): Entry(
        R.INCIDENTS, A.READ, record("corrective_action", "action_id")
    ),
    ("incidents.edit_action", "GET"): Entry(
        R.INCIDENTS, A.EDIT, record("corrective_action", "action_id")
    ),
    ("incidents.edit_action", "POST"): Entry(
        R.INCIDENTS, A.EDIT, record("corrective_action", "action_id")
    ),
    ("incidents.action_transition", "POST"): Entry(
        R.INCIDENTS,
        A.EDIT,
        lambda side: {"action_id": side.corrective_action.id, "target": "in_progress"},
    ),
    ("incidents.archive_action", "POST"): Entry(
        R.INCIDENTS, A.EDIT, record("corrective_action", "action_id")
    ),
    ("incidents.restore_action", "POST"): Entry(
        R.INCIDENTS, A.EDIT, record("corrective_action", "action_id")
    ),
    ("api.incidents.incidents", "GET"): Entry(R.INCIDENTS, A.READ),
    ("api.incidents.corrective_actions", "GET"): Entry(R.INCIDENTS, A.READ),
    ("api.incidents.create_incident", "POST"): Entry(R.INCIDENTS, A.CREATE),
    ("api.incidents.create_action", "POST"): Entry(R.INCIDENTS, A.CREATE),
    ("api.incidents.incident", "GET"): Entry(R.INCIDENTS, A.READ, record("incident", "record_id")),
    ("api.incidents.timeline", "GET"): Entry(R.INCIDENTS, A.READ, record("incident", "record_id")),
    ("api.incidents.update_incident", "PATCH"): Entry(
        R.INCIDENTS, A.EDIT, record("incident", "record_id")
    ),
    ("api.incidents.transition_incident", "POST"): Entry(
        R.INCIDENTS, A.EDIT, record("incident", "record_id")
    ),
    ("api.incidents.add_entry", "POST"): Entry(
        R.INCIDENTS, A.EDIT, record("incident", "record_id")
    ),
    ("api.incidents.add_report", "POST"): Entry(
        R.INCIDENTS, A.EDIT, record("incident", "record_id")
    ),
    ("api.incidents.corrective_action", "GET"): Entry(
        R.INCIDENTS, A.READ, record("corrective_action", "record_id")
    ),
    ("api.incidents.update_action", "PATCH"): Entry(
        R.INCIDENTS, A.EDIT, record("corrective_action", "record_id")
    ),
    ("api.incidents.transition_action", "POST"): Entry(
        R.INCIDENTS, A.EDIT, record("corrective_action", "record_id")
    ),
    # --- personal-data breaches ---
    ("breaches.index", "GET"): Entry(R.BREACHES, A.READ),
    ("breaches.create", "GET"): Entry(R.BREACHES, A.CREATE),
    ("breaches.create", "POST"): Entry(R.BREACHES, A.CREATE),
    ("breaches.export_register", "POST"): Entry(R.BREACHES, A.EXPORT),
    ("breaches.detail", "GET"): Entry(R.BREACHES, A.READ, record("breach", "breach_id")),
    ("breaches.edit", "GET"): Entry(R.BREACHES, A.EDIT, record("breach", "breach_id")),
    ("breaches.edit", "POST"): Entry(R.BREACHES, A.EDIT, record("breach", "breach_id")),
    ("breaches.notify", "POST"): Entry(R.BREACHES, A.VALIDATE, record("breach", "breach_id")),
    ("breaches.not_notifiable", "POST"): Entry(
        R.BREACHES, A.VALIDATE, record("breach", "breach_id")
    ),
    ("breaches.close", "POST"): Entry(R.BREACHES, A.VALIDATE, record("breach", "breach_id")),
    ("breaches.reopen", "POST"): Entry(R.BREACHES, A.VALIDATE, record("breach", "breach_id")),
    ("breaches.archive", "POST"): Entry(R.BREACHES, A.EDIT, record("breach", "breach_id")),
    ("breaches.restore", "POST"): Entry(R.BREACHES, A.EDIT, record("breach", "breach_id")),
    ("breaches.export_dossier", "POST"): Entry(R.BREACHES, A.EXPORT, record("breach", "breach_id")),
    ("breaches.export_letter", "POST"): Entry(R.BREACHES, A.EXPORT, record("breach", "breach_id")),
    ("breaches.assess", "GET"): Entry(R.BREACHES, A.CREATE, record("incident", "incident_id")),
    ("breaches.assess", "POST"): Entry(R.BREACHES, A.CREATE, record("incident", "incident_id")),
    ("breaches.no_breach", "GET"): Entry(R.BREACHES, A.CREATE, record("incident", "incident_id")),
    ("breaches.no_breach", "POST"): Entry(R.BREACHES, A.CREATE, record("incident", "incident_id")),
    ("breaches.to_assess", "GET"): Entry(R.BREACHES, A.CREATE),
    ("api.breaches.breaches", "GET"): Entry(R.BREACHES, A.READ),
    ("api.breaches.create_breach", "POST"): Entry(R.BREACHES, A.CREATE),
    ("api.breaches.no_breach", "POST"): Entry(
        R.BREACHES, A.CREATE, record("incident", "incident_id")
    ),
    ("api.breaches.breach", "GET"): Entry(R.BREACHES, A.READ, record("breach", "breach_id")),
    ("api.breaches.update_breach", "PATCH"): Entry(
        R.BREACHES, A.EDIT, record("breach", "breach_id")
    ),
    ("api.breaches.add_notification", "POST"): Entry(
        R.BREACHES, A.VALIDATE, record("breach", "breach_id")
    ),
    ("api.breaches.not_notifiable", "POST"): Entry(
        R.BREACHES, A.VALIDATE, record("breach", "breach_id")
    ),
    # --- the risk register ---
    ("risks.index", "GET"): Entry(R.RISKS, A.READ),
    ("risks.create", "GET"): Entry(R.RISKS, A.CREATE),
    ("risks.create", "POST"): Entry(R.RISKS, A.CREATE),
    ("risks.detail", "GET"): Entry(R.RISKS, A.READ, RISK),
    ("risks.edit", "GET"): Entry(R.RISKS, A.EDIT, RISK),
    ("risks.edit", "POST"): Entry(R.RISKS, A.EDIT, RISK),
    ("risks.export_plan_form", "GET"): Entry(R.RISKS, A.EXPORT),
    ("risks.export_plan", "POST"): Entry(R.RISKS, A.EXPORT),
    ("api.risks.risks", "GET"): Entry(R.RISKS, A.READ),
    ("api.risks.create_risk", "POST"): Entry(R.RISKS, A.CREATE),
    ("api.risks.risk", "GET"): Entry(R.RISKS, A.READ, RISK),
    ("api.risks.update_risk", "PATCH"): Entry(R.RISKS, A.EDIT, RISK),
    # --- internal audits and management reviews ---
    ("audits.index", "GET"): Entry(R.AUDITS, A.READ),
    ("audits.create_programme", "GET"): Entry(R.AUDITS, A.CREATE),
    ("audits.create_programme", "POST"): Entry(R.AUDITS, A.CREATE),
    ("audits.edit_programme", "GET"): Entry(R.AUDITS, A.EDIT, AUDIT_PROGRAMME),
    ("audits.edit_programme", "POST"): Entry(R.AUDITS, A.EDIT, AUDIT_PROGRAMME),
    ("audits.create", "GET"): Entry(R.AUDITS, A.CREATE),
    ("audits.create", "POST"): Entry(R.AUDITS, A.CREATE),
    ("audits.detail", "GET"): Entry(R.AUDITS, A.READ, INTERNAL_AUDIT),
    ("audits.edit", "GET"): Entry(R.AUDITS, A.EDIT, INTERNAL_AUDIT),
    ("audits.edit", "POST"): Entry(R.AUDITS, A.EDIT, INTERNAL_AUDIT),
    ("audits.transition", "POST"): Entry(R.AUDITS, A.EDIT, INTERNAL_AUDIT),
    ("audits.add_finding", "POST"): Entry(R.AUDITS, A.EDIT, INTERNAL_AUDIT),
    ("audits.open_action", "POST"): Entry(R.AUDITS, A.EDIT, AUDIT_FINDING),
    ("audits.edit_finding", "GET"): Entry(R.AUDITS, A.EDIT, AUDIT_FINDING),
    ("audits.edit_finding", "POST"): Entry(R.AUDITS, A.EDIT, AUDIT_FINDING),
    ("api.audits.update_finding", "PATCH"): Entry(R.AUDITS, A.EDIT, AUDIT_FINDING),
    ("audits.export_report", "POST"): Entry(R.AUDITS, A.EXPORT, INTERNAL_AUDIT),
    ("reviews.index", "GET"): Entry(R.AUDITS, A.READ),
    ("reviews.create", "GET"): Entry(R.AUDITS, A.CREATE),
    ("reviews.create", "POST"): Entry(R.AUDITS, A.CREATE),
    ("reviews.detail", "GET"): Entry(R.AUDITS, A.READ, MANAGEMENT_REVIEW),
    ("reviews.edit", "GET"): Entry(R.AUDITS, A.EDIT, MANAGEMENT_REVIEW),
    ("reviews.edit", "POST"): Entry(R.AUDITS, A.EDIT, MANAGEMENT_REVIEW),
    ("reviews.mark_held", "POST"): Entry(R.AUDITS, A.EDIT, MANAGEMENT_REVIEW),
    ("reviews.decide", "POST"): Entry(R.AUDITS, A.EDIT, MANAGEMENT_REVIEW),
    ("reviews.export_review", "POST"): Entry(R.AUDITS, A.EXPORT, MANAGEMENT_REVIEW),
    ("api.audits.audit_programmes", "GET"): Entry(R.AUDITS, A.READ),
    ("api.audits.create_programme", "POST"): Entry(R.AUDITS, A.CREATE),
    ("api.audits.audits", "GET"): Entry(R.AUDITS, A.READ),
    ("api.audits.create_audit", "POST"): Entry(R.AUDITS, A.CREATE),
    ("api.audits.audit", "GET"): Entry(R.AUDITS, A.READ, INTERNAL_AUDIT),
    ("api.audits.update_audit", "PATCH"): Entry(R.AUDITS, A.EDIT, INTERNAL_AUDIT),
    ("api.audits.transition_audit", "POST"): Entry(R.AUDITS, A.EDIT, INTERNAL_AUDIT),
    ("api.audits.add_finding", "POST"): Entry(R.AUDITS, A.EDIT, INTERNAL_AUDIT),
    ("api.audits.management_reviews", "GET"): Entry(R.AUDITS, A.READ),
    ("api.audits.create_review", "POST"): Entry(R.AUDITS, A.CREATE),
    ("api.audits.management_review", "GET"): Entry(R.AUDITS, A.READ, MANAGEMENT_REVIEW),
    ("api.audits.update_review", "PATCH"): Entry(R.AUDITS, A.EDIT, MANAGEMENT_REVIEW),
    ("api.audits.mark_review_held", "POST"): Entry(R.AUDITS, A.EDIT, MANAGEMENT_REVIEW),
    ("api.audits.decide_action", "POST"): Entry(R.AUDITS, A.EDIT, MANAGEMENT_REVIEW),
    # --- data-subject rights requests ---
    ("rights.index", "GET"): Entry(R.RIGHTS, A.READ),
    ("rights.create", "GET"): Entry(R.RIGHTS, A.CREATE),
    ("rights.create", "POST"): Entry(R.RIGHTS, A.CREATE),
    ("rights.detail", "GET"): Entry(R.RIGHTS, A.READ, RIGHTS_REQUEST),
    ("rights.edit", "GET"): Entry(R.RIGHTS, A.EDIT, RIGHTS_REQUEST),
    ("rights.edit", "POST"): Entry(R.RIGHTS, A.EDIT, RIGHTS_REQUEST),
    ("rights.start", "POST"): Entry(R.RIGHTS, A.EDIT, RIGHTS_REQUEST),
    ("rights.extend", "POST"): Entry(R.RIGHTS, A.EDIT, RIGHTS_REQUEST),
    ("rights.answer", "POST"): Entry(R.RIGHTS, A.EDIT, RIGHTS_REQUEST),
    ("rights.refuse", "POST"): Entry(R.RIGHTS, A.EDIT, RIGHTS_REQUEST),
    ("rights.withdraw", "POST"): Entry(R.RIGHTS, A.EDIT, RIGHTS_REQUEST),
    ("rights.close", "POST"): Entry(R.RIGHTS, A.EDIT, RIGHTS_REQUEST),
    ("rights.reopen", "POST"): Entry(R.RIGHTS, A.EDIT, RIGHTS_REQUEST),
    # A letter carries the person's name: those who handle the request; the log names no one.
    ("rights.export_letter", "POST"): Entry(R.RIGHTS, A.EDIT, rights_letter),
    ("rights.export_log_form", "GET"): Entry(R.RIGHTS, A.EXPORT),
    ("rights.export_log", "POST"): Entry(R.RIGHTS, A.EXPORT),
    ("api.rights.rights_requests", "GET"): Entry(R.RIGHTS, A.READ),
    ("api.rights.create_request", "POST"): Entry(R.RIGHTS, A.CREATE),
    ("api.rights.rights_request", "GET"): Entry(R.RIGHTS, A.READ, RIGHTS_REQUEST),
    ("api.rights.update_request", "PATCH"): Entry(R.RIGHTS, A.EDIT, RIGHTS_REQUEST),
    ("api.rights.start_request", "POST"): Entry(R.RIGHTS, A.EDIT, RIGHTS_REQUEST),
    ("api.rights.extend_request", "POST"): Entry(R.RIGHTS, A.EDIT, RIGHTS_REQUEST),
    ("api.rights.answer_request", "POST"): Entry(R.RIGHTS, A.EDIT, RIGHTS_REQUEST),
    ("api.rights.refuse_request", "POST"): Entry(R.RIGHTS, A.EDIT, RIGHTS_REQUEST),
    ("api.rights.withdraw_request", "POST"): Entry(R.RIGHTS, A.EDIT, RIGHTS_REQUEST),
    ("api.rights.close_request", "POST"): Entry(R.RIGHTS, A.EDIT, RIGHTS_REQUEST),
    ("api.rights.reopen_request", "POST"): Entry(R.RIGHTS, A.EDIT, RIGHTS_REQUEST),
    # --- the ANSSI roadmap ---
    ("roadmap.index", "GET"): Entry(R.ROADMAP, A.READ),
    ("roadmap.hygiene_home", "GET"): Entry(R.ROADMAP, A.READ),
    ("roadmap.create", "GET"): Entry(R.ROADMAP, A.CREATE),
    ("roadmap.create", "POST"): Entry(R.ROADMAP, A.CREATE),
    ("roadmap.hygiene", "GET"): Entry(R.ROADMAP, A.READ, slug),
    ("roadmap.assess", "GET"): Entry(R.ROADMAP, A.EDIT, lambda side: {**slug(side), "ref": "1"}),
    ("roadmap.assess", "POST"): Entry(R.ROADMAP, A.EDIT, lambda side: {**slug(side), "ref": "1"}),
    ("roadmap.roadmap", "GET"): Entry(R.ROADMAP, A.READ, record("roadmap", "roadmap_id")),
    ("roadmap.progress", "GET"): Entry(R.ROADMAP, A.READ, record("roadmap", "roadmap_id")),
    ("roadmap.edit", "GET"): Entry(R.ROADMAP, A.EDIT, record("roadmap", "roadmap_id")),
    ("roadmap.edit", "POST"): Entry(R.ROADMAP, A.EDIT, record("roadmap", "roadmap_id")),
    ("roadmap.export", "POST"): Entry(R.ROADMAP, A.EXPORT, record("roadmap", "roadmap_id")),
    ("roadmap.create_action", "GET"): Entry(R.ROADMAP, A.CREATE, record("roadmap", "roadmap_id")),
    ("roadmap.create_action", "POST"): Entry(R.ROADMAP, A.CREATE, record("roadmap", "roadmap_id")),
    ("roadmap.action", "GET"): Entry(R.ROADMAP, A.READ, record("roadmap_action", "action_id")),
    ("roadmap.edit_action", "GET"): Entry(R.ROADMAP, A.EDIT, record("roadmap_action", "action_id")),
    ("roadmap.edit_action", "POST"): Entry(
        R.ROADMAP, A.EDIT, record("roadmap_action", "action_id")
    ),
    ("roadmap.update_progress", "POST"): Entry(
        R.ROADMAP, A.EDIT, record("roadmap_action", "action_id")
    ),
    ("roadmap.archive_action", "POST"): Entry(
        R.ROADMAP, A.EDIT, record("roadmap_action", "action_id")
    ),
    ("roadmap.restore_action", "POST"): Entry(
        R.ROADMAP, A.EDIT, record("roadmap_action", "action_id")
    ),
    ("roadmap.add_milestone", "POST"): Entry(
        R.ROADMAP, A.EDIT, record("roadmap_action", "action_id")
    ),
    ("roadmap.toggle_milestone", "POST"): Entry(
        R.ROADMAP, A.EDIT, record("milestone", "milestone_id")
    ),
    ("roadmap.remove_milestone", "POST"): Entry(
        R.ROADMAP, A.EDIT, record("milestone", "milestone_id")
    ),
    ("roadmap.escalate", "GET"): Entry(
        R.ROADMAP, A.CREATE, record("corrective_action", "corrective_action_id")
    ),
    ("roadmap.escalate", "POST"): Entry(
        R.ROADMAP, A.CREATE, record("corrective_action", "corrective_action_id")
    ),
    ("api.roadmap.roadmaps", "GET"): Entry(R.ROADMAP, A.READ),
    ("api.roadmap.actions", "GET"): Entry(R.ROADMAP, A.READ),
    ("api.roadmap.create_action", "POST"): Entry(R.ROADMAP, A.CREATE),
    ("api.roadmap.roadmap", "GET"): Entry(R.ROADMAP, A.READ, record("roadmap", "record_id")),
    ("api.roadmap.action", "GET"): Entry(R.ROADMAP, A.READ, record("roadmap_action", "record_id")),
    ("api.roadmap.update_action", "PATCH"): Entry(
        R.ROADMAP, A.EDIT, record("roadmap_action", "record_id")
    ),
    ("api.roadmap.hygiene_assessment", "GET"): Entry(
        R.ROADMAP, A.READ, lambda side: {"organisation": side.organisation.slug}
    ),
    ("api.roadmap.assess", "PUT"): Entry(
        R.ROADMAP, A.EDIT, lambda side: {"organisation": side.organisation.slug, "ref": "1"}
    ),
    # --- data protection impact assessments ---
    ("dpia.index", "GET"): Entry(R.DPIA, A.READ),
    ("dpia.start", "POST"): Entry(R.DPIA, A.CREATE, record("activity", "activity_id")),
    ("dpia.detail", "GET"): Entry(R.DPIA, A.READ, record("dpia", "dpia_id")),
    ("dpia.risk_map_image", "GET"): Entry(R.DPIA, A.READ, record("dpia", "dpia_id")),
    ("dpia.step", "POST"): Entry(
        R.DPIA, A.EDIT, lambda side: {"dpia_id": side.records["dpia"].id, "step": "submit"}
    ),
    ("dpia.context", "GET"): Entry(R.DPIA, A.READ, record("dpia", "dpia_id")),
    ("dpia.context", "POST"): Entry(R.DPIA, A.EDIT, record("dpia", "dpia_id")),
    ("dpia.principles", "GET"): Entry(R.DPIA, A.READ, record("dpia", "dpia_id")),
    ("dpia.principles", "POST"): Entry(R.DPIA, A.VALIDATE, record("dpia", "dpia_id")),
    ("dpia.risks", "GET"): Entry(R.DPIA, A.READ, record("dpia", "dpia_id")),
    ("dpia.risks", "POST"): Entry(R.DPIA, A.VALIDATE, record("dpia", "dpia_id")),
    ("dpia.measures", "GET"): Entry(R.DPIA, A.READ, record("dpia", "dpia_id")),
    ("dpia.measures", "POST"): Entry(R.DPIA, A.EDIT, record("dpia", "dpia_id")),
    ("dpia.remove_measure", "POST"): Entry(R.DPIA, A.EDIT, dpia_measure),
    ("dpia.plan_measure", "POST"): Entry(R.DPIA, A.VALIDATE, dpia_measure),
    ("dpia.validation", "GET"): Entry(R.DPIA, A.READ, record("dpia", "dpia_id")),
    ("dpia.validation", "POST"): Entry(R.DPIA, A.VALIDATE, record("dpia", "dpia_id")),
    ("dpia.export_word", "POST"): Entry(R.DPIA, A.EXPORT, record("dpia", "dpia_id")),
    ("dpia.export_pia_json", "POST"): Entry(R.DPIA, A.EXPORT, record("dpia", "dpia_id")),
    ("dpia.import_pia", "GET"): Entry(R.DPIA, A.VALIDATE, record("activity", "activity_id")),
    ("dpia.import_pia", "POST"): Entry(R.DPIA, A.VALIDATE, record("activity", "activity_id")),
    ("api.dpia.dpias", "GET"): Entry(R.DPIA, A.READ),
    ("api.dpia.create_dpia", "POST"): Entry(R.DPIA, A.CREATE),
    ("api.dpia.dpia", "GET"): Entry(R.DPIA, A.READ, record("dpia", "record_id")),
    ("api.dpia.update_dpia", "PATCH"): Entry(R.DPIA, A.EDIT, record("dpia", "record_id")),
    ("api.dpia.transition_dpia", "POST"): Entry(R.DPIA, A.EDIT, record("dpia", "record_id")),
    ("api.dpia.adopt_dpia", "POST"): Entry(R.DPIA, A.VALIDATE, record("dpia", "record_id")),
    ("dpia.adopt", "POST"): Entry(
        R.DPIA,
        A.VALIDATE,
        lambda side: {
            "dpia_id": side.records["dpia"].id,
            "activity_id": side.records["activity"].id,
        },
    ),
    # --- the security watch (kept by the host's CISO; members read their exposure) ---
    ("watch.index", "GET"): Entry(R.WATCH, A.READ),
    ("watch.detail", "GET"): Entry(R.WATCH, A.READ, ADVISORY),
    ("watch.create", "GET"): Entry(R.WATCH, A.CREATE, expect=host_only),
    ("watch.create", "POST"): Entry(R.WATCH, A.CREATE, expect=host_only),
    ("watch.edit", "GET"): Entry(R.WATCH, A.EDIT, ADVISORY, expect=catalogue_write),
    ("watch.edit", "POST"): Entry(R.WATCH, A.EDIT, ADVISORY, expect=catalogue_write),
    ("watch.upload", "POST"): Entry(R.WATCH, A.CREATE, expect=host_only),
    ("watch.confirm_match", "POST"): Entry(R.WATCH, A.EDIT, MATCH, expect=catalogue_write),
    ("watch.dismiss_match", "POST"): Entry(R.WATCH, A.EDIT, MATCH, expect=catalogue_write),
    ("watch.treat_deployments", "POST"): Entry(R.WATCH, A.EDIT, MATCH, expect=catalogue_write),
    ("watch.edit_treatment", "GET"): Entry(R.WATCH, A.EDIT, TREATMENT, expect=catalogue_write),
    ("watch.edit_treatment", "POST"): Entry(R.WATCH, A.EDIT, TREATMENT, expect=catalogue_write),
    ("watch.open_corrective_action", "POST"): Entry(
        R.WATCH, A.EDIT, TREATMENT, expect=catalogue_write
    ),
    ("watch.open_incident", "POST"): Entry(R.WATCH, A.EDIT, TREATMENT, expect=catalogue_write),
    ("watch.exposure", "GET"): Entry(R.WATCH, A.READ, slug),
    ("watch.add_identifier", "POST"): Entry(
        R.WATCH, A.CREATE, record("application", "application_id"), expect=catalogue_write
    ),
    ("watch.remove_identifier", "POST"): Entry(
        R.WATCH, A.EDIT, record("identifier", "identifier_id"), expect=catalogue_write
    ),
    ("watch.bulletin_form", "GET"): Entry(R.WATCH, A.EXPORT),
    ("watch.bulletin", "POST"): Entry(R.WATCH, A.EXPORT),
    ("api.watch.advisories", "GET"): Entry(R.WATCH, A.READ),
    ("api.watch.advisory", "GET"): Entry(R.WATCH, A.READ, ADVISORY),
    ("api.watch.create_advisory", "POST"): Entry(R.WATCH, A.CREATE, expect=host_only),
    ("api.watch.update_advisory", "PATCH"): Entry(
        R.WATCH, A.EDIT, ADVISORY, expect=catalogue_write
    ),
    ("api.watch.advisory_treatments", "GET"): Entry(R.WATCH, A.READ, ADVISORY),
    ("api.watch.update_treatment", "PATCH"): Entry(
        R.WATCH, A.EDIT, TREATMENT, expect=catalogue_write
    ),
    # --- the kernel: dashboards, documents, administration ---
    # --- the DPO's annual report ---
    ("annual.index", "GET"): Entry(R.ANNUAL, A.READ),
    ("annual.member", "GET"): Entry(R.ANNUAL, A.READ, slug),
    ("annual.recommend", "POST"): Entry(R.ANNUAL, A.VALIDATE, slug),
    ("annual.export", "POST"): Entry(R.ANNUAL, A.EXPORT, slug),
    # The whole service's report is the host organisation's.
    ("annual.service", "GET"): Entry(R.ANNUAL, A.READ, expect=host_only),
    ("annual.recommend_service", "POST"): Entry(R.ANNUAL, A.VALIDATE, expect=host_only),
    ("annual.export_service", "POST"): Entry(R.ANNUAL, A.EXPORT, expect=host_only),
    ("annual.sessions", "GET"): Entry(R.ANNUAL, A.READ),
    ("annual.create_session", "GET"): Entry(R.ANNUAL, A.CREATE),
    ("annual.create_session", "POST"): Entry(R.ANNUAL, A.CREATE),
    ("annual.edit_session", "GET"): Entry(
        R.ANNUAL, A.EDIT, record("awareness_session", "session_id")
    ),
    ("annual.edit_session", "POST"): Entry(
        R.ANNUAL, A.EDIT, record("awareness_session", "session_id")
    ),
    ("annual.archive_session", "POST"): Entry(
        R.ANNUAL, A.EDIT, record("awareness_session", "session_id")
    ),
    ("annual.restore_session", "POST"): Entry(
        R.ANNUAL, A.EDIT, record("awareness_session", "session_id")
    ),
    ("api.annual.awareness_sessions", "GET"): Entry(R.ANNUAL, A.READ),
    ("api.annual.create_session", "POST"): Entry(R.ANNUAL, A.CREATE),
    ("api.annual.awareness_session", "GET"): Entry(
        R.ANNUAL, A.READ, record("awareness_session", "record_id")
    ),
    ("api.annual.update_session", "PATCH"): Entry(
        R.ANNUAL, A.EDIT, record("awareness_session", "record_id")
    ),
    ("api.annual.member", "GET"): Entry(R.ANNUAL, A.READ, slug),
    ("api.annual.service", "GET"): Entry(R.ANNUAL, A.READ, expect=host_only),
    ("web.dashboard", "GET"): Entry(R.DASHBOARD, A.READ),
    ("web.organisation_dashboard", "GET"): Entry(R.DASHBOARD, A.READ, slug),
    ("web.organisations", "GET"): Entry(R.DASHBOARD, A.READ),
    ("word_templates.index", "GET"): Entry(R.ORGANISATIONS, A.ADMIN, expect=admin_only),
    ("word_templates.download_default", "GET"): Entry(
        R.ORGANISATIONS, A.ADMIN, expect=admin_only, values={"name": TEMPLATE}
    ),
    ("word_templates.download", "GET"): Entry(
        R.ORGANISATIONS, A.ADMIN, lambda side: {**slug(side), "name": TEMPLATE}, admin_only
    ),
    ("word_templates.upload", "POST"): Entry(
        R.ORGANISATIONS, A.ADMIN, lambda side: {**slug(side), "name": TEMPLATE}, admin_only
    ),
    ("word_templates.reset", "POST"): Entry(
        R.ORGANISATIONS, A.ADMIN, lambda side: {**slug(side), "name": TEMPLATE}, admin_only
    ),
    ("admin.organisations", "GET"): Entry(R.ORGANISATIONS, A.ADMIN, expect=admin_only),
    ("admin.users", "GET"): Entry(R.USERS, A.ADMIN, expect=admin_only),
    ("admin.audit_trail", "GET"): Entry(R.AUDIT, A.ADMIN, expect=admin_only),
    ("admin.create_organisation", "GET"): Entry(R.ORGANISATIONS, A.ADMIN, expect=host_only),
    ("admin.create_organisation", "POST"): Entry(R.ORGANISATIONS, A.ADMIN, expect=host_only),
    ("admin.edit_organisation", "GET"): Entry(
        R.ORGANISATIONS, A.ADMIN, lambda side: {"organisation_id": side.organisation.id}, admin_only
    ),
    ("admin.edit_organisation", "POST"): Entry(
        R.ORGANISATIONS, A.ADMIN, lambda side: {"organisation_id": side.organisation.id}, admin_only
    ),
    ("admin.create_user", "GET"): Entry(R.USERS, A.ADMIN, expect=admin_account),
    ("admin.create_user", "POST"): Entry(R.USERS, A.ADMIN, expect=admin_account),
    ("admin.edit_user", "GET"): Entry(R.USERS, A.ADMIN, record("user", "user_id"), admin_only),
    ("admin.edit_user", "POST"): Entry(R.USERS, A.ADMIN, record("user", "user_id"), admin_account),
    ("admin.deactivate_user", "POST"): Entry(
        R.USERS, A.ADMIN, record("user", "user_id"), admin_account
    ),
    ("admin.reset_mfa", "POST"): Entry(R.USERS, A.ADMIN, record("user", "user_id"), admin_account),
    ("admin.add_membership", "POST"): Entry(
        R.USERS, A.ADMIN, record("user", "user_id"), admin_only
    ),
    ("admin.revoke_membership", "POST"): Entry(
        R.USERS, A.ADMIN, record("membership", "membership_id"), admin_only
    ),
}

# Rules outside the registers, with what every signed-in user gets (`static` needs a file).
KERNEL: dict[tuple[str, str], tuple[dict, int | str]] = {
    ("web.healthz", "GET"): ({}, 200),
    ("static", "GET"): ({"filename": "css/app.css"}, 200),
    ("verify.verify", "GET"): ({}, 200),
    ("verify.verify", "POST"): ({}, OK),
    ("account.profile", "GET"): ({}, 200),
    ("account.profile", "POST"): ({}, OK),
    ("account.create_token", "POST"): ({}, OK),
    ("account.revoke_token", "POST"): ({"token_id": 987_654_321}, 404),
    ("account.reminders", "POST"): ({}, OK),
    ("account.login", "GET"): ({}, OK),
    # The second factor concerns only the signed-in user's own account.
    ("mfa.login_code", "GET"): ({}, OK),
    ("mfa.login_code", "POST"): ({}, OK),
    ("mfa.setup", "GET"): ({}, 200),
    ("mfa.start", "POST"): ({}, OK),
    ("mfa.confirm", "POST"): ({}, OK),
    ("mfa.disable", "POST"): ({}, OK),
    ("mfa.renew_recovery_codes", "POST"): ({}, OK),
    ("account.login", "POST"): ({}, OK),
    ("api.me", "GET"): ({}, 200),
    ("api.openapi", "GET"): ({}, 200),
    ("api.organisations", "GET"): ({}, 200),
    ("web.set_language", "POST"): ({}, OK),
    ("web.select_organisation", "POST"): ({}, OK),
    # Last: it ends the session the other requests ride on.
    ("account.logout", "POST"): ({}, OK),
}


def _rules(app) -> list[tuple[str, str, object]]:
    rules = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            rules.append((rule.endpoint, method, rule))
    return sorted(rules, key=lambda item: (item[0] == "account.logout", item[0], item[1]))


def test_every_rule_has_its_isolation_entry(app):
    """A new route fails here until it says which register and action isolate it."""
    known = set(MATRIX) | set(KERNEL)
    missing = sorted(f"{e} {m}" for e, m, _rule in _rules(app) if (e, m) not in known)
    stale = sorted(f"{e} {m}" for e, m in known - {(e, m) for e, m, _r in _rules(app)})
    assert not missing, f"rules without an isolation entry: {missing}"
    assert not stale, f"entries for rules that no longer exist: {stale}"


def _expected(entry: Entry, role: Role, side: str | None):
    if entry.expect is not None:
        return entry.expect(role, side)
    if not role_allows(role, entry.register, Action.READ):
        # A register closed to the role refuses it before any lookup, on either side.
        return 403
    if side == "b":
        return 404
    return OK if role_allows(role, entry.register, entry.action) else 403


def _matches(expected, status: int) -> bool:
    if isinstance(expected, set):
        return any(_matches(one, status) for one in expected)
    if expected == OK:
        return 200 <= status < 400 or status in (400, 409, 422)
    return status == expected


@pytest.fixture
def world(session, make_user):
    world = build_world(session)
    for side in (world.a, world.b):
        user = make_user(Role.REFERENT, side.organisation)
        side.records["user"] = user
        side.records["membership"] = next(iter(_memberships(session, user)))
    return world


def _memberships(session, user):
    from sqlmodel import select

    from compliance.auth import Membership

    return session.scalars(select(Membership).where(Membership.user_id == user.id))


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_isolation_matrix(role, app, world, client, login_as, token_for, session):  # noqa: F811
    user = login_as(role, world.a.organisation)
    token = token_for(user)
    connection = app.extensions["db"].bind
    mismatches = []
    for endpoint, method, rule in _rules(app):
        if (endpoint, method) in KERNEL:
            values, expected = KERNEL[(endpoint, method)]
            cases = [(None, values, expected)]
        else:
            entry = MATRIX[(endpoint, method)]
            sides = [None] if entry.url is None else ["a", "b"]
            cases = [
                (
                    side,
                    entry.values or {} if side is None else entry.url(getattr(world, side)),
                    _expected(entry, role, side),
                )
                for side in sides
            ]
        for side, values, expected in cases:
            path = rule.build(values, append_unknown=True)[1]
            # Each request leaves nothing behind: the next one meets the same world.
            savepoint = connection.begin_nested()
            try:
                status = _request(client, method, path, token)
            finally:
                savepoint.rollback()
            if not _matches(expected, status):
                mismatches.append(f"{method} {path} ({endpoint}, {side}): {status}, not {expected}")
    assert not mismatches, f"{role.value}:\n" + "\n".join(mismatches)


def _request(client, method: str, path: str, token: str) -> int:
    if path.startswith("/api/"):
        headers = {"Authorization": f"Bearer {token}"}
        body = {} if method in ("POST", "PATCH", "PUT") else None
        response = client.raw.open(path, method=method, headers=headers, json=body)
    elif method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, data={})
    response.close()
    return response.status_code
