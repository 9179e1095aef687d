"""The JSON API: /api/v1/awareness-sessions and /api/v1/annual-reports, with the pages'
permissions and scoping."""

from __future__ import annotations

import pytest

from registers.annual.schemas import LAST_YEAR
from tests.registers.annual.conftest import YEAR, paris


@pytest.fixture
def api(client, token_for):
    def call(user, method, url, **kwargs):
        token = token_for(user)
        return client.raw.open(
            url, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs
        )

    return call


def test_sessions_list_create_change_and_archive(
    api, make_user, session, organisation, other_organisation, make_session
):
    make_session(other_organisation)
    referent = make_user("referent", organisation)
    session.commit()
    body = {
        "organisation_id": organisation.id,
        "held_on": f"{YEAR}-03-04",
        "audience": "Agents",
        "topic": "Hameçonnage",
        "attendees": 9,
    }
    created = api(referent, "POST", "/api/v1/awareness-sessions", json=body)
    assert created.status_code == 201, created.json
    record_id = created.json["id"]
    listing = api(referent, "GET", f"/api/v1/awareness-sessions?year={YEAR}")
    assert [item["id"] for item in listing.json["items"]] == [record_id]
    url = f"/api/v1/awareness-sessions/{record_id}"
    assert api(referent, "PATCH", url, json={"attendees": 10}).status_code == 422
    stale = api(referent, "PATCH", url, json={"attendees": 10, "version": 7})
    assert stale.status_code == 409
    changed = api(referent, "PATCH", url, json={"attendees": 10, "archived": True, "version": 1})
    assert changed.status_code == 200 and changed.json["archived"] is True
    assert changed.json["attendees"] == 10
    theirs = {**body, "organisation_id": other_organisation.id}
    assert api(referent, "POST", "/api/v1/awareness-sessions", json=theirs).status_code == 422


def test_report_figures_of_a_member_and_of_the_service(
    api, make_user, session, organisation, other_organisation, host, make_breach
):
    make_breach(organisation, awareness_at=paris(YEAR, 2, 2))
    make_breach(other_organisation, awareness_at=paris(YEAR, 2, 2))
    dpo = make_user("dpo", host, organisation, other_organisation)
    referent = make_user("referent", organisation)
    session.commit()
    member = api(dpo, "GET", f"/api/v1/annual-reports/members/{organisation.slug}?year={YEAR}")
    assert member.status_code == 200
    assert member.json["breaches"]["breaches"] == 1 and member.json["service"] is False
    service = api(dpo, "GET", f"/api/v1/annual-reports/service?year={YEAR}")
    assert service.json["breaches"]["breaches"] == 2 and service.json["service"] is True
    assert set(service.json["organisation_ids"]) == {
        host.id,
        organisation.id,
        other_organisation.id,
    }
    assert "by_right" in service.json["rights"]
    mine = f"/api/v1/annual-reports/members/{other_organisation.slug}"
    assert api(referent, "GET", mine).status_code == 404
    assert api(referent, "GET", "/api/v1/annual-reports/service").status_code == 403
    bad = api(dpo, "GET", f"/api/v1/annual-reports/members/{organisation.slug}?year=1800")
    assert bad.status_code in (400, 422)


def test_the_service_report_covers_the_organisations_served_that_year(
    api, app, make_user, session, organisation, other_organisation, host, monkeypatch
):
    """The command, the page and the API take the same organisations: the active ones and
    those deactivated during or after the year (here in the current year, after YEAR)."""
    import click

    from compliance.admin import services as admin_services
    from compliance.cli import main
    from registers.annual import cli as annual_cli
    from registers.annual.queries import served_organisations

    dpo = make_user("dpo", host, organisation, other_organisation)
    admin_services.update_organisation(
        session, other_organisation, {"is_active": False}, actor="test"
    )
    session.commit()
    every = {host.id, organisation.id, other_organisation.id}
    assert {o.id for o in served_organisations(session, YEAR)} == every
    assert {o.id for o in served_organisations(session, LAST_YEAR)} == every - {
        other_organisation.id
    }
    service = api(dpo, "GET", f"/api/v1/annual-reports/service?year={YEAR}")
    assert set(service.json["organisation_ids"]) == every
    later = api(dpo, "GET", f"/api/v1/annual-reports/service?year={LAST_YEAR}")
    assert other_organisation.id not in later.json["organisation_ids"]
    taken = []

    def capture(_session, _host, organisations, _year):
        taken.extend(o.id for o in organisations)
        raise click.ClickException("captured")

    monkeypatch.setattr(annual_cli, "service_report", capture)
    command = ["export", "annual-report", "--org", "all", "--year", str(YEAR), "-o", "x.docx"]
    result = app.test_cli_runner().invoke(main, command, obj=app)
    assert "captured" in result.output and set(taken) == every
