"""The JSON API of the record: filters, scoping, creation, PATCH with optimistic locking, the
workflow and its permissions."""

from __future__ import annotations

import pytest

from compliance.permissions import Role
from registers.processing.models import ProcessingActivity


@pytest.fixture
def api(client):
    def call(method: str, path: str, token: str | None = None, **kwargs):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.raw.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


@pytest.fixture
def register(session, organisation, other_organisation, make_activity, make_application):
    adagio = make_application("Adagio")
    activities = {
        "elections": make_activity(organisation, application_ids=[adagio.id]),
        "housing": make_activity(
            organisation, name="Demandes de logement", dpia_cnil_types=["social_housing"]
        ),
        "gentilly": make_activity(other_organisation, name="Paie"),
    }
    session.commit()
    return activities, adagio


def _names(response) -> set[str]:
    assert response.status_code == 200, response.json
    return {item["name"] for item in response.json["items"]}


def test_list_is_scoped_and_filtered(api, session, organisation, make_user, token_for, register):
    activities, adagio = register
    token = token_for(make_user(Role.REFERENT, organisation))
    assert _names(api("GET", "/processing-activities", token)) == {
        "Gestion de la liste électorale",
        "Demandes de logement",
    }
    assert _names(api("GET", f"/processing-activities?application={adagio.id}", token)) == {
        "Gestion de la liste électorale"
    }
    assert _names(api("GET", "/processing-activities?dpia_required=true", token)) == {
        "Demandes de logement"
    }
    assert _names(api("GET", "/processing-activities?status=validated", token)) == set()
    assert api("GET", "/processing-activities?status=nope", token).status_code == 400
    other = activities["gentilly"]
    assert api("GET", f"/processing-activities/{other.id}", token).status_code == 404
    detail = api("GET", f"/processing-activities/{activities['housing'].id}", token).json
    assert detail["dpia_screening"]["required"] is True
    assert detail["completeness"]["score"] == 100
    assert {w["code"] for w in detail["warnings"]} == {"dpia_not_done"}


def test_token_required(api):
    assert api("GET", "/processing-activities").status_code == 401


def test_create_update_conflict_submit_validate(api, session, organisation, make_user, token_for):
    referent = token_for(make_user(Role.REFERENT, organisation))
    dpo = token_for(make_user(Role.DPO, organisation))
    response = api(
        "POST",
        "/processing-activities",
        referent,
        json={
            "organisation_id": organisation.id,
            "name": "Facturation périscolaire",
            "purposes": [{"description": "Facturer", "legal_basis": "public_task"}],
        },
    )
    assert response.status_code == 201, response.json
    created = response.json
    assert response.headers["Location"].endswith(f"/processing-activities/{created['id']}")
    path = f"/processing-activities/{created['id']}"

    response = api("PATCH", path, referent, json={"name": "Sans version"})
    assert response.status_code == 422 and "version" in response.json["errors"]
    response = api(
        "PATCH", path, referent, json={"name": "Facturation", "version": created["version"]}
    )
    assert response.status_code == 200 and response.json["name"] == "Facturation"
    stale = api("PATCH", path, referent, json={"name": "X", "version": created["version"]})
    assert stale.status_code == 409 and stale.json["current"]["name"] == "Facturation"

    assert api("POST", f"{path}/submit", referent).json["status"] == "submitted"
    assert api("POST", f"{path}/validate", referent).status_code == 403
    override = "Fiche minimale validée pour l'ouverture du service, compléments sous un mois."
    response = api(
        "POST",
        f"{path}/validate",
        dpo,
        json={"remarks": "Conforme", "override_reason": override},
    )
    assert response.status_code == 200 and response.json["status"] == "validated"
    assert response.json["dpo_remarks"] == "Conforme"


def test_bad_values_write_nothing(api, session, organisation, make_user, token_for):
    token = token_for(make_user(Role.REFERENT, organisation))
    response = api(
        "POST",
        "/processing-activities",
        token,
        json={"organisation_id": organisation.id, "name": "X", "subjects": [{"category": "?"}]},
    )
    assert response.status_code == 422 and "subjects[0].category" in response.json["errors"]
    response = api(
        "POST",
        "/processing-activities",
        token,
        json={"organisation_id": organisation.id, "name": "X", "colour": "blue"},
    )
    assert response.status_code == 422 and response.json["errors"] == {"colour": "champ inconnu"}
    assert session.query(ProcessingActivity).count() == 0


def test_auditor_reads_only(api, organisation, other_organisation, make_user, token_for, register):
    activities, _ = register
    token = token_for(make_user(Role.AUDITOR, organisation))
    assert len(api("GET", "/processing-activities", token).json["items"]) == 2
    path = f"/processing-activities/{activities['elections'].id}"
    assert api("PATCH", path, token, json={"name": "X", "version": 1}).status_code == 403
    assert api("POST", f"{path}/submit", token).status_code == 403
    response = api(
        "POST", "/processing-activities", token, json={"organisation_id": organisation.id}
    )
    assert response.status_code == 403
    response = api(
        "POST", "/processing-activities", token, json={"organisation_id": other_organisation.id}
    )
    # An auditor creates nowhere: refused before the body is read, whatever it names.
    assert response.status_code == 403


def test_openapi_lists_the_paths(api):
    paths = api("GET", "/openapi.json").json["paths"]
    assert "/processing-activities/{record_id}/validate" in paths


def test_data_source_and_joint_arrangement_through_the_api(
    api, session, organisation, make_user, token_for, make_activity
):
    """Art. 14(2)(f) and Art. 26: the API takes and answers the source of data not collected
    from the person and the joint controllers' arrangement; completeness names what lacks."""
    activity = make_activity(organisation)
    session.commit()
    token = token_for(make_user(Role.REFERENT, organisation))
    path = f"/processing-activities/{activity.id}"
    current = api("GET", path, token).json
    assert current["indirect_collection"] is False and current["data_source"] is None
    assert current["completeness"]["score"] == 100
    response = api(
        "PATCH",
        path,
        token,
        json={
            "version": current["version"],
            "indirect_collection": "oui",
            "role": "joint_controller",
            "other_controllers": "CCAS d'Ivry-sur-Seine",
        },
    )
    assert response.status_code == 200, response.json
    missing = {item["code"] for item in response.json["completeness"]["missing"]}
    assert missing == {"data_source", "joint_arrangement"}
    response = api(
        "PATCH",
        path,
        token,
        json={
            "version": response.json["version"],
            "data_source": "Répertoire électoral unique (INSEE)",
            "joint_arrangement": "Convention ville / CCAS du 12 janvier 2019",
        },
    )
    assert response.status_code == 200, response.json
    assert response.json["data_source"] == "Répertoire électoral unique (INSEE)"
    assert response.json["completeness"] == {"score": 100, "missing": []}
    document = api("GET", "/openapi.json").json
    schemas = document["components"]["schemas"]
    assert "data_source" in schemas["ActivityRead"]["properties"]
    assert "indirect_collection" in schemas["ActivityCreateBody"]["properties"]
