"""The incident lifecycle (ISO/IEC 27035): references, checked transitions, each one
timestamped and written to the timeline, and a timeline that refuses the future."""

from __future__ import annotations

from datetime import timedelta

import pytest

from compliance.audit import AuditEntry
from compliance.db import utcnow
from registers.incidents import incidents as services
from registers.incidents.common import FieldErrors
from registers.incidents.models import Classification, EntryKind, IncidentStatus, Severity

S = IncidentStatus


def _kinds(incident):
    return [entry.kind for entry in incident.entries]


def _to(session, incident, target, **values):
    return services.transition_incident(session, incident, target, actor="test", **values)


def test_references_count_per_year(make_incident):
    first, second = make_incident(), make_incident()
    year = first.reported_at.year
    assert first.reference == f"INC-{year}-001"
    assert second.reference == f"INC-{year}-002"
    assert first.status == S.REPORTED


def test_reference_year_is_the_year_of_the_report(make_incident):
    reported = utcnow().replace(year=2023, month=1, day=21)
    incident = make_incident(detected_at=reported - timedelta(hours=1), reported_at=reported)
    assert incident.reference == "INC-2023-001"


def test_creation_writes_its_entry(make_incident):
    incident = make_incident(severity=Severity.HIGH)
    assert _kinds(incident) == [EntryKind.STATUS_CHANGE]
    assert "2 · Élevée" in incident.entries[0].text
    assert incident.entries[0].at == incident.reported_at


def test_full_lifecycle_timestamps_each_phase(session, make_incident):
    incident = make_incident(severity=Severity.HIGH)
    _to(session, incident, S.ASSESSED, classification=Classification.INCIDENT)
    _to(session, incident, S.RESPONDING, comment="Poste isolé du réseau.")
    _to(session, incident, S.LESSONS_LEARNT)
    _to(session, incident, S.CLOSED, lessons_learnt="Mettre à jour l'antivirus plus tôt.")
    assert incident.status == S.CLOSED
    for column in ("assessed_at", "response_started_at", "lessons_learnt_at", "closed_at"):
        assert getattr(incident, column) is not None, column
    assert incident.resolved_at == incident.lessons_learnt_at
    assert _kinds(incident) == [EntryKind.STATUS_CHANGE] * 5
    assert "Réponse en cours → Retour d'expérience" in incident.entries[3].text
    assert "Poste isolé du réseau." in incident.entries[2].text


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ((), S.RESPONDING),
        ((), S.CLOSED),
        ((), S.LESSONS_LEARNT),
        ((S.ASSESSED,), S.LESSONS_LEARNT),
        ((S.ASSESSED, S.RESPONDING), S.CLOSED),
        ((S.ASSESSED, S.RESPONDING), S.ASSESSED),
    ],
)
def test_refused_transitions_change_nothing(session, make_incident, path, target):
    incident = make_incident()
    for step in path:
        _to(session, incident, step, classification=Classification.INCIDENT)
    before = (incident.status, len(incident.entries))
    with pytest.raises(FieldErrors) as error:
        _to(session, incident, target)
    assert "status" in error.value.errors
    assert (incident.status, len(incident.entries)) == before


def test_assessment_needs_a_decision(session, make_incident):
    incident = make_incident()
    with pytest.raises(FieldErrors) as error:
        _to(session, incident, S.ASSESSED)
    assert "classification" in error.value.errors


def test_an_event_is_closed_at_once_but_an_incident_is_not(session, make_incident):
    event = make_incident()
    _to(session, event, S.ASSESSED, classification=Classification.EVENT)
    with pytest.raises(FieldErrors):
        _to(session, event, S.RESPONDING)
    _to(session, event, S.CLOSED)
    assert event.status == S.CLOSED
    incident = make_incident()
    _to(session, incident, S.ASSESSED, classification=Classification.INCIDENT)
    with pytest.raises(FieldErrors):
        _to(session, incident, S.CLOSED)


@pytest.mark.parametrize("severity", [Severity.CRITICAL, Severity.HIGH])
def test_no_closing_without_lessons_for_severity_1_and_2(session, make_incident, severity):
    incident = make_incident(severity=severity)
    _to(session, incident, S.ASSESSED, classification=Classification.INCIDENT)
    _to(session, incident, S.RESPONDING)
    _to(session, incident, S.LESSONS_LEARNT)
    with pytest.raises(FieldErrors) as error:
        _to(session, incident, S.CLOSED)
    assert "lessons_learnt" in error.value.errors
    assert "gravité 1 ou 2" in error.value.errors["lessons_learnt"]
    _to(session, incident, S.CLOSED, lessons_learnt="Sauvegardes à isoler.")
    assert incident.status == S.CLOSED


def test_a_low_severity_incident_closes_without_lessons(session, make_incident):
    incident = make_incident(severity=Severity.LOW)
    for target in (S.ASSESSED, S.RESPONDING, S.LESSONS_LEARNT, S.CLOSED):
        _to(session, incident, target, classification=Classification.INCIDENT)
    assert incident.status == S.CLOSED


def test_reopening_needs_a_reason_and_clears_the_closing(session, make_incident):
    incident = make_incident(severity=Severity.LOW)
    for target in (S.ASSESSED, S.RESPONDING, S.LESSONS_LEARNT, S.CLOSED):
        _to(session, incident, target, classification=Classification.INCIDENT)
    with pytest.raises(FieldErrors) as error:
        _to(session, incident, S.RESPONDING)
    assert "comment" in error.value.errors
    _to(session, incident, S.RESPONDING, comment="Nouvelle infection du même poste.")
    assert incident.status == S.RESPONDING
    assert incident.closed_at is None


