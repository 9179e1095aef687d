"""Factories of the roadmap: a roadmap of the syndicate, its actions, and the fixtures of the
application map and of the incident log they link to."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from compliance.schemas import validate
from registers.roadmap import compute, services
from registers.roadmap.models import Theme
from registers.roadmap.schemas import RoadmapActionFields, RoadmapCreate
from tests.registers.applications.conftest import (  # noqa: F401  (fixtures)
    host,
    make_application,
    make_deployment,
    make_vendor,
    token_for,
)
from tests.registers.incidents.conftest import make_action as make_corrective_action  # noqa: F401
from tests.registers.incidents.conftest import make_incident  # noqa: F401


def days(n: int) -> date:
    return compute.today() + timedelta(days=n)


@pytest.fixture
def make_roadmap(session, host):  # noqa: F811  (the imported fixture)
    """A roadmap of `organisation` (default: the syndicate) from a year ago to in two years."""

    def make(organisation=None, **data):
        values = {
            "organisation_id": (organisation or host).id,
            "title": "Plan de sécurisation",
            "start_on": days(-365),
            "end_on": days(730),
            "programme_name": "Parcours de cybersécurité",
            "subsidy_total": 90_000,
            "subsidy_received": 40_000,
            "cofunding_rate": 50,
            **data,
        }
        return services.create_roadmap(session, validate(RoadmapCreate, values), actor="test")

    return make


@pytest.fixture
def roadmap(make_roadmap):
    return make_roadmap()


@pytest.fixture
def make_roadmap_action(session, roadmap):
    """An action of `in_roadmap` (default: the syndicate's roadmap), under way."""

    def make(in_roadmap=None, **data):
        values = {
            "title": "Outil de centralisation des évènements (SIEM)",
            "theme": Theme.SUPERVISION,
            "start_on": days(-90),
            "target_on": days(90),
            **data,
        }
        values = validate(RoadmapActionFields, values)
        return services.create_action(session, in_roadmap or roadmap, values, actor="test")

    return make
