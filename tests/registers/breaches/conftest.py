"""Factories of the breach register: incidents on shared applications, processing activities
relying on them, breaches; and a small world where one application is deployed at three
members, two of which have processing activities on it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from compliance.db import utcnow
from compliance.schemas import validate
from registers.breaches import services
from registers.breaches.schemas import BreachCreate
from registers.incidents import incidents as incident_services
from registers.incidents.models import ImpactLevel, IncidentCategory, Severity
from tests.registers.applications import conftest as map_fixtures
from tests.registers.processing import conftest as processing_fixtures

# The fixtures of the registers this one builds on.
host = map_fixtures.host
make_application = map_fixtures.make_application
make_deployment = map_fixtures.make_deployment
token_for = map_fixtures.token_for
make_activity = processing_fixtures.make_activity

SECRET = "Mme Dupont, gestionnaire de paie, a ouvert la pièce jointe piégée"


@pytest.fixture
def make_incident(session, host):
    """A ransomware incident reported by the syndicate, detected two hours ago."""

    def make(applications=(), **data):
        detected = utcnow() - timedelta(hours=2)
        values = {
            "title": "Rançongiciel sur l'infrastructure mutualisée",
            "organisation_id": host.id,
            "category": IncidentCategory.MALWARE,
            "severity": Severity.CRITICAL,
            "detection_source": "internal",
            "occurred_at": detected - timedelta(hours=5),
            "detected_at": detected,
            "contained_at": detected + timedelta(hours=1),
            "impact_confidentiality": ImpactLevel.LIMITED,
            "impact_availability": ImpactLevel.SEVERE,
            "personal_data": True,
            "description": SECRET,
            "application_ids": [a.id for a in applications],
            **data,
        }
        return incident_services.create_incident(session, values, actor="test")

    return make


# What a notification to the CNIL must give (Art. 33(3)), beyond the nature and description.
ART33_CONTENT = {
    "subject_categories": ["residents"],
    "people_count": 120,
    "data_categories": ["identity"],
    "records_count": 120,
    "contact": "Délégué à la protection des données · dpd@example.invalid",
    "consequences": "Les familles pourraient recevoir des sollicitations non désirées.",
    "measures_taken": "Le destinataire a été prié de supprimer le courriel.",
}


@pytest.fixture
def make_breach(session):
    """A breach of `organisation`, its controller aware an hour ago, with the content a
    notification gives the CNIL (Art. 33(3))."""

    def make(organisation, **data):
        values = {
            "title": "Courriel envoyé au mauvais destinataire",
            "organisation_id": organisation.id,
            "awareness_at": utcnow() - timedelta(hours=1),
            "confidentiality": True,
            "description": "Liste des familles envoyée à un parent d'élève",
            **ART33_CONTENT,
            **data,
        }
        return services.create_breach(session, validate(BreachCreate, values), actor="test")

    return make


@pytest.fixture
def third_organisation(make_organisation):
    return make_organisation("Villejuif")


@pytest.fixture
def shared(
    session,
    host,
    organisation,
    other_organisation,
    third_organisation,
    make_application,
    make_deployment,
    make_activity,
):
    """The payroll software deployed at Ivry, Gentilly and Villejuif; Ivry and Gentilly have
    processing activities on it, Villejuif has none (it only tests it)."""
    payroll = make_application("SEDIT WEB2", domain="Ressources humaines")
    other = make_application("Adagio", domain="Élections")
    for member in (organisation, other_organisation, third_organisation):
        make_deployment(member, payroll)
    make_deployment(organisation, other)
    ivry_payroll = make_activity(
        organisation,
        reference="RH-01",
        name="Paie des agents",
        application_ids=[payroll.id],
        nir_used=True,
        nir_legal_text="Décret n° 2019-341",
        data_categories=[
            {"category": "identity", "description": "Nom, prénoms"},
            {"category": "economic_financial", "description": "RIB, salaire"},
        ],
        subjects=[{"category": "staff", "estimated_number": 3350}],
    )
    ivry_medical = make_activity(
        organisation,
        reference="RH-02",
        name="Médecine préventive",
        application_ids=[payroll.id],
        special_categories=[{"category": "health", "condition": "h"}],
        subjects=[{"category": "staff", "estimated_number": 3000}],
    )
    ivry_elections = make_activity(organisation, reference="EL-01", application_ids=[other.id])
    gentilly_payroll = make_activity(
        other_organisation,
        reference="RH-01",
        name="Paie des agents",
        application_ids=[payroll.id],
        subjects=[{"category": "staff", "estimated_number": 820}],
    )
    session.flush()
    return {
        "payroll": payroll,
        "other": other,
        "ivry_payroll": ivry_payroll,
        "ivry_medical": ivry_medical,
        "ivry_elections": ivry_elections,
        "gentilly_payroll": gentilly_payroll,
    }