def test_severity_changes_write_their_entry(session, make_incident):
    incident = make_incident(severity=Severity.MEDIUM)
    _to(
        session,
        incident,
        S.ASSESSED,
        classification=Classification.INCIDENT,
        severity=Severity.CRITICAL,
    )
    assert _kinds(incident)[-2:] == [EntryKind.STATUS_CHANGE, EntryKind.SEVERITY_CHANGE]
    assert "3 · Modérée → 1 · Critique" in incident.entries[-1].text
    services.update_incident(session, incident, {"severity": Severity.HIGH}, actor="test")
    assert incident.entries[-1].kind == EntryKind.SEVERITY_CHANGE
    assert "1 · Critique → 2 · Élevée" in incident.entries[-1].text
    # An edit that leaves the severity alone writes nothing in the timeline.
    count = len(incident.entries)
    services.update_incident(session, incident, {"title": "Autre intitulé"}, actor="test")
    assert len(incident.entries) == count


def test_a_transition_may_be_dated_in_the_past_but_not_the_future(session, make_incident):
    incident = make_incident(reported_at=utcnow() - timedelta(minutes=30))
    with pytest.raises(FieldErrors) as error:
        _to(
            session,
            incident,
            S.ASSESSED,
            classification=Classification.EVENT,
            at=incident.reported_at - timedelta(minutes=1),
        )
    assert "précède le signalement" in error.value.errors["at"]
    with pytest.raises(FieldErrors) as error:
        _to(
            session,
            incident,
            S.ASSESSED,
            classification=Classification.EVENT,
            at=utcnow() + timedelta(hours=1),
        )
    assert "at" in error.value.errors
    moment = utcnow() - timedelta(minutes=5)
    _to(session, incident, S.ASSESSED, classification=Classification.EVENT, at=moment)
    assert incident.assessed_at == moment
    assert incident.entries[-1].at == moment


def test_timeline_entry_in_the_future_is_refused_with_a_clear_message(session, make_incident):
    incident = make_incident()
    count = len(incident.entries)
    with pytest.raises(FieldErrors) as error:
        services.add_timeline_entry(
            session,
            incident,
            {"kind": "action", "text": "Poste réinstallé", "at": utcnow() + timedelta(hours=2)},
            actor="test",
        )
    assert "ne peut pas être datée dans le futur" in error.value.errors["at"]
    assert len(incident.entries) == count


def test_timeline_entries_are_ordered_by_time(session, make_incident):
    incident = make_incident()
    earlier = incident.detected_at - timedelta(minutes=30)
    services.add_timeline_entry(
        session, incident, {"kind": "detection", "text": "Alerte EDR", "at": earlier}, actor="test"
    )
    session.expire(incident, ["entries"])
    assert incident.entries[0].text == "Alerte EDR"
    assert incident.entries[0].author_label == "test"


def test_people_cannot_write_automatic_entries(session, make_incident):
    incident = make_incident()
    with pytest.raises(FieldErrors) as error:
        services.add_timeline_entry(
            session, incident, {"kind": "status_change", "text": "Clos"}, actor="test"
        )
    assert "kind" in error.value.errors


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"occurred_at": "+2h"}, "occurred_at"),
        ({"detected_at": "+1h"}, "detected_at"),
        ({"contained_at": "-5h"}, "contained_at"),
        ({"title": ""}, "title"),
        ({"category": "volcano"}, "category"),
    ],
)
def test_bad_values_are_refused_field_by_field(session, make_incident, changes, field):
    incident = make_incident()
    shifts = {"+2h": timedelta(hours=2), "+1h": timedelta(hours=1), "-5h": timedelta(hours=-5)}
    data = {
        key: (utcnow() + shifts[value]) if value in shifts else value
        for key, value in changes.items()
    }
    with pytest.raises(FieldErrors) as error:
        services.update_incident(session, incident, data, actor="test")
    assert field in error.value.errors


def test_every_change_is_audited_without_the_secret(session, make_incident):
    incident = make_incident()
    _to(session, incident, S.ASSESSED, classification=Classification.EVENT)
    entries = session.query(AuditEntry).filter(AuditEntry.object_id == str(incident.id)).all()
    actions = {(e.object_type, e.action) for e in entries}
    assert ("Incident", "create") in actions
    assert ("Incident", "transition") in actions
    created = next(e for e in entries if e.action == "create" and e.object_type == "Incident")
    assert created.changes["description"]["after"] == "[chiffré]"


def test_no_closing_without_lessons_when_personal_data_were_touched(session, make_incident):
    """Whatever its severity, an incident that touched personal data keeps what was learnt."""
    incident = make_incident(severity=Severity.LOW, personal_data=True)
    for target in (S.ASSESSED, S.RESPONDING, S.LESSONS_LEARNT):
        _to(session, incident, target, classification=Classification.INCIDENT)
    with pytest.raises(FieldErrors) as error:
        _to(session, incident, S.CLOSED)
    assert "données personnelles" in error.value.errors["lessons_learnt"]
    _to(session, incident, S.CLOSED, lessons_learnt="Chiffrer les portables avant remise.")
    assert incident.status == S.CLOSED
