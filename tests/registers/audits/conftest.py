"""Factories of the audits register: a programme of the syndicate, an audit, a review."""

from __future__ import annotations

from datetime import date

import pytest

from registers.audits import services
from tests.registers.applications import conftest as map_fixtures
from tests.registers.incidents import conftest as incident_fixtures

host = map_fixtures.host
token_for = map_fixtures.token_for
make_incident = incident_fixtures.make_incident
make_action = incident_fixtures.make_action


@pytest.fixture
def make_programme(session, host):
    def make(organisation=None, year=2026, **data):
        values = {
            "organisation_id": (organisation or host).id,
            "year": year,
            "objectives": "Vérifier l'application de la PSSI chez les membres.",
            **data,
        }
        return services.create_programme(session, values, actor="test")

    return make


@pytest.fixture
def make_audit(session, make_programme):
    def make(programme=None, **data):
        programme = programme or make_programme()
        values = {
            "programme_id": programme.id,
            "title": "Gestion des accès",
            "scope": "Annuaire et applications métier",
            "criteria": "ISO/IEC 27001:2022 A.5.15 à A.5.18 ; guide d'hygiène ANSSI",
            "auditor": "Claire Auditrice",
            "independence": "N'administre aucun des systèmes audités.",
            "planned_start": date(2026, 3, 2),
            "planned_end": date(2026, 3, 6),
            **data,
        }
        return services.create_audit(session, values, actor="test")

    return make


PLAN = {
    "action": "Revue trimestrielle des comptes avec les RH.",
    "owner": "RSSI",
    "due_on": date(2026, 6, 30),
}
NONCONFORMITY = {
    "kind": "minor",
    "clause": "A.5.18",
    "description": "Trois comptes d'agents partis sont encore actifs.",
    "evidence": "Extraction de l'annuaire du 4 mars 2026.",
    **PLAN,
}


@pytest.fixture
def make_review(session, host):
    def make(organisation=None, **data):
        values = {
            "organisation_id": (organisation or host).id,
            "period_start": date(2025, 1, 1),
            "period_end": date(2025, 12, 31),
            **data,
        }
        return services.create_review(session, values, actor="test")

    return make


# The registers the review reads.
from tests.registers.breaches.conftest import make_breach  # noqa: E402, F401
from tests.registers.roadmap.conftest import (  # noqa: E402, F401
    make_roadmap,
    make_roadmap_action,
    roadmap,
)
