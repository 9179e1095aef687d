"""Factories of the risk register: a risk of an organisation, and the fixtures of the registers
it links to (the map, the record of processing activities, the roadmap, the DPIAs)."""

from __future__ import annotations

from datetime import date

import pytest

from registers.risks import services
from tests.registers.dpia.conftest import make_dpia  # noqa: F401  (fixtures)
from tests.registers.processing.conftest import (  # noqa: F401
    host,
    make_activity,
    make_application,
    make_deployment,
    make_interface,
    make_vendor,
    token_for,
)
from tests.registers.roadmap.conftest import (  # noqa: F401
    make_roadmap,
    make_roadmap_action,
    roadmap,
)

SCENARIO = "Un rançongiciel chiffre les serveurs de fichiers après l'hameçonnage d'un agent."


def risk_values(organisation, **data) -> dict:
    return {
        "organisation_id": organisation.id,
        "title": "Chiffrement des serveurs par un rançongiciel",
        "identified_on": date(2026, 3, 2),
        "threat_scenario": SCENARIO,
        "likelihood": 3,
        "impact": 4,
        "owner": "Directeur des systèmes d'information",
        "treatment": "reduce",
        **data,
    }


@pytest.fixture
def make_risk(session):
    """A risk of `organisation` (likelihood V3, impact G4 critique: critical), to reduce."""

    def make(organisation, *, actor="test", **data):
        return services.create_risk(session, risk_values(organisation, **data), actor=actor)

    return make
