"""The map's JSON API: lists with filters and pages, details, creation, PATCH with optimistic
locking, field errors that write nothing, tokens, and the pages' scoping."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from compliance.audit import AuditEntry
from registers.applications.models import Application, Deployment


@pytest.fixture
def api(client):
    def call(method: str, path: str, token: str | None = None, **kwargs):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.raw.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


@pytest.fixture
def catalogue(
    session, host, organisation, other_organisation, make_vendor, make_application, make_deployment
):
    arpege = make_vendor("ARPEGE")
    berger = make_vendor("BERGER-LEVRAULT", dpa_status="signed")
    apps = {
        "melodie": make_application(
            "Mélodie", vendor_id=arpege.id, domain="Affaires civiles", functions=["Etat civil"]
        ),
        "gf": make_application("Sedit.GF", vendor_id=berger.id, availability=3),
        "social": make_application(
            "BL SOCIAL",
            vendor_id=berger.id,
            domain="Action sociale",
            functions=["Aides sociales", "Portage de repas"],
            hosting="vendor_saas",
        ),
        "unused": make_application("Requiem", domain="Funéraire", functions=["Cimetières"]),
    }
    make_deployment(organisation, apps["melodie"])
    make_deployment(organisation, apps["gf"])
    make_deployment(other_organisation, apps["social"])
    session.commit()
    return apps


@pytest.fixture
def ciso(make_user, host, organisation, other_organisation, token_for):
    return token_for(make_user("ciso", host, organisation, other_organisation))


@pytest.fixture
def referent(make_user, organisation, token_for):
    return token_for(make_user("referent", organisation))


def _names(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()["items"]]


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_no_token_is_a_401(api, catalogue):
    for path in (
        "/applications",
        "/vendors",
        "/deployments",
        f"/applications/{catalogue['gf'].id}",
    ):
        response = api("GET", path)
        assert response.status_code == 401
        assert response.get_json()["error"] == "unauthorized"
    assert api("POST", "/applications", json={"name": "X"}).status_code == 401


def test_list_is_paginated_and_sorted(api, catalogue, ciso):
    body = api("GET", "/applications?per_page=2&page=1", ciso).get_json()
    assert (body["total"], body["pages"], body["page"]) == (4, 2, 1)
    assert [item["name"] for item in body["items"]] == ["BL SOCIAL", "Mélodie"]
    assert _names(api("GET", "/applications?per_page=2&page=2", ciso)) == ["Requiem", "Sedit.GF"]
    assert _names(api("GET", "/applications?sort=-name", ciso))[0] == "Sedit.GF"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=melodie", ["Mélodie"]),
        ("q=berger levrault", ["BL SOCIAL", "Sedit.GF"]),
        ("q=portage", ["BL SOCIAL"]),
        ("domain=Action sociale", ["BL SOCIAL"]),
        ("hosting=vendor_saas", ["BL SOCIAL"]),
        ("status=retired", []),
    ],
)
def test_filters(api, catalogue, ciso, query, expected):
    assert _names(api("GET", f"/applications?{query}", ciso)) == expected


def test_vendor_and_organisation_filters(api, catalogue, ciso, organisation):
    vendor_id = catalogue["gf"].vendor_id
    assert _names(api("GET", f"/applications?vendor_id={vendor_id}", ciso)) == [
        "BL SOCIAL",
        "Sedit.GF",
    ]
    by_org = api("GET", f"/applications?organisation_id={organisation.id}", ciso)
    assert _names(by_org) == ["Mélodie", "Sedit.GF"]


@pytest.mark.parametrize("query", ["hosting=cloud", "vendor_id=two", "sort=colour", "page=x"])
def test_bad_filters_are_a_json_400(api, catalogue, ciso, query):
    response = api("GET", f"/applications?{query}", ciso)
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"


def test_detail_holds_functions_vendor_deployments_and_interfaces(
    api, catalogue, ciso, organisation
):
    response = api("GET", f"/applications/{catalogue['social'].id}", ciso)
    assert response.status_code == 200
    body = response.get_json()
    assert body["vendor"]["name"] == "BERGER-LEVRAULT"
    assert body["functions"] == [
        {"domain": "Action sociale", "name": "Aides sociales"},
        {"domain": "Action sociale", "name": "Portage de repas"},
    ]
    assert body["hosting"] == "vendor_saas"
    assert [d["organisation"]["slug"] for d in body["deployments"]] == ["gentilly"]
    assert body["interfaces"] == []
    assert body["version"] == 1
    assert api("GET", "/applications/999999", ciso).status_code == 404


def test_a_referent_sees_only_their_organisations_applications_and_deployments(
    api, catalogue, referent
):
    assert _names(api("GET", "/applications", referent)) == ["Mélodie", "Sedit.GF"]
    assert api("GET", f"/applications/{catalogue['social'].id}", referent).status_code == 404
    deployments = api("GET", "/deployments?total=1", referent).get_json()
    assert {d["application"]["name"] for d in deployments["items"]} == {"Mélodie", "Sedit.GF"}
    assert deployments["total"] == 2
    vendors = api("GET", "/vendors", referent).get_json()
    assert {v["name"] for v in vendors["items"]} == {"ARPEGE", "BERGER-LEVRAULT"}
    detail = api("GET", f"/vendors/{catalogue['gf'].vendor_id}", referent).get_json()
    assert [a["name"] for a in detail["applications"]] == ["Sedit.GF"]  # not BL SOCIAL


def test_create_an_application(api, catalogue, ciso, session):
    response = api(
        "POST",
        "/applications",
        ciso,
        json={
            "name": "Ciril RH",
            "vendor_name": "CIRIL GROUP",
            "functions": [{"domain": "RH", "name": "Paie"}],
            "confidentiality": 4,
            "hds_required": False,
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/applications/{body['id']}")
    assert body["vendor"]["name"] == "CIRIL GROUP"
    assert body["domain"] == "RH"
    assert body["confidentiality"] == 4
    entry = session.scalar(
        select(AuditEntry)
        .where(AuditEntry.object_type == "Application")
        .order_by(AuditEntry.seq.desc())
    )
    assert (entry.action, entry.object_id) == ("create", str(body["id"]))


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "X", "availability": 5}, "availability"),
        ({"name": "X", "colour": "blue"}, "colour"),
        ({"name": ""}, "name"),
        ({"name": "sedit gf"}, "name"),  # the same software as Sedit.GF
        ({"name": "X", "functions": "Paie"}, "functions"),
    ],
)
def test_bad_input_is_a_422_with_field_errors_and_writes_nothing(
    api, catalogue, ciso, session, payload, field
):
    before = (_count(session, Application), _count(session, AuditEntry))
    response = api("POST", "/applications", ciso, json=payload)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert (_count(session, Application), _count(session, AuditEntry)) == before


def test_a_body_that_is_not_a_json_object_is_a_400(api, catalogue, ciso):
    response = api("POST", "/applications", ciso, data="name=X")
    assert response.status_code == 400


@pytest.mark.parametrize("role", ["referent", "dpo", "auditor"])
def test_only_ciso_and_admin_write(api, catalogue, make_user, host, organisation, token_for, role):
    token = token_for(make_user(role, host, organisation))
    application = catalogue["gf"]
    assert api("POST", "/applications", token, json={"name": "X"}).status_code == 403
    patch = api("PATCH", f"/applications/{application.id}", token, json={"version": 1})
    assert patch.status_code == 403
    assert api("POST", "/vendors", token, json={"name": "X"}).status_code == 403


def test_patch_with_optimistic_locking(api, catalogue, ciso, session):
    application = catalogue["gf"]
    path = f"/applications/{application.id}"
    first = api("PATCH", path, ciso, json={"availability": 4, "version": 1})
    assert first.status_code == 200, first.get_json()
    assert (first.get_json()["availability"], first.get_json()["version"]) == (4, 2)
    stale = api("PATCH", path, ciso, json={"availability": 1, "version": 1})
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["error"] == "conflict"
    assert body["current"]["availability"] == 4
    assert body["current"]["version"] == 2
    session.expire_all()
    assert session.get(Application, application.id).availability == 4
    missing = api("PATCH", path, ciso, json={"availability": 2})
    assert missing.status_code == 422
    assert "version" in missing.get_json()["errors"]


def test_patch_archives_and_restores(api, catalogue, ciso):
    path = f"/applications/{catalogue['melodie'].id}"
    archived = api("PATCH", path, ciso, json={"archived": True, "version": 1}).get_json()
    assert archived["archived"] is True
    assert "Mélodie" not in _names(api("GET", "/applications", ciso))
    assert "Mélodie" in _names(api("GET", "/applications?include_archived=1", ciso))
    restored = api("PATCH", path, ciso, json={"archived": False, "version": archived["version"]})
    assert restored.get_json()["archived"] is False


def test_vendors_create_and_update(api, catalogue, ciso):
    created = api("POST", "/vendors", ciso, json={"name": "Libriciel SCOP", "country": "fr"})
    assert created.status_code == 201
    assert created.get_json()["country"] == "FR"
    duplicate = api("POST", "/vendors", ciso, json={"name": "LIBRICIEL-SCOP"})
    assert duplicate.status_code == 422
    vendor_id = created.get_json()["id"]
    updated = api(
        "PATCH",
        f"/vendors/{vendor_id}",
        ciso,
        json={"dpa_status": "signed", "dpa_signed_on": "2023-02-01", "version": 1},
    )
    assert updated.status_code == 200
    assert updated.get_json()["dpa_signed_on"] == "2023-02-01"
    signed = api("GET", "/vendors?dpa_status=signed", ciso).get_json()
    assert {v["name"] for v in signed["items"]} == {"BERGER-LEVRAULT", "Libriciel SCOP"}


def test_vendors_without_an_art28_agreement(api, catalogue, ciso, make_vendor, session):
    """The vendors list's filter "without agreement": none or requested, not signed nor "not
    applicable" (Art. 28(3))."""
    make_vendor("Technocarte", dpa_status="requested")
    make_vendor("Libriciel", dpa_status="not_applicable")
    session.commit()
    missing = _names(api("GET", "/vendors?without_agreement=1", ciso))
    assert sorted(missing) == ["ARPEGE", "Technocarte"]
    assert len(_names(api("GET", "/vendors", ciso))) == 4


