"""The risk register's JSON API: the pages' scoping and permissions, the DPO's restriction,
422 on invalid values and a refused rule, 409 on a stale version."""

from __future__ import annotations

import pytest

from compliance.permissions import Role
from tests.registers.risks.conftest import risk_values


@pytest.fixture
def api(client):
    def call(method: str, path: str, token: str, **kwargs):
        headers = {"Authorization": f"Bearer {token}"}
        return client.raw.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


def _json(organisation, **data):
    values = risk_values(organisation, **data)
    values["identified_on"] = values["identified_on"].isoformat()
    return values


def test_create_read_list_update(api, session, make_user, token_for, organisation):
    token = token_for(make_user(Role.CISO, organisation))
    created = api("POST", "/risks", token, json=_json(organisation))
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["reference"].startswith("RSK-2026-")
    assert body["inherent_score"] == 12 and body["inherent_level"] == "critical"
    assert api("GET", f"/risks/{body['id']}", token).get_json()["id"] == body["id"]
    listed = api("GET", "/risks?level=critical", token).get_json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert api("GET", "/risks?level=low", token).get_json()["items"] == []
    changed = api(
        "PATCH",
        f"/risks/{body['id']}",
        token,
        json={"version": body["version"], "residual_likelihood": 2, "residual_impact": 2},
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["residual_level"] == "moderate"
    stale = api("PATCH", f"/risks/{body['id']}", token, json={"version": 1, "impact": 1})
    assert stale.status_code == 409


def test_invalid_values_and_rules_answer_422(api, make_user, token_for, organisation):
    token = token_for(make_user(Role.CISO, organisation))
    bad = api("POST", "/risks", token, json=_json(organisation, likelihood=5))
    assert bad.status_code == 422 and "likelihood" in bad.get_json()["errors"]
    refused = api(
        "POST", "/risks", token, json=_json(organisation, residual_likelihood=4, residual_impact=1)
    )
    assert refused.status_code == 422 and "residual_likelihood" in refused.get_json()["errors"]


def test_the_dpo_through_the_api(api, session, make_user, token_for, make_risk, organisation):
    token = token_for(make_user(Role.DPO, organisation))
    refused = api("POST", "/risks", token, json=_json(organisation))
    assert refused.status_code == 422 and "personal_data" in refused.get_json()["errors"]
    accepted = api("POST", "/risks", token, json=_json(organisation, personal_data=True))
    assert accepted.status_code == 201
    security = make_risk(organisation, title="Panne du pare-feu")
    session.commit()
    patch = api("PATCH", f"/risks/{security.id}", token, json={"version": security.version})
    assert patch.status_code == 403


def test_scoping_and_read_only_roles(
    api, session, make_user, token_for, make_risk, organisation, other_organisation
):
    theirs = make_risk(other_organisation)
    ours = make_risk(organisation)
    session.commit()
    referent = token_for(make_user(Role.REFERENT, organisation))
    assert api("GET", f"/risks/{theirs.id}", referent).status_code == 404
    assert [i["id"] for i in api("GET", "/risks", referent).get_json()["items"]] == [ours.id]
    assert api("POST", "/risks", referent, json=_json(organisation)).status_code == 403
    auditor = token_for(make_user(Role.AUDITOR, organisation))
    patch = api("PATCH", f"/risks/{ours.id}", auditor, json={"version": ours.version})
    assert patch.status_code == 403


@pytest.mark.parametrize("sort", ["level", "-level", "reference", "review", "organisation"])
def test_pages_follow_next(api, session, make_user, token_for, make_risk, organisation, sort):
    made = [
        make_risk(organisation, likelihood=1 + n % 4, impact=1 + n % 3, review_on=None)
        for n in range(5)
    ]
    session.commit()
    token = token_for(make_user(Role.AUDITOR, organisation))
    seen, url = [], f"/risks?per_page=2&sort={sort}"
    while url:
        body = api("GET", url, token).get_json()
        seen += [item["id"] for item in body["items"]]
        url = body["next"] and body["next"].removeprefix("/api/v1")
    assert sorted(seen) == sorted(r.id for r in made) and len(seen) == len(set(seen))
