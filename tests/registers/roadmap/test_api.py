"""The JSON API: /api/v1/roadmap-actions and /api/v1/hygiene-assessment, with the pages'
permissions and scoping."""

from __future__ import annotations

import pytest

from tests.registers.roadmap.conftest import days


@pytest.fixture
def api(client, token_for):
    def call(user, method, url, **kwargs):
        token = token_for(user)
        return client.raw.open(
            url, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs
        )

    return call


@pytest.fixture
def ciso(make_user, host, session):
    user = make_user("ciso", host)
    session.commit()
    return user


def test_list_and_detail(api, ciso, session, make_roadmap_action):
    action = make_roadmap_action(measures=["37"], target_on=days(30))
    session.commit()
    listing = api(ciso, "GET", "/api/v1/roadmap-actions?theme=IX")
    assert listing.status_code == 200
    assert [item["code"] for item in listing.json["items"]] == ["A-01"]
    assert listing.json["items"][0]["measures"] == ["37"]
    detail = api(ciso, "GET", f"/api/v1/roadmap-actions/{action.id}")
    assert detail.json["late"] is False and detail.json["version"] == action.version
    assert api(ciso, "GET", "/api/v1/roadmap-actions?late=1&total=1").json["total"] == 0
    assert api(ciso, "GET", "/api/v1/roadmap-actions?status=nope").status_code == 400


def test_a_share_beyond_the_programme_s_ceiling_is_a_422(
    api, app, ciso, roadmap, session, monkeypatch
):
    monkeypatch.setitem(app.config, "ROADMAP_SUBSIDY_CEILINGS", {"Parcours de cybersécurité": 1})
    body = {
        "roadmap_id": roadmap.id,
        "title": "Audit",
        "theme": "I",
        "start_on": days(0).isoformat(),
        "target_on": days(90).isoformat(),
        "investment_estimated": 1000,
        "subsidy_amount": 2,
    }
    refused = api(ciso, "POST", "/api/v1/roadmap-actions", json=body)
    assert refused.status_code == 422
    assert set(refused.json["errors"]) == {"subsidy_amount"}
    assert "plafond du programme" in refused.json["errors"]["subsidy_amount"]
    session.expire_all()
    assert roadmap.actions == []


def test_create_update_and_conflict(api, ciso, roadmap):
    created = api(
        ciso,
        "POST",
        "/api/v1/roadmap-actions",
        json={
            "roadmap_id": roadmap.id,
            "title": "Sensibilisation",
            "theme": "I",
            "start_on": days(0).isoformat(),
            "target_on": days(90).isoformat(),
            "measures": ["2", "2.R"],
        },
    )
    assert created.status_code == 201, created.json
    record = created.json
    url = f"/api/v1/roadmap-actions/{record['id']}"
    updated = api(ciso, "PATCH", url, json={"progress": 40, "version": record["version"]})
    assert updated.status_code == 200 and updated.json["progress"] == 40
    stale = api(ciso, "PATCH", url, json={"progress": 60, "version": record["version"]})
    assert stale.status_code == 409 and stale.json["current"]["progress"] == 40
    invalid = api(ciso, "PATCH", url, json={"progress": 160, "version": updated.json["version"]})
    assert invalid.status_code == 422 and "progress" in invalid.json["errors"]
    unknown = api(ciso, "PATCH", url, json={"colour": "red", "version": 1})
    assert unknown.status_code == 422


def test_readers_read_and_may_not_write(api, make_user, session, organisation, make_roadmap):
    theirs = make_roadmap(organisation)
    referent = make_user("referent", organisation)
    session.commit()
    assert api(referent, "GET", "/api/v1/roadmap-actions").status_code == 200
    response = api(
        referent,
        "POST",
        "/api/v1/roadmap-actions",
        json={
            "roadmap_id": theirs.id,
            "title": "x",
            "theme": "I",
            "start_on": days(0).isoformat(),
            "target_on": days(1).isoformat(),
        },
    )
    assert response.status_code == 403


def test_scoping(api, make_user, session, other_organisation, make_roadmap_action):
    action = make_roadmap_action()
    outsider = make_user("ciso", other_organisation)
    session.commit()
    assert api(outsider, "GET", "/api/v1/roadmap-actions?total=1").json["total"] == 0
    assert api(outsider, "GET", f"/api/v1/roadmap-actions/{action.id}").status_code == 404


def test_hygiene_assessment(api, ciso, host, make_user, other_organisation, session):
    url = f"/api/v1/hygiene-assessment/{host.slug}/13"
    first = api(ciso, "PUT", url, json={"state": "partial", "comment": "VPN seulement"})
    assert first.status_code == 200 and first.json["state"] == "partial"
    again = api(ciso, "PUT", url, json={"state": "done", "version": first.json["version"]})
    assert again.status_code == 200 and again.json["state"] == "done"
    stale = api(ciso, "PUT", url, json={"state": "partial", "version": first.json["version"]})
    assert stale.status_code == 409
    listing = api(ciso, "GET", f"/api/v1/hygiene-assessment?organisation={host.slug}")
    assert listing.status_code == 200 and len(listing.json["items"]) == 61
    assert listing.json["source"] == "Source : ANSSI, Guide d'hygiène informatique"
    row = next(item for item in listing.json["items"] if item["ref"] == "13")
    assert row["state"] == "done" and row["theme"] == "III"
    # Covered means applied (1 of the 61 that apply); planned measures are counted apart.
    coverage = listing.json["coverage"]
    assert coverage["applicable"] == 61
    assert coverage["covered_percent"] == coverage["applied_percent"] == 2
    assert coverage["planned_percent"] == 0
    assert api(ciso, "GET", "/api/v1/hygiene-assessment").status_code == 400
    outsider = make_user("ciso", other_organisation)
    session.commit()
    assert (
        api(outsider, "GET", f"/api/v1/hygiene-assessment?organisation={host.slug}").status_code
        == 404
    )


def test_openapi_describes_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "/roadmap-actions" in paths and "/hygiene-assessment" in paths
