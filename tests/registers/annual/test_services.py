"""Sessions and recommendations are written through their services: checked, audited, locked
by version, kept in their organisation; an archived session is kept."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from compliance.audit import AuditEntry
from compliance.db import ConflictError
from compliance.schemas import validate
from compliance.services import FieldErrors
from registers.annual import services
from registers.annual.schemas import (
    AwarenessSessionCreate,
    AwarenessSessionUpdate,
    RecommendationWrite,
)
from tests.registers.annual.conftest import YEAR


def _entries(session, record):
    return list(
        session.scalars(
            select(AuditEntry).where(
                AuditEntry.object_type == type(record).__name__,
                AuditEntry.object_id == str(record.id),
            )
        )
    )


def test_a_session_is_created_audited_and_edited_under_its_version(
    session, organisation, make_session
):
    record = make_session(organisation, attendees=20)
    session.flush()
    assert record.id and record.attendees == 20
    changes = validate(AwarenessSessionUpdate, {"attendees": "25", "duration_minutes": "90"})
    services.update_session(session, record, changes, actor="test", version=record.version)
    session.flush()
    assert (record.attendees, record.duration_minutes, record.version) == (25, 90, 2)
    assert [e.action for e in _entries(session, record)] == ["create", "update"]
    with pytest.raises(ConflictError):
        services.update_session(session, record, changes, actor="test", version=1)


def test_bad_values_are_refused_in_french(organisation):
    with pytest.raises(FieldErrors) as error:
        validate(
            AwarenessSessionCreate,
            {
                "organisation_id": organisation.id,
                "held_on": "32/13/2025",
                "audience": "",
                "topic": "RGPD",
                "attendees": "-3",
            },
        )
    assert {"held_on", "audience", "attendees"} <= set(error.value.errors)
    assert "obligatoire" in error.value.errors["audience"]


def test_a_session_never_changes_organisation(
    session, organisation, other_organisation, make_session
):
    record = make_session(organisation)
    session.flush()
    assert "organisation_id" not in AwarenessSessionUpdate.model_fields
    record.organisation_id = other_organisation.id  # whatever path would try it
    with pytest.raises(FieldErrors):
        session.flush()


def test_archiving_keeps_the_session(session, organisation, make_session):
    record = make_session(organisation)
    session.flush()
    services.set_session_archived(session, record, True, actor="test", version=record.version)
    session.flush()
    assert record.is_archived and session.get(type(record), record.id) is not None
    services.set_session_archived(session, record, False, actor="test")
    assert not record.is_archived
    assert [e.action for e in _entries(session, record)] == ["create", "archive", "restore"]


def test_a_recommendation_is_one_per_organisation_and_year(session, organisation, host):
    text = validate(RecommendationWrite, {"text": "Mener l'AIPD de la vidéoprotection."})
    first = services.save_recommendation(
        session, organisation, YEAR, text, actor="test", version=services.NEW
    )
    session.flush()
    again = validate(RecommendationWrite, {"text": "Former les référents."})
    second = services.save_recommendation(
        session, organisation, YEAR, again, actor="test", version=first.version
    )
    session.flush()
    assert second.id == first.id and second.text == "Former les référents."
    # The whole service's recommendation of the same year is another record, in the host.
    service = services.save_recommendation(
        session, host, YEAR, text, service_wide=True, actor="test"
    )
    session.flush()
    assert service.id != first.id
    assert services.find_recommendation(session, host.id, YEAR) is None
    assert [e.action for e in _entries(session, first)] == ["create", "update"]


def test_a_recommendation_written_meanwhile_is_a_conflict(session, organisation):
    text = validate(RecommendationWrite, {"text": "Première version."})
    record = services.save_recommendation(session, organisation, YEAR, text, actor="test")
    session.flush()
    with pytest.raises(ConflictError):
        # The writer's page showed no recommendation yet.
        services.save_recommendation(
            session, organisation, YEAR, text, actor="test", version=services.NEW
        )
    with pytest.raises(ConflictError):
        services.save_recommendation(
            session, organisation, YEAR, text, actor="test", version=record.version + 1
        )


def test_a_session_for_an_organisation_the_user_does_not_see_is_refused(
    session, organisation, other_organisation, make_user
):
    user = make_user("referent", organisation)
    values = validate(
        AwarenessSessionCreate,
        {
            "organisation_id": other_organisation.id,
            "held_on": date(YEAR, 3, 1),
            "audience": "Agents",
            "topic": "RGPD",
            "attendees": 3,
        },
    )
    with pytest.raises(FieldErrors) as error:
        services.create_session(session, values, actor=user)
    assert "organisation_id" in error.value.errors
