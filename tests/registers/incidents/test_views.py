"""The pages: each renders, a valid post redirects, bad input answers 400 with its message and
changes nothing, a stale version answers 409 with what changed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from compliance.db import utcnow
from compliance.i18n import PARIS
from compliance.permissions import Role
from registers.incidents import incidents as services
from registers.incidents.common import today
from registers.incidents.models import (
    ActionStatus,
    CorrectiveAction,
    EntryKind,
    Incident,
    IncidentStatus,
)


def _local(moment) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def ciso(login_as, host, organisation, other_organisation, session):
    return login_as(Role.CISO, host, organisation, other_organisation)


def test_list_and_filters(client, ciso, make_incident, world, session):
    phishing = make_incident(title="Hameçonnage massif", category="phishing", severity="2")
    make_incident(title="Panne de Sedit.GF", application_ids=[world["gf"].id])
    session.commit()
    page = client.get("/incidents/").get_data(as_text=True)
    assert "Hameçonnage massif" in page and "Panne de Sedit.GF" in page
    page = client.get("/incidents/?category=phishing&severity=2").get_data(as_text=True)
    assert "Hameçonnage massif" in page and "Panne de Sedit.GF" not in page
    page = client.get(f"/incidents/?application_id={world['gf'].id}").get_data(as_text=True)
    assert "Hameçonnage massif" not in page and "Panne de Sedit.GF" in page
    # The Paris day of its detection (an hour ago: yesterday in Paris just after midnight).
    day = phishing.detected_at.astimezone(PARIS).date().isoformat()
    page = client.get(f"/incidents/?date_from={day}&date_to={day}").get_data(as_text=True)
    assert "Hameçonnage massif" in page
    old = (today() - timedelta(days=30)).isoformat()
    page = client.get(f"/incidents/?date_to={old}").get_data(as_text=True)
    assert "Hameçonnage massif" not in page


@pytest.mark.parametrize(
    "query",
    ["severity=9", "date_from=hier", "sort=chaos", "date_from=2026-05-02&date_to=2026-05-01"],
)
def test_a_bad_filter_is_a_400(client, ciso, query):
    response = client.get(f"/incidents/?{query}")
    assert response.status_code == 400
    assert "Filtre invalide" in response.get_data(as_text=True)


def test_create_an_incident(client, ciso, host, world, session):
    detected = utcnow() - timedelta(hours=2)
    response = client.post(
        "/incidents/new",
        data={
            "title": "Compte de messagerie compromis",
            "organisation_id": host.id,
            "category": "account_compromise",
            "severity": "3",
            "detection_source": "user",
            "detected_at": _local(detected),
            "description": "Le compte de M. Martin envoie des courriels frauduleux.",
            "application_ids": [world["gf"].id],
            "personal_data": "yes",
        },
    )
    assert response.status_code == 302
    incident = session.query(Incident).one()
    assert response.headers["Location"].endswith(f"/incidents/{incident.id}")
    assert incident.applications == [world["gf"]]
    assert incident.personal_data is True
    assert abs(incident.detected_at - detected) < timedelta(minutes=1)
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "Ivry-sur-Seine" in page  # affected through its use of Sedit.GF


def test_bad_input_is_a_400_and_creates_nothing(client, ciso, host, session):
    response = client.post(
        "/incidents/new",
        data={
            "title": "Sans date",
            "organisation_id": host.id,
            "category": "other",
            "severity": "4",
            "detection_source": "user",
            "detected_at": _local(utcnow() + timedelta(days=1)),
            "description": "x",
        },
    )
    assert response.status_code == 400
    assert "ne peut pas être dans le futur" in response.get_data(as_text=True)
    assert session.query(Incident).count() == 0
    response = client.post("/incidents/new", data={"title": ""})
    assert response.status_code == 400


def test_edit_conflict_is_a_409(client, ciso, make_incident, session):
    incident = make_incident()
    session.commit()
    stale = incident.version
    services.update_incident(session, incident, {"title": "Renommé ailleurs"}, actor="test")
    session.commit()
    response = client.post(
        f"/incidents/{incident.id}/edit",
        data={
            "version": stale,
            "title": "Mon intitulé",
            "category": "malware",
            "severity": "3",
            "detection_source": "internal",
            "detected_at": _local(incident.detected_at),
            "description": "Autre description",
        },
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "la fiche a changé entre-temps" in page
    assert "Renommé ailleurs" in page
    session.expire_all()
    assert incident.title == "Renommé ailleurs"


def test_lifecycle_through_the_page(client, ciso, make_incident, session):
    incident = make_incident(severity="2")
    session.commit()
    detail = f"/incidents/{incident.id}"
    page = client.get(detail).get_data(as_text=True)
    assert "Évaluer : incident ou simple événement ?" in page
    response = client.post(
        f"{detail}/transition/assessed",
        data={"to-assessed-version": incident.version, "to-assessed-classification": "incident"},
    )
    assert response.status_code == 302
    session.expire_all()
    assert incident.status == IncidentStatus.ASSESSED
    # A step that is not allowed from here answers 400 with its reason.
    response = client.post(
        f"{detail}/transition/closed", data={"to-closed-version": incident.version}
    )
    assert response.status_code == 400
    for target in ("responding", "lessons_learnt"):
        response = client.post(
            f"{detail}/transition/{target}", data={f"to-{target}-version": incident.version}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        session.expire_all()
    response = client.post(
        f"{detail}/transition/closed", data={"to-closed-version": incident.version}
    )
    assert response.status_code == 400
    assert "ne peut pas être clos sans son retour" in response.get_data(as_text=True)
    response = client.post(
        f"{detail}/transition/closed",
        data={
            "to-closed-version": incident.version,
            "to-closed-lessons_learnt": "Former les agents d'accueil.",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    assert incident.status == IncidentStatus.CLOSED
    assert client.post(f"{detail}/transition/nowhere").status_code == 404


def test_a_stale_transition_is_a_409(client, ciso, make_incident, session):
    incident = make_incident()
    session.commit()
    stale = incident.version
    services.update_incident(session, incident, {"title": "Changé"}, actor="test")
    session.commit()
    response = client.post(
        f"/incidents/{incident.id}/transition/assessed",
        data={"to-assessed-version": stale, "to-assessed-classification": "event"},
    )
    assert response.status_code == 409


def test_timeline_entries_through_the_page(client, ciso, make_incident, session):
    incident = make_incident()
    session.commit()
    url = f"/incidents/{incident.id}/timeline"
    response = client.post(url, data={"kind": "communication", "text": "Message aux agents"})
    assert response.status_code == 302
    future = _local(utcnow() + timedelta(hours=3))
    response = client.post(url, data={"kind": "action", "text": "Plus tard", "at": future})
    assert response.status_code == 400
    assert "ne peut pas être datée dans le futur" in response.get_data(as_text=True)
    session.expire_all()
    texts = [e.text for e in incident.entries if e.kind == EntryKind.COMMUNICATION]
    assert texts == ["Message aux agents"]
    assert "Plus tard" not in [e.text for e in incident.entries]
    assert "Message aux agents" in client.get(f"/incidents/{incident.id}").get_data(as_text=True)


def test_external_reports_through_the_page(client, ciso, make_incident, session):
    incident = make_incident()
    session.commit()
    response = client.post(
        f"/incidents/{incident.id}/reports",
        data={"kind": "police", "made_on": today().isoformat(), "reference": "PV 2026/42"},
    )
    assert response.status_code == 302
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "PV 2026/42" in page
    response = client.post(
        f"/incidents/{incident.id}/reports",
        data={"kind": "police", "made_on": (today() + timedelta(days=2)).isoformat()},
    )
    assert response.status_code == 400


def test_archive_hides_from_the_list(client, ciso, make_incident, session):
    incident = make_incident(title="Doublon")
    session.commit()
    response = client.post(f"/incidents/{incident.id}/archive", data={"version": incident.version})
    assert response.status_code == 302
    assert "Doublon" not in client.get("/incidents/").get_data(as_text=True)
    assert "Doublon" in client.get("/incidents/?include_archived=1").get_data(as_text=True)


def test_open_a_corrective_action_from_an_incident(client, ciso, make_incident, session, host):
    incident = make_incident()
    session.commit()
    form = client.get(f"/incidents/actions/new?incident_id={incident.id}")
    assert form.status_code == 200
    response = client.post(
        f"/incidents/actions/new?incident_id={incident.id}",
        data={
            "source": "incident",
            "incident_id": incident.id,
            "title": "Filtrer les pièces jointes",
            "nonconformity": "Une pièce jointe piégée est arrivée jusqu'à l'agent.",
            "grade": "minor",
            "action": "Bloquer les macros venues d'internet.",
            "owner": "RSSI",
            "due_on": (today() + timedelta(days=20)).isoformat(),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    action = session.query(CorrectiveAction).one()
    assert action.incident_id == incident.id and action.organisation_id == host.id
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert action.reference in page


def test_corrective_action_needs_its_check_before_verified(client, ciso, make_action, session):
    action = make_action()
    session.commit()
    url = f"/incidents/actions/{action.id}"
    response = client.post(
        f"{url}/transition/implemented", data={"to-implemented-version": action.version}
    )
    assert response.status_code == 302
    session.expire_all()
    response = client.post(
        f"{url}/transition/verified_effective",
        data={"to-verified_effective-version": action.version},
    )
    assert response.status_code == 400
    assert "obligatoire pour conclure sur l&#39;efficacité" in response.get_data(as_text=True)
    response = client.post(
        f"{url}/transition/verified_effective",
        data={
            "to-verified_effective-version": action.version,
            "to-verified_effective-check_on": today().isoformat(),
            "to-verified_effective-check_method": "Échantillon de 20 comptes.",
            "to-verified_effective-check_result": "Aucun compte orphelin.",
            "to-verified_effective-evidence_reference": "GED/SMSI/2026-07",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    assert action.status == ActionStatus.VERIFIED_EFFECTIVE


def test_action_list_shows_the_late_ones(client, ciso, make_action, session):
    make_action(title="Très en retard", due_on=today() - timedelta(days=3))
    make_action(title="Dans les temps")
    session.commit()
    page = client.get("/incidents/actions/?overdue=1").get_data(as_text=True)
    assert "Très en retard" in page and "Dans les temps" not in page
    assert "En retard" in page
    assert client.get("/incidents/actions/?status=bogus").status_code == 400


def test_dashboard_widget_for_the_ciso(client, ciso, make_action, session):
    make_action(title="Revue en retard", due_on=today() - timedelta(days=1))
    session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Incidents et actions correctives" in page
    assert "Revue en retard" in page


def test_no_dashboard_widget_for_a_referent(client, login_as, organisation, make_action, session):
    make_action(organisation, title="Revue en retard", due_on=today() - timedelta(days=1))
    session.commit()
    login_as(Role.REFERENT, organisation)
    assert "Revue en retard" not in client.get("/").get_data(as_text=True)


def test_application_page_lists_its_incidents(client, ciso, make_incident, world, session):
    make_incident(title="Panne de Sedit.GF", application_ids=[world["gf"].id])
    session.commit()
    page = client.get(f"/applications/{world['gf'].id}").get_data(as_text=True)
    assert "Incidents de sécurité" in page
    assert "Panne de Sedit.GF" in page
