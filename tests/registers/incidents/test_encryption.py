"""Free text that names people is encrypted at rest: the stored columns hold no plaintext, the
page shows it to those allowed, search still finds it, and a wrong key fails loudly."""

from __future__ import annotations

import sqlalchemy as sa
from cryptography.fernet import Fernet

from compliance.crypto import KeyRing
from compliance.permissions import Role
from registers.incidents import incidents as services
from registers.incidents import queries, search
from registers.incidents.models import SearchToken
from tests.registers.incidents.conftest import SECRET


def _raw(session, sql: str, **params):
    return session.execute(sa.text(sql), params).scalar_one()


def test_stored_columns_hold_no_plaintext(session, make_incident):
    incident = make_incident(reported_by="Julien Marchand, astreinte")
    entry = services.add_timeline_entry(
        session, incident, {"kind": "action", "text": "Appel à Mme Dupont"}, actor="test"
    )
    session.flush()
    description = _raw(session, "SELECT description FROM incident WHERE id = :id", id=incident.id)
    reporter = _raw(session, "SELECT reported_by FROM incident WHERE id = :id", id=incident.id)
    text = _raw(session, "SELECT text FROM incident_timeline_entry WHERE id = :id", id=entry.id)
    report = services.add_external_report(
        session,
        incident,
        {"kind": "police", "made_on": "2026-01-05", "notes": "Plainte contre M. Dupont"},
        actor="test",
    )
    session.flush()
    notes = _raw(session, "SELECT notes FROM incident_external_report WHERE id = :id", id=report.id)
    for stored in (description, reporter, text, notes):
        assert "Dupont" not in stored and "Marchand" not in stored
        assert stored.startswith("gAAAA")  # a Fernet token
    session.expire_all()
    assert incident.description == SECRET  # the ORM still reads the plaintext
    assert report.notes == "Plainte contre M. Dupont"


def test_the_search_index_holds_no_word(session, make_incident):
    incident = make_incident()
    tokens = session.scalars(
        sa.select(SearchToken.token).where(SearchToken.incident_id == incident.id)
    ).all()
    assert tokens
    assert not any("dupont" in token for token in tokens)
    assert search.token("dupont") in tokens


def test_search_finds_whole_words_of_the_encrypted_text(session, make_incident):
    found = make_incident()
    make_incident(description="Panne électrique du local technique.")

    def titles(q):
        statement = queries.visible_incidents(filters=queries.IncidentFilters(q=q), everything=True)
        return [i.id for i in session.scalars(statement)]

    assert titles("Dupont") == [found.id]
    assert titles("piégée dupont") == [found.id]  # accents and case do not matter
    assert titles("Dupont électrique") == []  # every word must be there
    services.add_timeline_entry(
        session, found, {"kind": "action", "text": "Sauvegarde restaurée"}, actor="test"
    )
    assert titles("restauree") == [found.id]


def test_the_page_shows_the_plaintext(client, login_as, make_incident, host, session):
    incident = make_incident()
    session.commit()
    login_as(Role.CISO, host)
    response = client.get(f"/incidents/{incident.id}")
    assert response.status_code == 200
    assert "Mme Dupont" in response.get_data(as_text=True)


def test_a_wrong_key_fails_loudly(app, client, login_as, make_incident, host, session, monkeypatch):
    incident_id = make_incident().id
    session.commit()
    login_as(Role.CISO, host)
    monkeypatch.setitem(app.extensions, "keyring", KeyRing([Fernet.generate_key().decode()]))
    response = client.get(f"/incidents/{incident_id}")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Dupont" not in page
    assert "gAAAA" not in page
    assert "Clé de chiffrement manquante" in page
    assert "COMPLIANCE_ENCRYPTION_KEYS" in page


def test_a_wrong_key_is_a_clear_api_error(
    app, client, login_as, make_incident, host, session, monkeypatch, caplog
):
    from compliance.admin import services

    incident_id = make_incident().id
    user = login_as(Role.CISO, host)
    _token, secret = services.create_token(session, user, "t", actor="test")
    session.commit()
    monkeypatch.setitem(app.extensions, "keyring", KeyRing([Fernet.generate_key().decode()]))
    response = client.get(
        f"/api/v1/incidents/{incident_id}", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 503
    assert response.get_json()["error"] == "key_ring"
    assert "trousseau" in response.get_json()["message"]
    assert any("encryption key ring" in r.getMessage() for r in caplog.records)
