"""Factories of the annual report: awareness sessions, and records of the registers it counts
(activities, breaches and their notifications, rights requests), dated in a chosen year."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from compliance.i18n import PARIS
from compliance.schemas import validate
from registers.annual import services
from registers.annual.schemas import AwarenessSessionCreate
from registers.breaches import services as breach_services
from registers.breaches.schemas import NotificationCreate
from registers.rights.models import RightsRequest
from tests.registers.applications.conftest import host, token_for  # noqa: F401
from tests.registers.breaches.conftest import make_breach  # noqa: F401
from tests.registers.processing.conftest import make_activity  # noqa: F401

# A past year, whose every day is behind the clock.
YEAR = 2025


def paris(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


@pytest.fixture
def make_session(session):
    """An awareness session of `organisation`, held in YEAR by default."""

    def make(organisation, **data):
        values = {
            "organisation_id": organisation.id,
            "held_on": date(YEAR, 6, 12),
            "audience": "Élus",
            "topic": "Le RGPD et les élus",
            "attendees": 12,
            **data,
        }
        return services.create_session(
            session, validate(AwarenessSessionCreate, values), actor="test"
        )

    return make


@pytest.fixture
def notify(session):
    """Record the breach's first (complete) notification `hours` after its H0."""

    def record(breach, hours: float):
        values = {
            "kind": "complete",
            "sent_at": breach.awareness_at + timedelta(hours=hours),
            "reference": "CNIL-1",
        }
        if hours > 72:
            values["delay_reasons"] = "Les faits ont été établis après trois jours d'enquête."
        return breach_services.record_notification(
            session, breach, validate(NotificationCreate, values), actor="test"
        )

    return record


@pytest.fixture
def make_request(session):
    """A rights request of `organisation` received on `received_on` (a plain row: the report
    reads only what the rights register counts)."""
    counter = iter(range(1, 10_000))

    def make(organisation, received_on: date, right: str = "access", **data):
        number = next(counter)
        record = RightsRequest(
            organisation_id=organisation.id,
            person_name="Camille Martin",
            right=right,
            channel="email",
            received_on=received_on,
            due_on=received_on + timedelta(days=30),
            reference=f"DR-{received_on.year}-{number:04d}",
            reference_year=received_on.year,
            reference_number=number,
            **data,
        )
        session.add(record)
        session.flush()
        return record

    return make
