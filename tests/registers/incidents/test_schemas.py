"""The incident log's entity schemas: what a write accepts and refuses, with the kernel's
messages, whichever door the value comes in by (a form, the API, the services)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from compliance.db import utcnow
from compliance.i18n import PARIS
from compliance.permissions import Role
from compliance.schemas import FieldErrors, FilterError, validate
from registers.incidents.models import CorrectiveAction, Incident
from registers.incidents.schemas import (
    ActionFilters,
    CorrectiveActionCreate,
    CorrectiveActionUpdate,
    IncidentCreate,
    IncidentFilters,
    IncidentStatus,
    IncidentUpdate,
    Severity,
    TimelineEntryCreate,
)


def _errors(schema, data) -> dict:
    with pytest.raises(FieldErrors) as caught:
        validate(schema, data)
    return caught.value.errors


def _incident(**data) -> dict:
    return {
        "title": "Poste infecté",
        "organisation_id": 1,
        "category": "malware",
        "severity": "3",
        "detection_source": "internal",
        "detected_at": "2026-01-05T10:00",
        "description": "Un poste chiffre ses fichiers.",
        **data,
    }


def test_an_incident_is_checked_field_by_field(app):
    with app.test_request_context():
        incident = validate(IncidentCreate, _incident(application_ids=["3", 2, 3]))
        assert incident.severity == Severity.MEDIUM
        # Typed in Paris time, stored in UTC.
        assert incident.detected_at == datetime(2026, 1, 5, 9, tzinfo=UTC)
        assert incident.application_ids == [2, 3]
        errors = _errors(
            IncidentCreate,
            _incident(
                title="x" * 201,
                severity="9",
                detected_at="hier",
                personal_data="peut-être",
                colour="bleu",
            ),
        )
    assert errors == {
        "title": "200 caractères au plus",
        "severity": "doit être l'une des valeurs : 1, 2, 3, 4",
        "detected_at": "doit être une date et une heure (AAAA-MM-JJTHH:MM)",
        "personal_data": "doit valoir vrai ou faux",
        "colour": "champ inconnu",
    }


def test_an_update_may_leave_out_a_required_field_not_blank_it(app):
    with app.test_request_context():
        changes = validate(IncidentUpdate, {"impact_notes": "", "severity": "2"})
        assert changes.model_dump(exclude_unset=True) == {
            "impact_notes": None,
            "severity": Severity.HIGH,
        }
        assert _errors(IncidentUpdate, {"title": " ", "reported_at": ""}) == {
            "title": "est obligatoire",
            "reported_at": "est obligatoire",
        }
        # An action's organisation may be left to its incident's when opened, never blanked.
        assert validate(CorrectiveActionCreate, _action()).organisation_id is None
        assert _errors(CorrectiveActionUpdate, {"organisation_id": "", "opened_on": None}) == {
            "organisation_id": "est obligatoire",
            "opened_on": "est obligatoire",
        }


def _action(**data) -> dict:
    return {
        "source": "internal_audit",
        "title": "Revue des habilitations",
        "nonconformity": "Comptes actifs d'agents partis.",
        "grade": "minor",
        "action": "Revue annuelle.",
        "owner": "RSSI",
        "due_on": "31/01/2026",
        **data,
    }


def test_a_timeline_entry_refuses_control_characters(app):
    with app.test_request_context():
        errors = _errors(TimelineEntryCreate, {"kind": "action", "text": "Isolement\x07"})
        assert set(errors) == {"text"}
        assert validate(CorrectiveActionCreate, _action()).due_on == date(2026, 1, 31)


def test_list_filters_from_and_back_to_a_query_string(app):
    with app.test_request_context():
        args = MultiDict(
            [("status", "closed"), ("open_only", "on"), ("sort", "-severity"), ("page", "2")]
        )
        filters = IncidentFilters.from_args(args)
        assert filters.status == IncidentStatus.CLOSED and filters.open_only is True
        assert filters.as_args() == {"status": "closed", "open_only": "1", "sort": "-severity"}
        assert IncidentFilters.from_args(MultiDict([("sort", "")])).sort == "-detected"
        assert ActionFilters(overdue=True).as_args() == {"overdue": "1"}
        for query, field, message in [
            ("severity=9", "severity", "doit être l'une des valeurs : 1, 2, 3, 4"),
            ("sort=chaos", "sort", "doit être l'une des valeurs : detected, severity, "),
            ("date_from=2026-05-02&date_to=2026-05-01", "date_to", "ne peut pas précéder"),
        ]:
            with pytest.raises(FilterError) as caught:
                IncidentFilters.from_args(MultiDict(pair.split("=") for pair in query.split("&")))
            assert caught.value.field == field and caught.value.message.startswith(message)


def test_a_form_and_the_api_refuse_a_value_with_the_same_message(
    client, login_as, token_for, make_user, host, session
):
    too_long = "x" * 20_001
    detected = (utcnow() - timedelta(hours=1)).astimezone(PARIS)
    login_as(Role.CISO, host)
    page = client.post(
        "/incidents/new",
        data={
            "title": "Poste infecté",
            "organisation_id": host.id,
            "category": "malware",
            "severity": "3",
            "detection_source": "internal",
            "detected_at": detected.strftime("%Y-%m-%dT%H:%M"),
            "description": too_long,
        },
    )
    assert page.status_code == 400
    assert "20000 caractères au plus" in page.get_data(as_text=True)
    token = token_for(make_user(Role.CISO, host))
    response = client.raw.post(
        "/api/v1/incidents",
        headers={"Authorization": f"Bearer {token}"},
        json=_incident(organisation_id=host.id, description=too_long),
    )
    assert response.status_code == 422
    assert response.json["errors"] == {"description": "20000 caractères au plus"}
    assert session.query(Incident).count() == 0


def test_text_stored_before_the_checks_is_still_answered(
    client, token_for, make_user, host, make_incident, make_action, session
):
    legacy = "Rançongiciel\x01 sur le serveur"
    incident = make_incident(host)
    action = make_action(host, incident_id=incident.id)
    session.flush()
    session.execute(
        sa.update(Incident)
        .where(Incident.id == incident.id)
        .values(title=legacy, description=legacy)
    )
    session.execute(
        sa.update(CorrectiveAction).where(CorrectiveAction.id == action.id).values(owner=legacy)
    )
    session.commit()
    headers = {"Authorization": f"Bearer {token_for(make_user(Role.CISO, host))}"}
    answer = client.raw.get(f"/api/v1/incidents/{incident.id}", headers=headers).json
    assert answer["title"] == legacy and answer["description"] == legacy
    answer = client.raw.get(f"/api/v1/corrective-actions/{action.id}", headers=headers).json
    assert answer["owner"] == legacy


@pytest.mark.parametrize(
    ("title", "message"),
    [("x" * 201, "200 caractères au plus"), ("", "est obligatoire")],
)
def test_the_page_checks_speak_as_the_schema(
    client, login_as, token_for, make_user, host, session, title, message
):
    """Refused by the form's own checks (WTForms) before the schema sees it, a value gets the
    schema's message all the same."""
    detected = (utcnow() - timedelta(hours=1)).astimezone(PARIS)
    login_as(Role.CISO, host)
    page = client.post(
        "/incidents/new",
        data={
            "title": title,
            "organisation_id": host.id,
            "category": "malware",
            "severity": "3",
            "detection_source": "internal",
            "detected_at": detected.strftime("%Y-%m-%dT%H:%M"),
            "description": "Un poste infecté.",
        },
    )
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)
    token = token_for(make_user(Role.CISO, host))
    response = client.raw.post(
        "/api/v1/incidents",
        headers={"Authorization": f"Bearer {token}"},
        json=_incident(organisation_id=host.id, title=title),
    )
    assert response.status_code == 422
    assert response.json["errors"] == {"title": message}
    assert session.query(Incident).count() == 0
