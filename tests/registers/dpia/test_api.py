"""The DPIA API: start from an activity, read, update the parts with the version, move through
the statuses; 422 on invalid values, 409 on a stale version, the pages' scoping."""

from __future__ import annotations

import pytest

from compliance.permissions import Role


@pytest.fixture
def api(client):
    def call(method: str, path: str, token: str, **kwargs):
        headers = {"Authorization": f"Bearer {token}"}
        return client.raw.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


@pytest.fixture
def dpo(make_user, organisation, token_for):
    return token_for(make_user(Role.DPO, organisation))


def test_start_update_and_validate_a_dpia(api, dpo, session, organisation, make_activity):
    activity = make_activity(organisation, dpia_criteria=["sensitive_data", "large_scale"])
    session.commit()
    created = api("POST", "/dpias", dpo, json={"processing_id": activity.id})
    assert created.status_code == 201, created.json
    dpia = created.json
    assert dpia["status"] == "draft" and "Tenir la liste électorale" in dpia["purposes"]
    assert len(dpia["risks"]) == 3 and dpia["prior_consultation_required"] is False
    path = f"/dpias/{dpia['id']}"
    risks = {
        kind: {"severity": "maximum", "likelihood": "significant"}
        for kind in ("illegitimate_access", "unwanted_modification", "disappearance")
    }
    updated = api("PATCH", path, dpo, json={"version": dpia["version"], "risks": risks})
    assert updated.status_code == 200, updated.json
    assert updated.json["prior_consultation_required"] is True
    assert updated.json["residual_zone"] == "high"
    stale = api("PATCH", path, dpo, json={"version": dpia["version"], "standards": "HDS"})
    assert stale.status_code == 409
    step = {"step": "validate", "version": updated.json["version"]}
    refused = api("POST", f"{path}/transition", dpo, json=step)
    assert refused.status_code == 422
    assert "consultation_requested_on" in refused.json["errors"]
    listed = api("GET", "/dpias", dpo).json
    assert [item["id"] for item in listed["items"]] == [dpia["id"]]


def test_bad_values_answer_422_and_change_nothing(api, dpo, session, organisation, make_activity):
    activity = make_activity(organisation)
    session.commit()
    dpia = api("POST", "/dpias", dpo, json={"processing_id": activity.id}).json
    path = f"/dpias/{dpia['id']}"
    bad = api(
        "PATCH",
        path,
        dpo,
        json={"version": dpia["version"], "risks": {"illegitimate_access": {"severity": "huge"}}},
    )
    assert bad.status_code == 422
    assert api("GET", path, dpo).json["risks"][0]["severity"] is None


def test_another_organisation_does_not_see_the_dpia(
    api, dpo, session, make_user, other_organisation, token_for, organisation, make_activity
):
    activity = make_activity(organisation)
    session.commit()
    dpia = api("POST", "/dpias", dpo, json={"processing_id": activity.id}).json
    stranger = token_for(make_user(Role.DPO, other_organisation))
    assert api("GET", f"/dpias/{dpia['id']}", stranger).status_code == 404
    assert api("GET", "/dpias", stranger).json["items"] == []
