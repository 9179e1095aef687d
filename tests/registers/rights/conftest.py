"""Factories of the rights requests register: a request received by a member organisation, and
the activities and applications it may point at."""

from __future__ import annotations

from datetime import date

import pytest

from registers.rights import services
from tests.registers.applications import conftest as map_fixtures
from tests.registers.processing import conftest as processing_fixtures

# The fixtures of the registers this one points at.
host = map_fixtures.host
make_application = map_fixtures.make_application
make_deployment = map_fixtures.make_deployment
token_for = map_fixtures.token_for
make_activity = processing_fixtures.make_activity

PERSON = "Mme Claire Martin, 12 rue des Lilas"


@pytest.fixture
def make_request(session):
    """An access request received by `organisation` on Monday 16 March 2026 (due on Thursday
    16 April)."""

    def make(organisation, **data):
        values = {
            "organisation_id": organisation.id,
            "person_name": PERSON,
            "person_contact": "claire.martin@example.invalid",
            "right": "access",
            "channel": "email",
            "received_on": date(2026, 3, 16),
            **data,
        }
        return services.create_request(session, values, actor="test")

    return make
