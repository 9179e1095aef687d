"""The rights requests JSON API: the due dates, the pages' scoping and permissions, keyset
pages, 422 on invalid values or a refused transition, 409 on a stale version."""

from __future__ import annotations

from datetime import date

import pytest

from compliance.permissions import Role

REASON = "Demande portant sur dix années d'archives réparties dans plusieurs applications."


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


@pytest.fixture
def auditor(make_user, organisation, token_for):
    return token_for(make_user(Role.AUDITOR, organisation))


def test_create_then_extend_then_answer(api, dpo, organisation):
    response = api(
        "POST",
        "/rights-requests",
        dpo,
        json={
            "organisation_id": organisation.id,
            "person_name": "Mme Claire Martin",
            "right": "access",
            "channel": "online_form",
            "received_on": "2026-01-31",
        },
    )
    assert response.status_code == 201, response.json
    created = response.json
    assert created["due_on"] == "2026-03-02"
    assert created["extended_due_on"] is None
    assert created["person_name"] == "Mme Claire Martin"
    assert response.headers["Location"].endswith(f"/rights-requests/{created['id']}")
    path = f"/rights-requests/{created['id']}"
    refused = api(
        "POST",
        f"{path}/extend",
        dpo,
        json={
            "version": created["version"],
            "extension_reasons": REASON,
            "extension_notified_on": "2026-03-03",
        },
    )
    assert refused.status_code == 422
    assert "prolongation refusée" in refused.json["errors"]["extension_notified_on"]
    extended = api(
        "POST",
        f"{path}/extend",
        dpo,
        json={
            "version": created["version"],
            "extension_reasons": REASON,
            "extension_notified_on": "2026-02-20",
        },
    )
    assert extended.status_code == 200, extended.json
    assert extended.json["extended_due_on"] == "2026-04-30"
    assert extended.json["status"] == "extended"
    answered = api(
        "POST",
        f"{path}/answer",
        dpo,
        json={
            "version": extended.json["version"],
            "answered_on": "2026-03-20",
            "answer_summary": "Copie des données transmise par courriel chiffré.",
            "answer_means": "courriel",
        },
    )
    assert answered.status_code == 200, answered.json
    assert answered.json["outcome"] == "answered"
    stale = api("POST", f"{path}/close", dpo, json={"version": created["version"]})
    assert stale.status_code == 409


def test_patch_moves_the_due_date(api, dpo, session, organisation, make_request):
    record = make_request(organisation)
    session.commit()
    response = api(
        "PATCH",
        f"/rights-requests/{record.id}",
        dpo,
        json={"version": record.version, "received_on": "2025-01-31", "due_on": "2030-01-01"},
    )
    assert response.status_code == 200, response.json
    assert response.json["due_on"] == "2025-02-28"
    assert response.json["late"] is True
    missing = api("PATCH", f"/rights-requests/{record.id}", dpo, json={"details": "x"})
    assert missing.status_code == 422


def test_scoping_and_permissions(
    api, referent, auditor, session, organisation, other_organisation, make_request
):
    ours = make_request(organisation)
    theirs = make_request(other_organisation)
    session.commit()
    listed = api("GET", "/rights-requests", referent).json
    assert [item["reference"] for item in listed["items"]] == [ours.reference]
    assert api("GET", f"/rights-requests/{theirs.id}", referent).status_code == 404
    assert api("GET", f"/rights-requests/{ours.id}", auditor).status_code == 200
    response = api("POST", f"/rights-requests/{ours.id}/start", auditor, json={"version": 1})
    assert response.status_code == 403
    response = api(
        "POST",
        "/rights-requests",
        referent,
        json={
            "organisation_id": other_organisation.id,
            "person_name": "M. Durand",
            "right": "erasure",
            "channel": "post",
            "received_on": "2026-03-02",
        },
    )
    assert response.status_code in (403, 422)


def test_keyset_pages_and_filters(api, dpo, session, organisation, make_request):
    for day in (2, 3, 4):
        make_request(organisation, received_on=date(2026, 3, day))
    make_request(organisation, received_on=date(2025, 3, 3), right="erasure")
    session.commit()
    first = api("GET", "/rights-requests?per_page=2", dpo).json
    assert len(first["items"]) == 2 and first["next"]
    second = api("GET", first["next"].split("/api/v1", 1)[1], dpo).json
    assert len(second["items"]) == 2
    seen = {item["id"] for item in first["items"] + second["items"]}
    assert len(seen) == 4
    filtered = api("GET", "/rights-requests?year=2025&right=erasure", dpo).json
    assert len(filtered["items"]) == 1
    assert api("GET", "/rights-requests?right=nope", dpo).status_code == 400


def test_an_application_of_another_organisation_is_refused(
    api, dpo, organisation, other_organisation, make_application, make_deployment
):
    ours = make_application("Logiciel de l'état civil")
    theirs = make_application("Logiciel de la voisine")
    make_deployment(organisation, ours)
    make_deployment(other_organisation, theirs)
    body = {
        "organisation_id": organisation.id,
        "person_name": "Mme Claire Martin",
        "right": "access",
        "channel": "email",
        "received_on": "2026-03-16",
    }
    refused = api("POST", "/rights-requests", dpo, json=body | {"application_ids": [theirs.id]})
    assert refused.status_code == 422
    assert "application_ids" in refused.json["errors"]
    created = api("POST", "/rights-requests", dpo, json=body | {"application_ids": [ours.id]})
    assert created.status_code == 201, created.json
    assert created.json["application_ids"] == [ours.id]
    path = f"/rights-requests/{created.json['id']}"
    patch = {"application_ids": [ours.id, theirs.id], "version": created.json["version"]}
    assert api("PATCH", path, dpo, json=patch).status_code == 422
