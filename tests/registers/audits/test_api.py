"""The audits register's JSON API: audits with their findings, management reviews with their
sections; 422 on bad values (nothing written), 409 on a stale version, the pages' permissions."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from compliance.permissions import Role
from registers.incidents.models import CorrectiveAction


@pytest.fixture
def api(client):
    def call(method: str, path: str, token: str, **kwargs):
        headers = {"Authorization": f"Bearer {token}"}
        return client.raw.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


@pytest.fixture
def ciso(make_user, host, token_for):
    return token_for(make_user(Role.CISO, host))


@pytest.fixture
def auditor(make_user, host, token_for):
    return token_for(make_user(Role.AUDITOR, host))


def test_audit_lifecycle_through_the_api(api, ciso, auditor, host, make_programme, session):
    programme = make_programme()
    session.commit()
    created = api(
        "POST",
        "/audits",
        ciso,
        json={
            "programme_id": programme.id,
            "title": "Gestion des accès",
            "scope": "Annuaire",
            "criteria": "A.5.18",
            "auditor": "Claire Auditrice",
            "planned_start": "2026-03-02",
            "planned_end": "2026-03-06",
        },
    )
    assert created.status_code == 201, created.json
    audit = created.json
    assert audit["reference"] == "AUD-2026-001" and audit["findings"] == []
    before = session.scalar(sa.select(sa.func.count()).select_from(CorrectiveAction))
    refused = api(
        "POST", f"/audits/{audit['id']}/findings", ciso, json={"kind": "minor", "description": "x"}
    )
    assert refused.status_code == 422 and "owner" in refused.json["errors"]
    added = api(
        "POST",
        f"/audits/{audit['id']}/findings",
        ciso,
        json={
            "kind": "minor",
            "description": "Comptes actifs après départ.",
            "action": "Revue trimestrielle.",
            "owner": "RSSI",
            "due_on": "2026-06-30",
        },
    )
    assert added.status_code == 201, added.json
    finding = added.json["findings"][0]
    assert finding["corrective_action"]["reference"].startswith("CA-")
    after = session.scalar(sa.select(sa.func.count()).select_from(CorrectiveAction))
    assert after == before + 1
    stale = api("PATCH", f"/audits/{audit['id']}", ciso, json={"title": "Accès", "version": 0})
    assert stale.status_code == 409
    changed = api(
        "PATCH",
        f"/audits/{audit['id']}",
        ciso,
        json={"title": "Accès", "version": added.json["version"]},
    )
    assert changed.status_code == 200 and changed.json["title"] == "Accès"
    listed = api("GET", "/audits", auditor)
    assert [item["reference"] for item in listed.json["items"]] == ["AUD-2026-001"]
    assert api("PATCH", f"/audits/{audit['id']}", auditor, json={"version": 1}).status_code == 403


def test_review_through_the_api(api, ciso, auditor, host):
    created = api(
        "POST",
        "/management-reviews",
        ciso,
        json={
            "organisation_id": host.id,
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
        },
    )
    assert created.status_code == 201, created.json
    review = created.json
    assert [s["key"] for s in review["sections"]][:2] == ["previous_actions", "corrective_actions"]
    refused = api("POST", f"/management-reviews/{review['id']}/held", ciso, json={"version": 1})
    assert refused.status_code == 422 and "held_on" in refused.json["errors"]
    changed = api(
        "PATCH",
        f"/management-reviews/{review['id']}",
        ciso,
        json={"held_on": "2026-01-20", "chair": "Le président", "version": review["version"]},
    )
    assert changed.status_code == 200, changed.json
    held = api(
        "POST",
        f"/management-reviews/{review['id']}/held",
        ciso,
        json={"version": changed.json["version"]},
    )
    assert held.status_code == 200 and held.json["status"] == "held"
    decided = api(
        "POST",
        f"/management-reviews/{review['id']}/actions",
        ciso,
        json={
            "kind": "corrective",
            "title": "Procédure des départs",
            "description": "Procédure commune RH et informatique.",
            "owner": "RSSI",
            "due_on": "2026-06-30",
        },
    )
    assert decided.status_code == 201, decided.json
    assert decided.json["actions"][0]["record_reference"].startswith("CA-")
    listed = api("GET", "/management-reviews", auditor)
    assert listed.json["items"][0]["reference"] == review["reference"]


def test_finding_update_at_the_version_read(api, ciso, make_audit, session):
    from registers.audits import services

    audit = make_audit()
    finding = services.add_finding(
        session, audit, {"kind": "observation", "description": "Procédure non datée."}, actor="t"
    )
    session.commit()
    path = f"/audits/findings/{finding.id}"
    assert api("PATCH", path, ciso, json={"clause": "A.5.15", "version": 7}).status_code == 409
    changed = api("PATCH", path, ciso, json={"clause": "A.5.15", "version": finding.version})
    assert changed.status_code == 200, changed.json
    assert changed.json["findings"][0]["clause"] == "A.5.15"
    bad = api("PATCH", path, ciso, json={"kind": "nonsense", "version": finding.version})
    assert bad.status_code == 422
