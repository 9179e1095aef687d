"""Pages of the risk register: the list with its filters and heat maps (counts linking to the
filtered list), a risk, its forms; a wrong role 403, another organisation's risk 404, bad input
400 and a stale version 409, nothing written; the panels on the other registers' pages."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from compliance.permissions import Role
from registers.risks.models import Risk


def count(session) -> int:
    session.expire_all()
    return session.scalar(sa.select(sa.func.count()).select_from(Risk))


def risk_form(organisation, **changes) -> dict:
    data = {
        "organisation_id": str(organisation.id),
        "title": "Vol d'un ordinateur portable d'élu",
        "identified_on": "2026-02-01",
        "likelihood": "2",
        "impact": "3",
        "owner": "DGS",
        "treatment": "reduce",
        "status": "identified",
    }
    data.update(changes)
    return data


@pytest.fixture
def two_risks(session, organisation, other_organisation, make_risk):
    ours = make_risk(
        organisation,
        residual_likelihood=1,
        residual_impact=4,
        accepted_by="DGS",
        accepted_on="01/03/2026",
        accepted_until="01/03/2027",
    )
    low = make_risk(organisation, title="Panne d'imprimante", likelihood=1, impact=1)
    theirs = make_risk(other_organisation, title="Risque de Gentilly")
    session.commit()
    return ours, low, theirs


def test_the_list_filters_and_counts_in_heat_maps(client, login_as, two_risks, organisation):
    ours, low, theirs = two_risks
    login_as(Role.REFERENT, organisation)
    page = client.get("/risks/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert ours.reference in text and low.reference in text and theirs.title not in text
    # Two real tables with headers, one count per cell linking to the filtered list.
    assert text.count('class="heat-map"') == 2
    assert '<th scope="row">' in text and '<th scope="col">' in text
    assert re.search(r'href="/risks/\?[^"]*likelihood=3[^"]*impact=4[^"]*"[^>]*>1</a>', text)
    assert re.search(r'residual_likelihood=1[^"]*residual_impact=4[^"]*"[^>]*>1</a>', text)
    narrowed = client.get("/risks/?likelihood=3&impact=4").get_data(as_text=True)
    assert ours.reference in narrowed and low.reference not in narrowed
    assert "Liste restreinte à une case de la cartographie" in narrowed
    by_level = client.get("/risks/?level=low").get_data(as_text=True)
    assert low.reference in by_level and ours.reference not in by_level
    assert client.get("/risks/?level=nope").status_code == 400


def test_review_late_filter(client, login_as, session, make_risk, organisation):
    late = make_risk(organisation, review_on="01/01/2020", title="Revue oubliée")
    fine = make_risk(organisation, review_on="01/01/2099", title="Revue lointaine")
    session.commit()
    login_as(Role.AUDITOR, organisation)
    text = client.get("/risks/?review_late=1").get_data(as_text=True)
    assert late.reference in text and fine.reference not in text
    assert "Revue en retard" in text


@pytest.mark.parametrize("role", [Role.CISO, Role.DPO])
def test_the_ciso_and_dpo_record_risks(client, login_as, session, organisation, role):
    login_as(role, organisation)
    assert client.get(f"/risks/new?organisation_id={organisation.id}").status_code == 200
    response = client.post(
        f"/risks/new?organisation_id={organisation.id}",
        data=risk_form(organisation, personal_data="y"),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert count(session) == 1


def test_the_dpo_may_not_record_a_risk_without_personal_data(
    client, login_as, session, organisation
):
    login_as(Role.DPO, organisation)
    response = client.post(
        f"/risks/new?organisation_id={organisation.id}", data=risk_form(organisation)
    )
    assert response.status_code == 400
    assert "données personnelles" in response.get_data(as_text=True)
    assert count(session) == 0


def test_the_dpo_may_not_edit_a_security_risk(client, login_as, two_risks, organisation):
    ours, _low, _theirs = two_risks
    login_as(Role.DPO, organisation)
    assert client.get(f"/risks/{ours.id}").status_code == 200
    assert client.get(f"/risks/{ours.id}/edit").status_code == 403


def test_bad_input_writes_nothing(client, login_as, session, organisation):
    login_as(Role.CISO, organisation)
    response = client.post(
        f"/risks/new?organisation_id={organisation.id}",
        data=risk_form(organisation, treatment="accept"),
    )
    assert response.status_code == 400
    assert "obligatoire quand le risque est accepté" in response.get_data(as_text=True)
    assert count(session) == 0


def test_edit_and_a_stale_version(client, login_as, session, two_risks, organisation):
    ours, _low, _theirs = two_risks
    login_as(Role.CISO, organisation)
    form = risk_form(organisation, version=str(ours.version), title="Titre revu")
    form.pop("organisation_id")
    form.update(accepted_by="DGS", accepted_on="2026-03-01", accepted_until="2027-03-01")
    form.update(residual_likelihood="1", residual_impact="2")
    response = client.post(f"/risks/{ours.id}/edit", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    session.expire_all()
    assert ours.title == "Titre revu" and ours.residual_score == 2
    stale = dict(form, version="1", title="Autre titre")
    assert client.post(f"/risks/{ours.id}/edit", data=stale).status_code == 409
    session.expire_all()
    assert ours.title == "Titre revu"


def test_other_organisations_risks_are_not_found(client, login_as, two_risks, organisation):
    _ours, _low, theirs = two_risks
    login_as(Role.CISO, organisation)
    assert client.get(f"/risks/{theirs.id}").status_code == 404
    assert client.get(f"/risks/{theirs.id}/edit").status_code == 404


def test_panels_on_the_application_activity_and_roadmap_action_pages(
    client,
    login_as,
    session,
    host,
    organisation,
    make_risk,
    make_application,
    make_deployment,
    make_activity,
    make_roadmap_action,
):
    application = make_application("Ciril Finances")
    make_deployment(organisation, application)
    activity = make_activity(organisation, application_ids=[application.id])
    action = make_roadmap_action()
    session.flush()
    risk = make_risk(organisation, application_ids=[application.id], processing_ids=[activity.id])
    shared = make_risk(host, title="Risque du syndicat", roadmap_action_ids=[action.id])
    session.commit()
    login_as(Role.CISO, organisation, host)
    for url, shown in (
        (f"/applications/{application.id}", risk),
        (f"/processing/activities/{activity.id}", risk),
        (f"/roadmap/actions/{action.id}", shared),
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert shown.reference in page.get_data(as_text=True), url
    assert "Risques réduits par cette action" in client.get(
        f"/roadmap/actions/{action.id}"
    ).get_data(as_text=True)


@pytest.mark.parametrize("sort", ["level", "-level", "reference", "-review", "organisation"])
def test_every_sort_answers(client, login_as, two_risks, organisation, sort):
    ours, low, _theirs = two_risks
    login_as(Role.AUDITOR, organisation)
    text = client.get(f"/risks/?sort={sort}").get_data(as_text=True)
    assert ours.reference in text and low.reference in text
    if sort == "level":
        assert text.index(ours.reference) < text.index(low.reference)
    if sort == "-level":
        assert text.index(low.reference) < text.index(ours.reference)
