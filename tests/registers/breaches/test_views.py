"""Pages of the breach register: each renders, a valid post redirects, a wrong role gets 403,
another organisation's breach 404, bad input 400 and a stale version 409, nothing written. The
DPO and the CISO create breaches; a referent sees only their organisation's."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from compliance.db import utcnow
from compliance.i18n import PARIS
from compliance.permissions import Role
from compliance.schemas import validate
from registers.breaches import queries, services
from registers.breaches.models import BreachStatus, PersonalDataBreach
from registers.breaches.schemas import BreachFilters, BreachUpdate


def paris_input(moment) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def count(session, *conditions) -> int:
    session.expire_all()
    return session.scalar(
        sa.select(sa.func.count()).select_from(PersonalDataBreach).where(*conditions)
    )


@pytest.fixture
def two_breaches(session, organisation, other_organisation, make_breach):
    ours = make_breach(organisation, title="Courriel mal adressé à Ivry")
    theirs = make_breach(other_organisation, title="Dossier perdu à Gentilly")
    session.commit()
    return ours, theirs


def breach_form(organisation, **changes) -> dict:
    data = {
        "title": "Fichier des familles publié par erreur",
        "organisation_id": str(organisation.id),
        "awareness_at": paris_input(utcnow() - timedelta(hours=2)),
        "confidentiality": "y",
        "origin": "internal",
        "cause": "accidental",
        "circumstance": "unintended_publication",
        "subject_categories": ["families", "children"],
        "people_count": "420",
        "data_categories": ["identity"],
        "risk_level": "risk",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("role", [Role.DPO, Role.CISO])
def test_dpo_and_ciso_create_breaches(client, login_as, session, organisation, role):
    login_as(role, organisation)
    assert client.get(f"/breaches/new?organisation_id={organisation.id}").status_code == 200
    response = client.post(
        f"/breaches/new?organisation_id={organisation.id}", data=breach_form(organisation)
    )
    assert response.status_code == 302, response.data[:2000]
    breach = session.scalar(sa.select(PersonalDataBreach))
    assert response.headers["Location"].endswith(f"/breaches/{breach.id}")
    assert breach.organisation_id == organisation.id
    assert breach.subject_categories == ["children", "families"]
    assert breach.people_count == 420
    assert breach.notification_deadline - breach.awareness_at == timedelta(hours=72)
    page = client.get(f"/breaches/{breach.id}")
    assert page.status_code == 200
    assert "restantes" in page.get_data(as_text=True)


def test_creating_starts_with_the_controller(client, login_as, organisation, other_organisation):
    login_as(Role.DPO, organisation, other_organisation)
    page = client.get("/breaches/new").get_data(as_text=True)
    assert "Continuer" in page and "Gentilly" in page


def test_bad_input_changes_nothing(client, login_as, session, organisation):
    login_as(Role.DPO, organisation)
    form = breach_form(
        organisation,
        awareness_at=paris_input(utcnow() + timedelta(days=1)),
        people_count="-4",
    )
    response = client.post(f"/breaches/new?organisation_id={organisation.id}", data=form)
    assert response.status_code == 400
    assert count(session) == 0


def test_a_referent_sees_only_their_organisations_breaches(
    client, login_as, two_breaches, organisation
):
    ours, theirs = two_breaches
    login_as(Role.REFERENT, organisation)
    listing = client.get("/breaches/").get_data(as_text=True)
    assert ours.reference in listing
    assert theirs.reference not in listing and "Gentilly" not in listing
    assert client.get(f"/breaches/{ours.id}").status_code == 200
    assert client.get(f"/breaches/{theirs.id}").status_code == 404
    assert client.get(f"/breaches/{ours.id}/edit").status_code == 403
    assert client.get(f"/breaches/new?organisation_id={organisation.id}").status_code == 403
    dashboard = client.get("/").get_data(as_text=True)
    assert ours.reference in dashboard and theirs.reference not in dashboard


def test_the_ciso_may_not_take_the_notification_decision(
    client, login_as, session, two_breaches, organisation
):
    ours, _theirs = two_breaches
    login_as(Role.CISO, organisation)
    response = client.post(
        f"/breaches/{ours.id}/not-notifiable",
        data={"risk_reasoning": "x", "not_notified_reason": "y", "version": ours.version},
    )
    assert response.status_code == 403
    assert client.get(f"/breaches/{ours.id}/edit").status_code == 200


def test_edit_then_a_stale_version_is_a_conflict(
    client, login_as, session, two_breaches, organisation
):
    ours, _theirs = two_breaches
    login_as(Role.DPO, organisation)
    stale = ours.version
    form = breach_form(organisation, title="Courriel mal adressé (corrigé)", version=stale)
    form.pop("organisation_id")
    response = client.post(f"/breaches/{ours.id}/edit", data=form)
    assert response.status_code == 302
    form["title"] = "Autre correction"
    response = client.post(f"/breaches/{ours.id}/edit", data=form)
    assert response.status_code == 409
    session.expire_all()
    assert session.get(PersonalDataBreach, ours.id).title == "Courriel mal adressé (corrigé)"


def test_the_dpo_records_the_notification_then_closes(
    client, login_as, session, two_breaches, organisation
):
    ours, _theirs = two_breaches
    login_as(Role.DPO, organisation)
    response = client.post(
        f"/breaches/{ours.id}/notifications",
        data={
            "kind": "complete",
            "sent_at": paris_input(utcnow() - timedelta(minutes=5)),
            "reference": "NOTIF-1",
            "version": ours.version,
        },
    )
    assert response.status_code == 302
    session.expire_all()
    breach = session.get(PersonalDataBreach, ours.id)
    assert breach.status == BreachStatus.NOTIFIED
    page = client.get(f"/breaches/{ours.id}").get_data(as_text=True)
    assert "Notifiée dans les 72 heures" in page and "NOTIF-1" in page
    # Closing needs the decision's content: the risk level and its reasoning.
    response = client.post(f"/breaches/{ours.id}/close", data={"version": breach.version})
    assert response.status_code == 302
    session.expire_all()
    breach = session.get(PersonalDataBreach, ours.id)
    assert breach.status == BreachStatus.NOTIFIED
    assert "niveau de risque" in client.get(f"/breaches/{ours.id}").get_data(as_text=True)
    decision = {"risk_level": "risk", "risk_reasoning": "Liste nominative, destinataire connu."}
    services.update_breach(session, breach, validate(BreachUpdate, decision), actor="test")
    session.commit()
    response = client.post(f"/breaches/{ours.id}/close", data={"version": breach.version})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(PersonalDataBreach, ours.id).status == BreachStatus.CLOSED


def test_a_decision_with_missing_reasons_is_refused(
    client, login_as, session, two_breaches, organisation
):
    ours, _theirs = two_breaches
    login_as(Role.DPO, organisation)
    response = client.post(f"/breaches/{ours.id}/not-notifiable", data={"version": ours.version})
    assert response.status_code == 400
    session.expire_all()
    assert session.get(PersonalDataBreach, ours.id).status == BreachStatus.BEING_ASSESSED


def test_late_breaches_are_flagged_on_the_list_and_the_page(
    client, login_as, session, organisation, make_breach
):
    late = make_breach(organisation, awareness_at=utcnow() - timedelta(hours=75))
    session.commit()
    login_as(Role.DPO, organisation)
    listing = client.get("/breaches/?late=1").get_data(as_text=True)
    assert late.reference in listing and "En retard de 3 h" in listing
    page = client.get(f"/breaches/{late.id}").get_data(as_text=True)
    assert "Le délai est dépassé sans décision" in page
    assert client.get("/breaches/?sort=nonsense").status_code == 400


def test_archive_leaves_the_register(client, login_as, session, two_breaches, organisation):
    ours, _theirs = two_breaches
    login_as(Role.DPO, organisation)
    assert (
        client.post(f"/breaches/{ours.id}/archive", data={"version": ours.version}).status_code
        == 302
    )
    assert ours.reference not in client.get("/breaches/").get_data(as_text=True)
    assert count(session, PersonalDataBreach.archived_at.is_not(None)) == 1


# --- from an incident -------------------------------------------------------------------------


def test_assessing_an_incident_opens_one_breach_per_selected_controller(
    client,
    login_as,
    session,
    shared,
    make_incident,
    host,
    organisation,
    other_organisation,
    third_organisation,
):
    incident = make_incident([shared["payroll"]])
    session.commit()
    login_as(Role.DPO, host, organisation, other_organisation, third_organisation)
    panel = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "Évaluer la violation de données personnelles" in panel
    page = client.get(f"/breaches/from-incident/{incident.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Ivry-sur-Seine" in text and "Gentilly" in text
    assert "RH-02 Médecine préventive" in text
    assert "Villejuif" in text  # listed apart: no activity on the application
    told = paris_input(utcnow() - timedelta(minutes=10))
    response = client.post(
        f"/breaches/from-incident/{incident.id}",
        data={
            f"select_{organisation.id}": "y",
            f"informed_{organisation.id}": told,
            f"awareness_{organisation.id}": told,
            f"select_{other_organisation.id}": "y",
            f"informed_{other_organisation.id}": told,
            f"awareness_{other_organisation.id}": paris_input(utcnow() - timedelta(minutes=5)),
        },
    )
    assert response.status_code == 302, response.data[:3000]
    assert count(session, PersonalDataBreach.incident_id == incident.id) == 2
    listing = client.get(f"/breaches/?incident_id={incident.id}").get_data(as_text=True)
    assert listing.count("data-deadline=") == 2
    panel = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert panel.count("data-deadline=") == 2


def test_assessing_needs_a_choice_and_the_right(
    client, login_as, session, shared, make_incident, host, organisation
):
    incident = make_incident([shared["payroll"]])
    session.commit()
    login_as(Role.REFERENT, organisation)
    assert client.get(f"/breaches/from-incident/{incident.id}").status_code == 403
    client.post("/logout")
    login_as(Role.DPO, organisation)
    response = client.post(f"/breaches/from-incident/{incident.id}", data={})
    assert response.status_code == 400
    assert "Cochez au moins un responsable" in response.get_data(as_text=True)
    assert count(session) == 0


def test_an_incident_without_personal_data_has_no_panel(
    client, login_as, session, make_incident, make_application, host, organisation
):
    lonely = make_application("Logiciel sans traitement")
    incident = make_incident([lonely])
    session.commit()
    login_as(Role.DPO, host, organisation)
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "Évaluer la violation" not in page
    assert client.get(f"/breaches/from-incident/{incident.id}").status_code == 404


def test_organisation_page_shows_its_countdowns(
    client, login_as, session, two_breaches, organisation
):
    ours, theirs = two_breaches
    services.update_breach(
        session, ours, validate(BreachUpdate, {"title": ours.title}), actor="test"
    )
    session.commit()
    login_as(Role.REFERENT, organisation)
    page = client.get(f"/organisations/{organisation.slug}").get_data(as_text=True)
    assert ours.reference in page and "restantes" in page
    assert theirs.reference not in page


def test_countdowns_are_right_without_script_and_carry_what_the_live_script_needs(
    client, login_as, session, organisation, make_breach
):
    breach = make_breach(organisation)
    session.commit()
    login_as(Role.DPO, organisation)
    deadline = f'data-deadline="{breach.notification_deadline.isoformat()}"'
    page = client.get(f"/breaches/{breach.id}").get_data(as_text=True)
    assert re.search(r">2 j 2[23] h \d{1,2} min restantes<", page)  # rendered by the server
    assert deadline in page and "+00:00" in deadline
    assert 'data-fmt-days="{d} j {h} h {m} min"' in page
    assert 'data-fmt-hours="{h} h {m} min"' in page
    assert 'src="/static/js/breaches.js"' in page and "<script>" not in page
    assert "deadline-urgent" in page  # the clock that comes first on a phone
    dashboard = client.get("/").get_data(as_text=True)
    assert deadline in dashboard
    assert "countdown-large" in dashboard  # prominent on the breach card


def test_the_list_joins_the_organisations_only_to_sort_by_them(
    client, login_as, session, two_breaches, organisation, other_organisation
):
    """The page's COUNT and the other sorts read the breaches alone; the organisation sort
    still orders by the organisation's name."""
    ours, theirs = two_breaches
    dpo = login_as(Role.DPO, organisation, other_organisation)
    default = str(queries.visible_breaches(dpo, BreachFilters()))
    assert "JOIN organisation" not in default
    by_name = str(queries.visible_breaches(dpo, BreachFilters(sort="organisation")))
    assert "JOIN organisation" in by_name
    first, second = sorted([ours, theirs], key=lambda b: b.organisation.name)
    for sort, expected in (("organisation", [first, second]), ("-organisation", [second, first])):
        listing = client.get(f"/breaches/?sort={sort}").get_data(as_text=True)
        positions = [listing.index(breach.reference) for breach in expected]
        assert positions == sorted(positions)
