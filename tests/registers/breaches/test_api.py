"""The breach register's JSON API: the deadline and H0 in ISO 8601 with the offset of Paris,
the pages' scoping and permissions, 422 on invalid values, 409 on a stale version."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from compliance.db import utcnow
from compliance.i18n import PARIS
from compliance.permissions import Role


@pytest.fixture
def api(client):
    def call(method: str, path: str, token: str, **kwargs):
        headers = {"Authorization": f"Bearer {token}"}
        return client.raw.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


@pytest.fixture
def dpo(make_user, organisation, other_organisation, token_for):
    return token_for(make_user(Role.DPO, organisation, other_organisation))


@pytest.fixture
def referent(make_user, organisation, token_for):
    return token_for(make_user(Role.REFERENT, organisation))


def test_deadline_and_awareness_carry_the_offset_of_paris(
    api, dpo, session, organisation, make_breach
):
    breach = make_breach(organisation, awareness_at=datetime(2026, 10, 24, 10, 0, tzinfo=PARIS))
    session.commit()
    data = api("GET", f"/breaches/{breach.id}", dpo).json
    assert data["awareness_at"] == "2026-10-24T10:00:00+02:00"
    assert data["notification_deadline"] == "2026-10-27T09:00:00+01:00"
    assert data["deadline_state"] == "late"
    assert data["late"] is True
    listed = api("GET", "/breaches?late=1", dpo).json
    assert [item["reference"] for item in listed["items"]] == [breach.reference]


def test_create_then_notify_through_the_api(api, dpo, session, organisation):
    awareness = (utcnow() - timedelta(hours=5)).astimezone(PARIS).replace(tzinfo=None)
    response = api(
        "POST",
        "/breaches",
        dpo,
        json={
            "title": "Fichier de paie envoyé à un prestataire non habilité",
            "organisation_id": organisation.id,
            "awareness_at": awareness.isoformat(timespec="minutes"),  # no offset: Paris
            "confidentiality": True,
            "description": "Le fichier de paie de mars a été déposé chez un prestataire.",
            "subject_categories": ["staff"],
            "data_categories": ["identity", "economic_financial"],
            "people_count": 950,
            "records_count": 950,
            "contact": "Délégué à la protection des données",
            "consequences": "Exposition des salaires et des coordonnées bancaires des agents.",
            "measures_proposed": "Demande de suppression au prestataire, contrôle des accès.",
        },
    )
    assert response.status_code == 201, response.json
    created = response.json
    assert response.headers["Location"].endswith(f"/api/v1/breaches/{created['id']}")
    assert created["deadline_state"] == "running"
    assert created["awareness_at"].startswith(awareness.isoformat(timespec="minutes"))
    response = api(
        "POST",
        f"/breaches/{created['id']}/notifications",
        dpo,
        json={
            "kind": "initial",
            "sent_at": utcnow().isoformat(),
            "reference": "NOTIF-9",
            "follow_up_by": (utcnow() + timedelta(days=10)).date().isoformat(),
            "version": created["version"],
        },
    )
    assert response.status_code == 201, response.json
    assert response.json["status"] == "notified"
    assert response.json["deadline_state"] == "notified"
    stale = api("PATCH", f"/breaches/{created['id']}", dpo, json={"title": "x", "version": 1})
    assert stale.status_code == 409
    assert stale.json["current"]["status"] == "notified"


def test_invalid_values_are_422_and_write_nothing(api, dpo, organisation):
    response = api(
        "POST",
        "/breaches",
        dpo,
        json={"title": "x", "organisation_id": organisation.id, "people_count": -1},
    )
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"awareness_at", "people_count"}
    assert api("GET", "/breaches?total=1", dpo).json["total"] == 0


def test_scoping_and_permissions(
    api, referent, session, organisation, other_organisation, make_breach
):
    ours = make_breach(organisation)
    theirs = make_breach(other_organisation)
    session.commit()
    listed = api("GET", "/breaches", referent).json
    assert [item["id"] for item in listed["items"]] == [ours.id]
    assert api("GET", f"/breaches/{theirs.id}", referent).status_code == 404
    response = api(
        "POST",
        "/breaches",
        referent,
        json={"title": "x", "organisation_id": organisation.id, "awareness_at": "2026-01-01"},
    )
    assert response.status_code == 403
    response = api(
        "PATCH", f"/breaches/{ours.id}", referent, json={"title": "x", "version": ours.version}
    )
    assert response.status_code == 403
    assert api("GET", "/breaches", "not-a-token").status_code == 401


def test_the_openapi_document_describes_the_breaches(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "/breaches" in paths and "/breaches/{breach_id}/notifications" in paths


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        # The form checks these too (they render as required, maxlength and min), with the
        # schema's messages.
        ("title", "T" * 201, "200 caractères au plus"),
        ("title", " ", "est obligatoire"),
        ("people_count", -1, "doit valoir au moins 0"),
        # Only the schema checks this one.
        ("description", "D" * 20_001, "20000 caractères au plus"),
        ("is_ongoing", "peut-être", "doit valoir vrai ou faux"),
    ],
)
def test_a_form_and_the_api_refuse_a_value_with_the_same_message(
    api, dpo, client, login_as, session, organisation, field, value, message
):
    awareness = (utcnow() - timedelta(hours=2)).astimezone(PARIS)
    values = {
        "title": "Fichier des familles publié par erreur",
        "organisation_id": organisation.id,
        "awareness_at": awareness.strftime("%Y-%m-%dT%H:%M"),
        field: value,
    }
    response = api("POST", "/breaches", dpo, json=values)
    assert response.status_code == 422
    assert response.json["errors"] == {field: message}
    if field == "is_ongoing":
        # A checkbox posts "y" or nothing: the form cannot send another value.
        return
    login_as(Role.DPO, organisation)
    page = client.post(f"/breaches/new?organisation_id={organisation.id}", data=values)
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)
    assert api("GET", "/breaches?total=1", dpo).json["total"] == 0


def test_a_bad_filter_is_400_with_the_field(api, dpo):
    response = api("GET", "/breaches?sort=colour", dpo)
    assert response.status_code == 400
    assert response.json["errors"] == {
        "sort": "doit être l'une des valeurs : deadline, awareness, reference, status, organisation"
    }
    response = api("GET", "/breaches?status=lost", dpo)
    assert response.status_code == 400
    assert set(response.json["errors"]) == {"status"}


def test_a_patch_needs_the_version_read(api, dpo, session, organisation, make_breach):
    breach = make_breach(organisation)
    session.commit()
    response = api("PATCH", f"/breaches/{breach.id}", dpo, json={"title": "Nouveau"})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"version"}
    # What the client read and sends back is ignored; a blank title is refused.
    read = api("GET", f"/breaches/{breach.id}", dpo).json
    response = api("PATCH", f"/breaches/{breach.id}", dpo, json={**read, "title": " "})
    assert response.status_code == 422
    assert response.json["errors"] == {"title": "est obligatoire"}
    response = api("PATCH", f"/breaches/{breach.id}", dpo, json={**read, "title": "Nouveau"})
    assert response.status_code == 200, response.json
    assert response.json["title"] == "Nouveau"
