"""The DPO's duty card on the dashboard: the incidents awaiting a decision and, for each, how
many controllers are still to decide, counted in SQL with the rule of `controllers_for`, in a
number of statements that does not grow with the incidents or the organisations."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_login import login_user

from compliance import demo as kernel_demo
from compliance.auth import User
from compliance.db import utcnow
from compliance.permissions import Role
from registers.applications import demo as map_demo
from registers.breaches import decisions, panels, services
from registers.breaches import demo as breach_demo
from registers.breaches.fanout import controllers_for
from registers.breaches.views import decisions as views_decisions
from registers.incidents import demo as incident_demo
from registers.incidents import incidents as incident_services
from registers.incidents.models import IncidentCategory, Severity
from registers.processing import demo as processing_demo
from tests.registers.breaches.test_decisions import no_breach
from tests.statements import statements_of


def both_ways(app, session, user) -> tuple[dict[int, int], dict[int, int]]:
    """incident id -> controllers still to decide, from `controllers_for` (one incident after
    the other, as the card was computed) and from the card's SQL."""
    with app.test_request_context():
        login_user(user)
        expected, names = {}, {}
        for incident in session.scalars(panels._candidates()):
            pending = [c for c in controllers_for(incident).pending if c.may_create]
            if pending:
                expected[incident.id] = len(pending)
                names[incident.id] = [c.organisation.name for c in pending][: panels.DUTY_NAMES]
        waiting, total = panels.duty_incidents(limit=None)
        counted = {incident.id: pending for incident, pending, _names in waiting}
        assert {incident.id: shown for incident, _pending, shown in waiting} == names
    assert total == len(counted)
    return expected, counted


@pytest.fixture
def several(session, shared, host, organisation, other_organisation, make_organisation):
    """Three incidents: on the payroll software, flagged and naming Arcueil (Ivry has a breach,
    Gentilly a decision); on the payroll software, not flagged; reported by Ivry, flagged."""
    arcueil = make_organisation("Arcueil")
    flagged = make_incident_now(session, host, [shared["payroll"]], organisation_ids=[arcueil.id])
    make_incident_now(session, host, [shared["payroll"]], personal_data=None)
    make_incident_now(session, organisation, [])
    decisions.record_no_breach(session, flagged, no_breach([other_organisation]), actor="test")
    ivry = next(
        c
        for c in controllers_for(flagged, session=session, everything=True).controllers
        if c.organisation.id == organisation.id
    )
    services.open_breaches_for_incident(
        session, flagged, [(ivry, utcnow(), utcnow())], actor="test"
    )
    session.commit()
    return arcueil


def make_incident_now(session, reporter, applications, **data):
    values = {
        "title": "Poste nomade perdu",
        "organisation_id": reporter.id,
        "category": IncidentCategory.MALWARE,
        "severity": Severity.HIGH,
        "detection_source": "internal",
        "detected_at": utcnow(),
        "personal_data": True,
        "description": "Un poste perdu.",
        "application_ids": [a.id for a in applications],
        **data,
    }
    return incident_services.create_incident(session, values, actor="test")


def test_the_sql_counts_equal_the_fanout_for_several_controllers(
    app, session, several, make_user, organisation, other_organisation, third_organisation
):
    everywhere = make_user(Role.DPO, organisation, other_organisation, third_organisation, several)
    partly = make_user(Role.DPO, organisation, other_organisation, several)
    referent = make_user(Role.REFERENT, organisation)
    session.commit()
    expected, counted = both_ways(app, session, everywhere)
    assert counted == expected and sorted(counted.values()) == [1, 2, 3]
    expected, counted = both_ways(app, session, partly)
    assert counted == expected and sorted(counted.values()) == [1, 1, 2]
    assert both_ways(app, session, referent) == ({}, {})


