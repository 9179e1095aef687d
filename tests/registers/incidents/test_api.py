"""The incident log's JSON API: incidents with their timeline, the lifecycle, corrective
actions; 422 on invalid values, 409 on a stale version, the pages' scoping and permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from compliance.db import utcnow
from compliance.permissions import Role
from registers.incidents.common import today
from registers.incidents.models import Incident


@pytest.fixture
def api(client):
    def call(method: str, path: str, token: str, **kwargs):
        headers = {"Authorization": f"Bearer {token}"}
        return client.raw.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


@pytest.fixture
def ciso(make_user, host, organisation, other_organisation, token_for):
    return token_for(make_user(Role.CISO, host, organisation, other_organisation))


@pytest.fixture
def referent(make_user, organisation, token_for):
    return token_for(make_user(Role.REFERENT, organisation))


def _new(host, **data):
    return {
        "title": "Déni de service sur le portail",
        "organisation_id": host.id,
        "category": "denial_of_service",
        "severity": "3",
        "detection_source": "provider",
        "detected_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "description": "Saturation du portail famille par un botnet.",
        **data,
    }


def test_create_read_and_follow_an_incident(api, ciso, host, world, session):
    response = api("POST", "/incidents", ciso, json=_new(host, application_ids=[world["gf"].id]))
    assert response.status_code == 201, response.json
    created = response.json
    assert created["reference"].startswith("INC-")
    assert response.headers["Location"].endswith(f"/api/v1/incidents/{created['id']}")
    assert created["status"] == "reported"
    assert created["timeline"][0]["kind"] == "status_change"
    assert [o["name"] for o in created["impact"]["organisations"]] == [
        "Ivry-sur-Seine",
        "SIIM94",
    ]
    path = f"/incidents/{created['id']}"
    response = api("POST", f"{path}/timeline", ciso, json={"kind": "action", "text": "Filtrage"})
    assert response.status_code == 201 and response.json["text"] == "Filtrage"
    response = api(
        "POST",
        f"{path}/transition",
        ciso,
        json={
            "status": "assessed",
            "classification": "incident",
            "severity": "2",
            "version": created["version"],
        },
    )
    assert response.status_code == 200, response.json
    assert response.json["status"] == "assessed" and response.json["severity"] == "2"
    kinds = [entry["kind"] for entry in response.json["timeline"]]
    assert kinds[-2:] == ["status_change", "severity_change"]
    timeline = api("GET", f"{path}/timeline", ciso).json["items"]
    assert [e["text"] for e in timeline if e["kind"] == "action"] == ["Filtrage"]
    listing = api("GET", "/incidents?severity=2", ciso).json
    assert [item["id"] for item in listing["items"]] == [created["id"]]


def test_invalid_values_are_a_422_and_write_nothing(api, ciso, host, session):
    response = api(
        "POST",
        "/incidents",
        ciso,
        json=_new(host, severity="9", detected_at="hier", colour="bleu"),
    )
    assert response.status_code == 422
    assert "colour" in response.json["errors"]
    response = api("POST", "/incidents", ciso, json=_new(host, severity="9", detected_at="hier"))
    assert response.status_code == 422
    assert {"severity", "detected_at"} <= set(response.json["errors"])
    assert session.query(Incident).count() == 0
    assert api("POST", "/incidents", ciso, data="pas du JSON").status_code == 400


def test_future_entries_and_refused_transitions_are_422(api, ciso, make_incident, session):
    incident = make_incident()
    session.commit()
    path = f"/incidents/{incident.id}"
    future = (utcnow() + timedelta(hours=1)).isoformat()
    response = api(
        "POST", f"{path}/timeline", ciso, json={"kind": "action", "text": "x", "at": future}
    )
    assert response.status_code == 422 and "at" in response.json["errors"]
    response = api(
        "POST", f"{path}/transition", ciso, json={"status": "closed", "version": incident.version}
    )
    assert response.status_code == 422 and "status" in response.json["errors"]


def test_a_stale_version_is_a_409(api, ciso, make_incident, session):
    incident = make_incident()
    session.commit()
    path, version = f"/incidents/{incident.id}", incident.version
    first = api("PATCH", path, ciso, json={"title": "Premier", "version": version})
    assert first.status_code == 200
    second = api("PATCH", path, ciso, json={"title": "Second", "version": version})
    assert second.status_code == 409
    assert second.json["current"]["title"] == "Premier"
    missing = api("PATCH", path, ciso, json={"title": "Sans version"})
    assert missing.status_code == 422 and "version" in missing.json["errors"]


def test_scoping_and_permissions(
    api, ciso, referent, world, make_incident, session, other_organisation
):
    seen = make_incident(title="Sur Sedit.GF", application_ids=[world["gf"].id])
    hidden = make_incident(other_organisation, title="À Gentilly")
    session.commit()
    titles = {item["title"] for item in api("GET", "/incidents", referent).json["items"]}
    assert titles == {"Sur Sedit.GF"}
    assert api("GET", f"/incidents/{hidden.id}", referent).status_code == 404
    assert api("GET", f"/incidents/{seen.id}", referent).status_code == 200
    response = api("PATCH", f"/incidents/{seen.id}", referent, json={"title": "x", "version": 1})
    assert response.status_code == 403
    response = api(
        "POST", f"/incidents/{seen.id}/timeline", referent, json={"kind": "action", "text": "x"}
    )
    assert response.status_code == 403
    response = api("POST", "/incidents", referent, json=_new(other_organisation))
    assert response.status_code == 403


def test_corrective_actions(api, ciso, make_incident, host, session):
    incident = make_incident()
    session.commit()
    response = api(
        "POST",
        "/corrective-actions",
        ciso,
        json={
            "source": "incident",
            "incident_id": incident.id,
            "title": "Protection anti-DDoS",
            "nonconformity": "Aucune protection contre la saturation.",
            "grade": "major",
            "action": "Souscrire une protection chez l'opérateur.",
            "owner": "Responsable réseau",
            "due_on": (today() - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 201, response.json
    action = response.json
    assert action["organisation_id"] == host.id and action["overdue"] is True
    path = f"/corrective-actions/{action['id']}"
    # Carried out only once its causes are determined (ISO/IEC 27001, 10.2 b).
    early = api(
        "POST",
        f"{path}/transition",
        ciso,
        json={"status": "implemented", "version": action["version"]},
    )
    assert early.status_code == 422 and set(early.json["errors"]) == {"root_causes"}
    analysed = api(
        "PATCH",
        path,
        ciso,
        json={"root_causes": "Aucun contrat de protection.", "version": action["version"]},
    )
    assert analysed.status_code == 200, analysed.json
    step = api(
        "POST",
        f"{path}/transition",
        ciso,
        json={"status": "implemented", "version": analysed.json["version"]},
    )
    assert step.status_code == 200 and step.json["status"] == "implemented"
    refused = api(
        "POST",
        f"{path}/transition",
        ciso,
        json={"status": "verified_effective", "version": step.json["version"]},
    )
    assert refused.status_code == 422
    assert {"check_on", "check_method", "check_result", "evidence_reference"} <= set(
        refused.json["errors"]
    )
    assert [
        a["id"] for a in api("GET", "/corrective-actions?status=implemented", ciso).json["items"]
    ] == [action["id"]]
    detail = api("GET", f"/incidents/{incident.id}", ciso).json
    assert detail["corrective_actions"][0]["reference"] == action["reference"]


def test_openapi_describes_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "/incidents/{record_id}/transition" in paths
    assert "/corrective-actions" in paths
