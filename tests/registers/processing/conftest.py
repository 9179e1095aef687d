"""Factories of the record of processing activities; the application map's are reused."""

from __future__ import annotations

import pytest

from registers.processing import services
from registers.processing.schemas import ActivityCreate, check
from tests.registers.applications.conftest import (  # noqa: F401
    host,
    make_application,
    make_deployment,
    make_interface,
    make_vendor,
    token_for,
)

COMPLETE = {
    "name": "Gestion de la liste électorale",
    "responsible_service": "Service des élections",
    "purposes": [
        {
            "description": "Tenir la liste électorale de la commune",
            "legal_basis": "legal_obligation",
            "legal_text": "Code électoral, art. L. 11 et suivants",
        }
    ],
    "data_categories": [
        {
            "category": "identity",
            "description": "Nom, prénoms, date et lieu de naissance, adresse",
            "active_period": "Durée de l'inscription",
            "intermediate_period": "1 an après la radiation",
            "final_fate": "destroy",
            "retention_source": "Instruction DAF/DPACI/RES/2009/018",
        }
    ],
    "subjects": [{"category": "voters", "estimated_number": 30000}],
    "recipients": [{"recipient_type": "institutional_partner", "name": "INSEE (REU)"}],
    "security_measures": [{"family": "access_control", "details": "Comptes nominatifs"}],
    "dpia_screening_notes": "Aucun critère du CEPD : données d'identité des électeurs.",
}


@pytest.fixture
def make_activity(session):
    """An activity of an organisation: complete by default, `**data` overrides."""

    def make(organisation, *, actor="test", **data):
        return services.create_processing(
            session, organisation, check(ActivityCreate, {**COMPLETE, **data}), actor=actor
        )

    return make
