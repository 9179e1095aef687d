"""Each acknowledged update of an incident writes exactly one audit entry with the changed
fields, whether it comes through the service, the page or the API."""

from __future__ import annotations

import pytest
from sqlmodel import select

from compliance.audit import AuditEntry
from compliance.i18n import PARIS
from compliance.permissions import Role
from registers.incidents import incidents as services


def _updates(session, incident) -> list[AuditEntry]:
    session.commit()
    return list(
        session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.object_type == "Incident",
                AuditEntry.object_id == str(incident.id),
                AuditEntry.action == "update",
            )
            .order_by(AuditEntry.seq)
        )
    )


def _local(moment) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def test_one_update_through_the_service_writes_its_entry(session, make_incident):
    incident = make_incident()
    session.commit()
    services.update_incident(session, incident, {"title": "Poste isolé"}, actor="ciso")
    (entry,) = _updates(session, incident)
    assert entry.changes["title"] == {
        "before": "Poste infecté par un logiciel malveillant",
        "after": "Poste isolé",
    }
    assert entry.actor_label == "ciso"
    assert entry.organisation_id == incident.organisation_id


def test_link_changes_are_part_of_the_update(session, make_incident, world):
    incident = make_incident()
    session.commit()
    services.update_incident(session, incident, {"application_ids": [world["gf"].id]}, actor="ciso")
    (entry,) = _updates(session, incident)
    assert entry.changes["applications"]["after"] == [world["gf"].name]


def test_one_update_through_the_page_writes_its_entry(
    client, login_as, host, organisation, make_incident, session
):
    user = login_as(Role.CISO, host, organisation)
    incident = make_incident()
    session.commit()
    response = client.post(
        f"/incidents/{incident.id}/edit",
        data={
            "version": incident.version,
            "title": "Poste isolé du réseau",
            "category": "malware",
            "severity": "2",
            "detection_source": "internal",
            "detected_at": _local(incident.detected_at),
            "description": "Autre description",
        },
    )
    assert response.status_code == 302
    (entry,) = _updates(session, incident)
    assert entry.changes["title"]["after"] == "Poste isolé du réseau"
    assert entry.changes["description"] == {"before": "[chiffré]", "after": "[chiffré]"}
    assert (entry.actor_id, entry.actor_label) == (user.id, user.email)


@pytest.fixture
def api(client):
    def call(method: str, path: str, token: str, **kwargs):
        headers = {"Authorization": f"Bearer {token}"}
        return client.raw.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


def test_each_update_through_the_api_writes_one_entry(
    api, make_user, token_for, host, make_incident, session
):
    user = make_user(Role.CISO, host)
    token = token_for(user)
    incident = make_incident()
    session.commit()
    path = f"/incidents/{incident.id}"
    for number in range(3):
        session.expire_all()
        response = api(
            "PATCH", path, token, json={"title": f"Titre {number}", "version": incident.version}
        )
        assert response.status_code == 200, response.json
    entries = _updates(session, incident)
    assert [e.changes["title"]["after"] for e in entries] == ["Titre 0", "Titre 1", "Titre 2"]
    assert {e.actor_id for e in entries} == {user.id}


def test_a_change_and_the_timeline_entry_it_writes_are_one_entry(session, make_incident):
    incident = make_incident()
    session.commit()
    services.update_incident(session, incident, {"severity": "1"}, actor="ciso")
    (entry,) = _updates(session, incident)
    assert entry.changes["severity"] == {"before": "3", "after": "1"}
    (row,) = entry.changes["incident_timeline_entry"]["rows"]
    assert row["create"]["kind"] == "severity_change"
    assert row["create"]["text"] == "[chiffré]"
    trail = session.scalars(
        select(AuditEntry).where(
            AuditEntry.object_type == "Incident", AuditEntry.object_id == str(incident.id)
        )
    ).all()
    assert [e.action for e in trail] == ["create", "update"]
    assert "incident_timeline_entry" in trail[0].changes  # its first entry, at creation


def test_a_timeline_entry_added_by_hand_is_named(session, make_incident):
    incident = make_incident()
    session.commit()
    services.add_timeline_entry(
        session, incident, {"kind": "action", "text": "Poste réinstallé"}, actor="ciso"
    )
    session.commit()
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (entry.action, entry.object_type) == ("timeline", "Incident")
    assert entry.summary == f"Timeline of {incident.reference}: action"