def test_the_sql_counts_equal_the_fanout_on_the_demo(app, session):
    organisations = kernel_demo.load_organisations(session, "test")
    kernel_demo.load_users(session, organisations, "test")
    for module in (map_demo, incident_demo, processing_demo, breach_demo):
        module.load(session, actor="test")
    session.commit()
    for user in session.scalars(sa.select(User)):
        expected, counted = both_ways(app, session, user)
        assert counted == expected


def test_the_card_costs_the_same_for_2_and_20_incidents(
    app, client, login_as, session, shared, host, organisation, other_organisation
):
    login_as(Role.DPO, organisation, other_organisation)

    def statements(how_many: int) -> int:
        for _ in range(how_many):
            make_incident_now(session, host, [shared["payroll"]])
        session.commit()
        return statements_of(app, client, "/")

    assert statements(2) == statements(18)
    page = client.get("/").get_data(as_text=True)
    assert "20 incidents peuvent toucher des données personnelles" in page
    assert "2 responsables à décider" in page and "et 12 autres incidents" in page


def test_the_card_counts_up_to_a_bound(
    app, client, login_as, session, shared, host, organisation, other_organisation, monkeypatch
):
    """The count stops past DUTY_COUNTED: a national service's thousands of incidents cost what
    a hundred do, and the card says "more than"."""
    login_as(Role.DPO, organisation, other_organisation)
    for _ in range(12):
        make_incident_now(session, host, [shared["payroll"]])
    session.commit()
    monkeypatch.setattr(panels, "DUTY_COUNTED", 10)
    page = client.get("/").get_data(as_text=True)
    assert "Plus de 10 incidents peuvent toucher des données personnelles" in page
    assert "et plus de 2 autres incidents" in page
    monkeypatch.setattr(panels, "DUTY_COUNTED", 12)
    page = client.get("/").get_data(as_text=True)
    assert "12 incidents peuvent toucher des données personnelles" in page
    assert "Plus de" not in page and "et 4 autres incidents" in page


def test_the_card_costs_the_same_for_2_and_20_organisations(
    app, client, login_as, session, shared, host, make_organisation, make_deployment
):
    made = iter(range(1000))

    def statements(how_many: int) -> int:
        batch = next(made)
        members = [make_organisation(f"Commune {batch}-{index:02d}") for index in range(how_many)]
        for member in members:
            make_deployment(member, shared["payroll"])
        login_as(Role.DPO, *members)
        make_incident_now(session, host, [shared["payroll"]])
        session.commit()
        counted = statements_of(app, client, "/")
        client.post("/logout")
        return counted

    assert statements(2) == statements(20)


def test_the_card_links_to_every_incident_to_assess_a_page_at_a_time(
    app, client, login_as, session, shared, host, organisation, other_organisation, monkeypatch
):
    login_as(Role.DPO, organisation, other_organisation)
    made = [make_incident_now(session, host, [shared["payroll"]]) for _ in range(12)]
    session.commit()
    card = client.get("/").get_data(as_text=True)
    assert 'href="/breaches/to-assess"' in card
    monkeypatch.setattr(views_decisions, "TO_ASSESS_PAGE_SIZE", 10)
    first = client.get("/breaches/to-assess").get_data(as_text=True)
    second = client.get("/breaches/to-assess?page=2").get_data(as_text=True)
    # The oldest first, each once, with its controllers still to decide.
    shown = [i for i in made if f"/incidents/{i.id}#breaches" in first]
    assert len(shown) == 10 and "2 responsables à décider" in first
    assert all(f"/incidents/{i.id}#breaches" in second for i in made if i not in shown)
    assert all(f"/incidents/{i.id}#breaches" not in second for i in shown)


def test_the_list_to_assess_is_for_those_who_decide(app, client, login_as, organisation):
    login_as(Role.AUDITOR, organisation)
    assert client.get("/breaches/to-assess").status_code == 403
    client.post("/logout")
    login_as(Role.DPO, organisation)
    page = client.get("/breaches/to-assess")
    assert page.status_code == 200
    assert "Aucun incident en attente d'une décision du délégué." in page.get_data(as_text=True)