def test_deployments_are_written_in_the_deployments_organisation(
    api, catalogue, make_user, organisation, other_organisation, token_for, session
):
    member_ciso = token_for(make_user("ciso", organisation))
    social = catalogue["social"]
    created = api(
        "POST",
        "/deployments",
        member_ciso,
        json={
            "organisation_id": organisation.id,
            "application_id": social.id,
            "functions": ["Aides sociales"],
            "since": "2016-01-01",
        },
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["effective_hosting"] == "vendor_saas"
    elsewhere = api(
        "POST",
        "/deployments",
        member_ciso,
        json={"organisation_id": other_organisation.id, "application_id": catalogue["gf"].id},
    )
    # An organisation where the user holds no role is refused as an unknown one would be.
    assert elsewhere.status_code == 422
    assert set(elsewhere.get_json()["errors"]) == {"organisation_id"}
    bad = api(
        "POST",
        "/deployments",
        member_ciso,
        json={
            "organisation_id": organisation.id,
            "application_id": catalogue["unused"].id,
            "functions": ["Not a function"],
        },
    )
    assert bad.status_code == 422
    assert "functions" in bad.get_json()["errors"]
    deployment_id = created.get_json()["id"]
    patched = api(
        "PATCH",
        f"/deployments/{deployment_id}",
        member_ciso,
        json={"hosting": "member_site", "version": 1},
    )
    assert patched.get_json()["effective_hosting"] == "member_site"
    theirs = session.scalar(
        select(Deployment).where(Deployment.organisation_id == other_organisation.id)
    )
    assert api("GET", f"/deployments/{theirs.id}", member_ciso).status_code == 404
    assert (
        api("PATCH", f"/deployments/{theirs.id}", member_ciso, json={"version": 1}).status_code
        == 404
    )


def test_the_openapi_document_lists_the_maps_paths(api):
    paths = api("GET", "/openapi.json").get_json()["paths"]
    for path in ("/applications", "/applications/{record_id}", "/vendors", "/deployments"):
        assert path in paths
    assert "patch" in paths["/applications/{record_id}"]


def test_interfaces_between_visible_applications(api, catalogue, ciso, referent):
    melodie, gf, social = catalogue["melodie"], catalogue["gf"], catalogue["social"]
    created = api(
        "POST",
        "/interfaces",
        ciso,
        json={"source_application_id": melodie.id, "target_application_id": gf.id, "data": "Actes"},
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["source"]["name"] == "Mélodie"
    hidden = api(
        "POST",
        "/interfaces",
        ciso,
        json={"source_application_id": social.id, "target_application_id": gf.id},
    )
    assert hidden.status_code == 201
    same = api(
        "POST",
        "/interfaces",
        ciso,
        json={"source_application_id": gf.id, "target_application_id": gf.id},
    )
    assert same.status_code == 422
    assert api("GET", "/interfaces?total=1", ciso).get_json()["total"] == 2
    # The referent of Ivry does not use BL SOCIAL: that interface is not theirs to see.
    mine = api("GET", "/interfaces", referent).get_json()
    assert [i["data"] for i in mine["items"]] == ["Actes"]
    assert api("GET", f"/interfaces/{hidden.get_json()['id']}", referent).status_code == 404
    assert api("POST", "/interfaces", referent, json={}).status_code == 403
