"""The watch's JSON API: the pages' scoping and permissions, keyset pages, 422 on invalid
values, 409 on a stale version."""

from __future__ import annotations

import pytest

from compliance.permissions import Role
from registers.watch import services
from registers.watch.importer import import_document
from tests.registers.watch.conftest import FIXTURES


@pytest.fixture
def api(client):
    def call(method: str, path: str, token: str, **kwargs):
        headers = {"Authorization": f"Bearer {token}"}
        return client.raw.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


@pytest.fixture
def ciso(make_user, libriciel, token_for):
    return token_for(make_user(Role.CISO, libriciel["host"], libriciel["ivry"], libriciel["vitry"]))


BODY = {
    "source": "vendor",
    "reference": "BL-SA-2026-014",
    "title": "Injection SQL dans i-Parapheur",
    "published_on": "2026-11-02",
    "severity": "medium",
    "cve_ids": ["CVE-2026-40112"],
    "products": [{"vendor": "Libriciel", "product": "i-Parapheur", "versions": "< 5.1.4"}],
}


def test_create_read_update_and_treat(api, ciso, session):
    created = api("POST", "/advisories", ciso, json=BODY)
    assert created.status_code == 201, created.json
    advisory = created.json
    assert advisory["products"][0]["product"] == "i-Parapheur"
    listing = api("GET", "/advisories?severity=medium", ciso).json
    assert [item["reference"] for item in listing["items"]] == ["BL-SA-2026-014"]
    stale = api(
        "PATCH", f"/advisories/{advisory['id']}", ciso, json={"version": 0, "severity": "high"}
    )
    assert stale.status_code == 409
    changed = api(
        "PATCH",
        f"/advisories/{advisory['id']}",
        ciso,
        json={"version": advisory["version"], "severity": "high"},
    )
    assert changed.status_code == 200 and changed.json["severity"] == "high"
    from registers.watch.models import Advisory

    record = session.get(Advisory, advisory["id"])
    services.confirm_match(session, record.matches[0], actor="t", today=record.published_on)
    session.commit()
    treatments = api("GET", f"/advisories/{advisory['id']}/treatments", ciso).json["items"]
    assert len(treatments) == 2 and treatments[0]["due_on"] == "2026-12-02"
    first = treatments[0]
    refused = api(
        "PATCH",
        f"/advisories/treatments/{first['id']}",
        ciso,
        json={"version": first["version"], "state": "patched"},
    )
    assert refused.status_code == 422 and "patched_on" in refused.json["errors"]
    done = api(
        "PATCH",
        f"/advisories/treatments/{first['id']}",
        ciso,
        json={"version": first["version"], "state": "patched", "patched_on": "2026-11-10"},
    )
    assert done.status_code == 200 and done.json["closed_on"] == "2026-11-10"


def test_invalid_values_422_and_nothing_written(api, ciso):
    response = api("POST", "/advisories", ciso, json={**BODY, "cvss_score": 11, "severity": "x"})
    assert response.status_code == 422
    assert {"cvss_score", "severity"} <= set(response.json["errors"])
    assert api("GET", "/advisories", ciso).json["items"] == []


def test_referent_reads_own_exposure_and_cannot_write(
    api, make_user, token_for, session, libriciel, make_advisory
):
    ours = make_advisory()
    services.confirm_match(session, ours.matches[0], actor="t", today=ours.published_on)
    theirs = make_advisory(products=[{"product": "S2low"}])
    services.confirm_match(session, theirs.matches[0], actor="t", today=theirs.published_on)
    token = token_for(make_user(Role.REFERENT, libriciel["vitry"]))
    references = [item["reference"] for item in api("GET", "/advisories", token).json["items"]]
    assert references == [ours.reference]
    assert api("GET", f"/advisories/{theirs.id}", token).status_code == 404
    treatments = api("GET", f"/advisories/{ours.id}/treatments", token).json["items"]
    assert [t["organisation_id"] for t in treatments] == [libriciel["vitry"].id]
    assert api("POST", "/advisories", token, json=BODY).status_code == 403


def test_keyset_pages(api, ciso, make_advisory, session):
    references = []
    for day in (3, 1, 2, 2):
        references.append(make_advisory(published_on=f"2026-11-0{day}").reference)
    session.commit()
    seen, url = [], "/advisories?per_page=1"
    while url:
        answer = api("GET", url, ciso).json
        seen += [item["reference"] for item in answer["items"]]
        url = answer["next"] and answer["next"].removeprefix("/api/v1")
    assert len(seen) == 4 and set(seen) == set(references)
    # Newest first, the later recorded first on the same day.
    assert seen == [references[0], references[3], references[2], references[1]]


def test_treatment_patch_changes_only_what_is_sent(api, ciso, session, make_advisory):
    advisory = make_advisory()
    treatment = services.confirm_match(
        session, advisory.matches[0], actor="t", today=advisory.published_on
    )[0]
    session.commit()
    path = f"/advisories/treatments/{treatment.id}"
    first = api(
        "PATCH",
        path,
        ciso,
        json={"version": treatment.version, "state": "mitigated", "mitigation": "Filtrage WAF"},
    )
    assert first.status_code == 200, first.json
    noted = api(
        "PATCH", path, ciso, json={"version": first.json["version"], "notes": "Vu en comité"}
    )
    assert noted.status_code == 200, noted.json
    assert noted.json["state"] == "mitigated" and noted.json["mitigation"] == "Filtrage WAF"
    assert noted.json["notes"] == "Vu en comité"
    blanked = api("PATCH", path, ciso, json={"version": noted.json["version"], "mitigation": None})
    assert blanked.status_code == 422 and "mitigation" in blanked.json["errors"]


def test_imported_advisory_read_with_its_revision(api, ciso, session):
    data = (FIXTURES / "certfr-2026-avi-0871.json").read_bytes()
    advisory = import_document(session, data, "certfr.json", actor="t").advisory
    session.commit()
    read = api("GET", f"/advisories/{advisory.id}", ciso)
    assert read.status_code == 200, read.json
    assert read.json["revision"] == "1"
    assert read.json["revised_at"].startswith("2026-11-18T10:00:00")
