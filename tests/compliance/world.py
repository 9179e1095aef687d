"""Two member organisations with one record of each kind, for the isolation tests: what a
user of the first may see and write, and what of the second they may not even name."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

from compliance.admin import services as admin_services
from compliance.db import utcnow
from compliance.document_templates import store_template
from compliance.documents import default_template_path, document_types
from compliance.schemas import validate
from compliance.tenancy import Organisation, OrganisationKind
from registers.annual import services as annual_services
from registers.annual.schemas import AwarenessSessionCreate
from registers.applications import services as map_services
from registers.applications.schemas import (
    ApplicationCreate,
    DeploymentCreate,
    InterfaceCreate,
    VendorCreate,
)
from registers.audits import services as audit_services
from registers.breaches import services as breach_services
from registers.breaches.schemas import BreachCreate
from registers.dpia import measures as dpia_measures
from registers.dpia import services as dpia_services
from registers.dpia.schemas import MeasureCreate
from registers.incidents import corrective_actions
from registers.incidents import incidents as incident_services
from registers.incidents.common import today
from registers.incidents.models import ActionSource, Grade, IncidentCategory, Severity
from registers.processing import services as processing_services
from registers.processing.publish import publish_register
from registers.processing.schemas import ActivityCreate
from registers.processing.template_activities import apply_template, create_template
from registers.rights import services as rights_services
from registers.risks import services as risk_services
from registers.roadmap import compute
from registers.roadmap import services as roadmap_services
from registers.roadmap.models import Theme
from registers.roadmap.schemas import MilestoneCreate, RoadmapActionFields, RoadmapCreate
from registers.watch import services as watch_services

ACTOR = "test"
# The Word template each organisation of the world has uploaded a copy of.
TEMPLATE = "roadmap-report"


@dataclass
class Side:
    """The records of one organisation."""

    organisation: Organisation
    records: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.records[name]
        except KeyError:
            raise AttributeError(name) from None


def _side(session, organisation: Organisation, application, vendor, index: int) -> Side:
    side = Side(organisation)
    r = side.records
    r["application"], r["vendor"] = application, vendor
    r["deployment"] = map_services.create_deployment(
        session,
        validate(
            DeploymentCreate, {"organisation_id": organisation.id, "application_id": application.id}
        ),
        actor=ACTOR,
    )
    # A second application of the organisation alone, and the data flow between the two.
    second = map_services.create_application(
        session,
        validate(
            ApplicationCreate,
            {"name": f"Portail {index}", "domain": "Usagers", "functions": ["Démarches"]},
        ),
        actor=ACTOR,
    )
    map_services.create_deployment(
        session,
        validate(
            DeploymentCreate, {"organisation_id": organisation.id, "application_id": second.id}
        ),
        actor=ACTOR,
    )
    r["interface"] = map_services.create_interface(
        session,
        validate(
            InterfaceCreate,
            {"source_application_id": application.id, "target_application_id": second.id},
        ),
        actor=ACTOR,
    )
    r["incident"] = incident_services.create_incident(
        session,
        {
            "title": f"Incident {index}",
            "organisation_id": organisation.id,
            "category": IncidentCategory.MALWARE,
            "severity": Severity.MEDIUM,
            "detection_source": "internal",
            "detected_at": utcnow() - timedelta(hours=2),
            "description": "Poste infecté.",
            "application_ids": [application.id],
        },
        actor=ACTOR,
    )
    r["corrective_action"] = corrective_actions.create_action(
        session,
        {
            "organisation_id": organisation.id,
            "source": ActionSource.INCIDENT,
            "incident_id": r["incident"].id,
            "title": "Revue des habilitations",
            "nonconformity": "Comptes actifs d'agents partis.",
            "grade": Grade.MINOR,
            "action": "Revue annuelle.",
            "owner": "RSSI",
            "due_on": today() + timedelta(days=30),
        },
        actor=ACTOR,
    )
    r["activity"] = processing_services.create_processing(
        session,
        organisation,
        validate(ActivityCreate, {"name": f"Paie {index}", "application_ids": [application.id]}),
        actor=ACTOR,
    )
    r["breach"] = breach_services.create_breach(
        session,
        validate(
            BreachCreate,
            {
                "title": "Courriel au mauvais destinataire",
                "organisation_id": organisation.id,
                "awareness_at": utcnow() - timedelta(hours=1),
                "incident_id": r["incident"].id,
                "processing_ids": [r["activity"].id],
            },
        ),
        actor=ACTOR,
    )
    r["rights_request"] = rights_services.create_request(
        session,
        {
            "organisation_id": organisation.id,
            "person_name": "Mme Martin",
            "right": "access",
            "channel": "email",
            "received_on": today() - timedelta(days=3),
            "processing_ids": [r["activity"].id],
        },
        actor=ACTOR,
    )
    r["report"] = incident_services.add_external_report(
        session, r["incident"], {"kind": "cert_fr", "made_on": today()}, actor=ACTOR
    )
    r["dpia"] = dpia_services.start_dpia(session, r["activity"], actor=ACTOR)
    r["dpia_measure"] = dpia_measures.add_measure(
        session,
        r["dpia"],
        validate(MeasureCreate, {"title": "Chiffrement des sauvegardes", "state": "planned"}),
        actor=ACTOR,
    )
    r["version"] = publish_register(session, organisation, actor=ACTOR)
    document_type = document_types()[TEMPLATE]
    store_template(
        session,
        document_type,
        organisation,
        default_template_path(TEMPLATE).read_bytes(),
        actor=ACTOR,
    )
    r["roadmap"] = roadmap_services.create_roadmap(
        session,
        RoadmapCreate(
            organisation_id=organisation.id,
            title="Plan de sécurisation",
            start_on=compute.today() - timedelta(days=365),
            end_on=compute.today() + timedelta(days=730),
        ),
        actor=ACTOR,
    )
    r["roadmap_action"] = roadmap_services.create_action(
        session,
        r["roadmap"],
        RoadmapActionFields(
            title="SIEM",
            theme=Theme.SUPERVISION,
            start_on=compute.today() - timedelta(days=30),
            target_on=compute.today() + timedelta(days=90),
        ),
        actor=ACTOR,
    )
    r["milestone"] = roadmap_services.add_milestone(
        session,
        r["roadmap_action"],
        MilestoneCreate(label="Cahier des charges", due_on=compute.today() + timedelta(days=10)),
        actor=ACTOR,
    )
    # A risk on personal data, so that the DPO, like the CISO, may edit it.
    r["risk"] = risk_services.create_risk(
        session,
        {
            "organisation_id": organisation.id,
            "title": "Divulgation du fichier de paie",
            "identified_on": today(),
            "likelihood": 2,
            "impact": 3,
            "owner": "DGS",
            "treatment": "reduce",
            "application_ids": [application.id],
            "processing_ids": [r["activity"].id],
            "roadmap_action_ids": [r["roadmap_action"].id],
        },
        actor=ACTOR,
    )
    r["awareness_session"] = annual_services.create_session(
        session,
        validate(
            AwarenessSessionCreate,
            {
                "organisation_id": organisation.id,
                "held_on": compute.today(),
                "audience": "Élus",
                "topic": "Le RGPD et les élus",
                "attendees": 10,
            },
        ),
        actor=ACTOR,
    )
    # A security advisory on the side's application, confirmed: one treatment, in the side.
    r["identifier"] = watch_services.add_identifier(
        session,
        {"application_id": application.id, "cpe": f"cpe:2.3:a:editeur{index}:logiciel{index}"},
        actor=ACTOR,
    )
    r["advisory"] = watch_services.create_advisory(
        session,
        {
            "source": "cert_fr",
            "reference": f"CERTFR-2026-AVI-{index:04d}",
            "title": f"Vulnérabilité dans Logiciel {index}",
            "published_on": today() - timedelta(days=10),
            "severity": "high",
            "products": [{"vendor": f"Éditeur {index}", "product": f"Logiciel {index}"}],
        },
        actor=ACTOR,
    )
    r["advisory_match"] = r["advisory"].matches[0]
    r["treatment"] = watch_services.confirm_match(session, r["advisory_match"], actor=ACTOR)[0]
    r["audit_programme"] = audit_services.create_programme(
        session,
        {"organisation_id": organisation.id, "year": 2026, "objectives": "PSSI appliquée"},
        actor=ACTOR,
    )
    r["internal_audit"] = audit_services.create_audit(
        session,
        {
            "programme_id": r["audit_programme"].id,
            "title": "Gestion des accès",
            "scope": "Annuaire",
            "criteria": "ISO/IEC 27001 A.5.18",
            "auditor": "Auditrice interne",
            "planned_start": compute.today(),
            "planned_end": compute.today() + timedelta(days=5),
        },
        actor=ACTOR,
    )
    r["audit_finding"] = audit_services.add_finding(
        session,
        r["internal_audit"],
        {"kind": "observation", "description": "Procédure non datée."},
        actor=ACTOR,
    )
    r["management_review"] = audit_services.create_review(
        session,
        {
            "organisation_id": organisation.id,
            "period_start": compute.today() - timedelta(days=365),
            "period_end": compute.today() - timedelta(days=1),
        },
        actor=ACTOR,
    )
    return side


def build_world(session) -> SimpleNamespace:
    """The syndicate (host, with the model processing), member A and member B, each with one
    record of every kind; B's application and vendor are used by B alone."""
    host = admin_services.create_organisation(
        session,
        {"name": "SIIM94", "kind": OrganisationKind.SYNDICATE, "is_host": True},
        actor=ACTOR,
    )
    a = admin_services.create_organisation(session, {"name": "Ivry-sur-Seine"}, actor=ACTOR)
    b = admin_services.create_organisation(session, {"name": "Gentilly"}, actor=ACTOR)
    sides = []
    for index, organisation in enumerate((a, b), start=1):
        vendor = map_services.create_vendor(
            session, validate(VendorCreate, {"name": f"Éditeur {index}"}), actor=ACTOR
        )
        application = map_services.create_application(
            session,
            validate(
                ApplicationCreate,
                {
                    "name": f"Logiciel {index}",
                    "domain": "Finances",
                    "functions": ["Gestion financière"],
                    "vendor_id": vendor.id,
                },
            ),
            actor=ACTOR,
        )
        sides.append(_side(session, organisation, application, vendor, index))
    template = validate(ActivityCreate, {"name": "Gestion des élections"})
    model = create_template(session, host, template, actor=ACTOR)
    apply_template(session, model, [a], actor=ACTOR)
    for side in sides:
        # The host's model: neither member's users keep it.
        side.records["model"] = model
    session.flush()
    return SimpleNamespace(host=host, a=sides[0], b=sides[1], model=model)
