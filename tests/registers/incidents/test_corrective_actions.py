"""Corrective actions (ISO/IEC 27001 §10.2): references, the lifecycle, the effectiveness check
required before "verified effective", and what is overdue."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest

from registers.incidents import corrective_actions as ca
from registers.incidents import queries
from registers.incidents.common import FieldErrors, today
from registers.incidents.models import ActionSource, ActionStatus, EntryKind

A = ActionStatus
CHECK = {
    "check_on": today(),
    "check_method": "Test de restauration complet.",
    "check_result": "Restauration réussie en 4 heures.",
}


def _to(session, action, target, **data):
    return ca.transition_action(session, action, target, data, actor="test")


def test_reference_and_default_opening_day(make_action):
    action = make_action()
    assert action.reference == f"CA-{today().year}-001"
    assert action.opened_on == today()
    assert action.status == A.OPEN


def test_reference_year_is_the_year_it_was_opened(make_action):
    assert make_action(opened_on=date(2022, 11, 15)).reference == "CA-2022-001"
    assert make_action(opened_on=date(2022, 12, 1)).reference == "CA-2022-002"


def test_an_action_can_exist_without_an_incident(make_action):
    action = make_action(source=ActionSource.MANAGEMENT_REVIEW)
    assert action.incident is None


def test_an_incident_source_must_name_its_incident(make_action):
    with pytest.raises(FieldErrors) as error:
        make_action(source=ActionSource.INCIDENT)
    assert "incident_id" in error.value.errors


def test_an_action_raised_by_an_incident_takes_its_organisation_and_notes_it(
    session, make_incident, make_action, organisation
):
    incident = make_incident(organisation)
    action = make_action(
        organisation=None,
        organisation_id=None,
        source=ActionSource.INCIDENT,
        incident_id=incident.id,
    )
    assert action.organisation_id == organisation.id
    note = incident.entries[-1]
    assert note.kind == EntryKind.DECISION
    assert action.reference in note.text


def test_the_whole_lifecycle(session, make_action):
    action = make_action()
    _to(session, action, A.IN_PROGRESS)
    _to(session, action, A.IMPLEMENTED)
    assert action.implemented_on == today()
    _to(session, action, A.VERIFIED_EFFECTIVE, evidence_reference="PV-2026-04", **CHECK)
    assert action.check_result == CHECK["check_result"]
    _to(session, action, A.CLOSED)
    assert action.status == A.CLOSED
    assert action.closed_at is not None


def test_effectiveness_check_is_required_before_verified(session, make_action):
    action = make_action()
    _to(session, action, A.IMPLEMENTED)
    with pytest.raises(FieldErrors) as error:
        _to(session, action, A.VERIFIED_EFFECTIVE)
    assert set(error.value.errors) == {
        "check_on",
        "check_method",
        "check_result",
        "evidence_reference",
    }
    with pytest.raises(FieldErrors) as error:
        _to(session, action, A.VERIFIED_EFFECTIVE, **CHECK)
    assert set(error.value.errors) == {"evidence_reference"}
    assert action.status == A.IMPLEMENTED


def test_the_check_cannot_precede_the_implementation_nor_be_future(session, make_action):
    action = make_action()
    _to(session, action, A.IMPLEMENTED)
    for day in (today() - timedelta(days=3), today() + timedelta(days=1)):
        with pytest.raises(FieldErrors) as error:
            _to(session, action, A.NOT_EFFECTIVE, **{**CHECK, "check_on": day})
        assert "check_on" in error.value.errors


def test_an_ineffective_action_is_taken_up_again(session, make_action):
    action = make_action()
    _to(session, action, A.IMPLEMENTED)
    _to(session, action, A.NOT_EFFECTIVE, **CHECK)
    with pytest.raises(FieldErrors):
        _to(session, action, A.CLOSED)
    new_due = today() + timedelta(days=60)
    _to(session, action, A.IN_PROGRESS, due_on=new_due)
    assert action.status == A.IN_PROGRESS
    assert action.due_on == new_due


@pytest.mark.parametrize(
    ("path", "target"),
    [((), A.VERIFIED_EFFECTIVE), ((), A.CLOSED), ((A.IN_PROGRESS,), A.OPEN)],
)
def test_refused_transitions(session, make_action, path, target):
    action = make_action()
    for step in path:
        _to(session, action, step)
    with pytest.raises(FieldErrors) as error:
        _to(session, action, target)
    assert "status" in error.value.errors


def test_overdue_computation(session, make_action, host):
    late = make_action(title="En retard", due_on=today() - timedelta(days=1))
    due_today = make_action(title="Due aujourd'hui", due_on=today())
    make_action(title="À venir", due_on=today() + timedelta(days=1))
    done_late = make_action(title="Réalisée en retard", due_on=today() - timedelta(days=10))
    _to(session, done_late, A.IMPLEMENTED)
    assert late.is_overdue(today())
    assert not due_today.is_overdue(today())
    assert not done_late.is_overdue(today())
    assert done_late.awaits_check
    filters = queries.ActionFilters(overdue=True)
    found = session.scalars(queries.visible_actions(filters=filters, everything=True))
    assert [a.title for a in found] == ["En retard"]
    awaiting = queries.ActionFilters(status=A.IMPLEMENTED)
    found = session.scalars(queries.visible_actions(filters=awaiting, everything=True))
    assert [a.title for a in found] == ["Réalisée en retard"]


def test_overdue_uses_the_day_in_paris(session, make_action):
    action = make_action(due_on=date(2026, 3, 29))
    # 23:30 UTC on 29 March is already 30 March in Paris (summer time began at 2:00).
    with mock.patch("registers.incidents.queries.today", return_value=date(2026, 3, 30)):
        filters = queries.ActionFilters(overdue=True)
        assert session.scalars(queries.visible_actions(filters=filters, everything=True)).all()
    assert action.is_overdue(date(2026, 3, 30))
    assert not action.is_overdue(date(2026, 3, 29))


def test_the_reference_year_cannot_move(session, make_action):
    action = make_action(opened_on=date(2025, 5, 1))
    with pytest.raises(FieldErrors) as error:
        ca.update_action(session, action, {"opened_on": date(2024, 5, 1)}, actor="test")
    assert "opened_on" in error.value.errors


def test_no_implementation_before_the_causes_are_determined(session, make_action):
    """ISO/IEC 27001, 10.2 b): the causes of a nonconformity are determined before the action
    that removes them is carried out."""
    action = make_action(root_causes=None)
    with pytest.raises(FieldErrors) as error:
        _to(session, action, A.IMPLEMENTED)
    assert "10.2" in error.value.errors["root_causes"]
    assert action.status == A.OPEN
    action.root_causes = "Départs jamais transmis par les ressources humaines."
    _to(session, action, A.IMPLEMENTED)
    assert action.status == A.IMPLEMENTED
