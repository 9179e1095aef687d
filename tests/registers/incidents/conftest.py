"""Factories of the incident log: incidents, timeline entries, corrective actions, and a small
world (the syndicate, two cities, shared applications) to check who sees what."""

from __future__ import annotations

from datetime import timedelta

import pytest

from compliance.db import utcnow
from registers.incidents import corrective_actions
from registers.incidents import incidents as services
from registers.incidents.common import today
from registers.incidents.models import ActionSource, Grade, IncidentCategory, Severity
from tests.registers.applications import conftest as map_fixtures

# The application map's factories, shared rather than copied.
host = map_fixtures.host
make_application = map_fixtures.make_application
make_deployment = map_fixtures.make_deployment
token_for = map_fixtures.token_for

SECRET = "Mme Dupont, agente d'accueil, a ouvert la pièce jointe piégée"


@pytest.fixture
def make_incident(session, host):
    """An incident reported by `organisation` (default: the syndicate), detected an hour ago."""

    def make(organisation=None, **data):
        detected = utcnow() - timedelta(hours=1)
        values = {
            "title": "Poste infecté par un logiciel malveillant",
            "organisation_id": (organisation or host).id,
            "category": IncidentCategory.MALWARE,
            "severity": Severity.MEDIUM,
            "detection_source": "internal",
            "detected_at": detected,
            "description": SECRET,
            **data,
        }
        return services.create_incident(session, values, actor="test")

    return make


@pytest.fixture
def make_action(session, host):
    """A corrective action of `organisation` (default: the syndicate), due in a month."""

    def make(organisation=None, **data):
        values = {
            "organisation_id": (organisation or host).id,
            "source": ActionSource.INTERNAL_AUDIT,
            "title": "Revue des habilitations",
            "nonconformity": "Comptes d'agents partis encore actifs.",
            "grade": Grade.MINOR,
            "root_causes": "Les départs ne sont pas transmis par les ressources humaines.",
            "action": "Revue annuelle des habilitations.",
            "owner": "RSSI",
            "due_on": today() + timedelta(days=30),
            **data,
        }
        return corrective_actions.create_action(session, values, actor="test")

    return make


@pytest.fixture
def world(session, host, organisation, other_organisation, make_application, make_deployment):
    """Ivry uses Sedit.GF, Gentilly uses Adagio; the syndicate reports the incidents."""
    gf = make_application("Sedit.GF")
    adagio = make_application("Adagio", domain="Elections")
    make_deployment(organisation, gf)
    make_deployment(other_organisation, adagio)
    session.flush()
    return {"gf": gf, "adagio": adagio}
