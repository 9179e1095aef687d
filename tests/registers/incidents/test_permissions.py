"""Who sees and writes what of the incident log. A referent sees the incidents that affect
their organisation (reported by it, naming it, or touching an application it uses) and nothing
else (404); only the CISO (and the administrator) writes; auditors and the DPO read and export."""

from __future__ import annotations

from datetime import timedelta

import pytest

from compliance.db import utcnow
from compliance.permissions import Role
from compliance.schemas import validate
from registers.applications import services as map_services
from registers.applications.schemas import DeploymentCreate
from registers.incidents import queries
from registers.incidents.models import ActionSource


@pytest.fixture
def incidents(world, make_incident, host, organisation, other_organisation):
    """One incident of each way an organisation can be affected, and one affecting nobody."""
    return {
        "reported": make_incident(organisation, title="Signalé par Ivry"),
        "direct": make_incident(
            title="Touche Ivry directement", organisation_ids=[organisation.id]
        ),
        "via-app": make_incident(title="Sur Sedit.GF", application_ids=[world["gf"].id]),
        "gentilly": make_incident(title="Sur Adagio", application_ids=[world["adagio"].id]),
        "host-only": make_incident(title="Au syndicat seulement"),
    }


def _titles(session, user, **filters) -> set[str]:
    statement = queries.visible_incidents(user, queries.IncidentFilters(**filters))
    return {incident.title for incident in session.scalars(statement)}


def test_referent_sees_the_incidents_affecting_their_organisation(
    session, incidents, make_user, organisation
):
    referent = make_user(Role.REFERENT, organisation)
    assert _titles(session, referent) == {
        "Signalé par Ivry",
        "Touche Ivry directement",
        "Sur Sedit.GF",
    }


def test_ciso_of_every_organisation_sees_everything(
    session, incidents, make_user, host, organisation, other_organisation
):
    ciso = make_user(Role.CISO, host, organisation, other_organisation)
    assert len(_titles(session, ciso)) == 5


def test_organisation_filter_uses_the_same_rule(session, incidents, make_user, host, organisation):
    ciso = make_user(Role.CISO, host, organisation)
    assert _titles(session, ciso, organisation_id=organisation.id) == {
        "Signalé par Ivry",
        "Touche Ivry directement",
        "Sur Sedit.GF",
    }


def test_a_deployment_archived_before_the_incident_does_not_count(
    session, world, make_incident, make_user, organisation
):
    deployment = map_services.find_deployment(session, organisation.id, world["gf"].id)
    map_services.archive_deployment(session, deployment, actor="test")
    make_incident(
        title="Sur Sedit.GF, après l'arrêt",
        application_ids=[world["gf"].id],
        detected_at=utcnow(),
    )
    referent = make_user(Role.REFERENT, organisation)
    assert _titles(session, referent) == set()


def test_a_deployment_archived_after_the_detection_still_counts(
    session, world, make_incident, make_user, organisation
):
    """The applications in use now are one set for the whole query; a deployment archived
    since the detection is looked up per incident and still makes the incident visible."""
    make_incident(
        title="Sur Sedit.GF, avant l'arrêt",
        application_ids=[world["gf"].id],
        detected_at=utcnow() - timedelta(days=3),
    )
    deployment = map_services.find_deployment(session, organisation.id, world["gf"].id)
    map_services.archive_deployment(session, deployment, actor="test")
    referent = make_user(Role.REFERENT, organisation)
    assert _titles(session, referent) == {"Sur Sedit.GF, avant l'arrêt"}
    actions = session.scalars(queries.visible_actions(referent)).all()
    assert actions == []


def test_impact_lists_only_the_organisations_the_user_may_see(
    session, incidents, make_user, host, organisation, other_organisation, world
):
    incident = incidents["via-app"]
    map_services.create_deployment(
        session,
        validate(
            DeploymentCreate,
            {"organisation_id": other_organisation.id, "application_id": world["gf"].id},
        ),
        actor="test",
    )
    referent = make_user(Role.REFERENT, organisation)
    seen = queries.impact(incident, referent)
    # Ivry, and the syndicate that reported it (named on the incident anyway); not Gentilly.
    assert [item.organisation.name for item in seen.organisations] == [
        "Ivry-sur-Seine",
        "SIIM94",
    ]
    assert seen.organisations[0].applications == ["Sedit.GF"]
    assert seen.hidden == 1
    everything = queries.impact(incident, everything=True)
    assert {item.organisation.name for item in everything.organisations} == {
        "Gentilly",
        "Ivry-sur-Seine",
        "SIIM94",
    }


def test_corrective_actions_follow_their_incident(
    session, incidents, make_action, make_user, organisation, host
):
    make_action(
        title="Après Sedit.GF",
        source=ActionSource.INCIDENT,
        incident_id=incidents["via-app"].id,
    )
    make_action(title="Audit du syndicat")
    make_action(organisation, title="Audit d'Ivry")
    referent = make_user(Role.REFERENT, organisation)
    titles = {a.title for a in session.scalars(queries.visible_actions(referent))}
    assert titles == {"Après Sedit.GF", "Audit d'Ivry"}


# --- pages -----------------------------------------------------------------------------------


def test_referent_gets_404_for_an_incident_of_another_organisation(
    client, login_as, incidents, organisation, session
):
    ids = {key: incident.id for key, incident in incidents.items()}
    session.commit()
    login_as(Role.REFERENT, organisation)
    assert client.get(f"/incidents/{ids['via-app']}").status_code == 200
    for key in ("gentilly", "host-only"):
        response = client.get(f"/incidents/{ids[key]}")
        assert response.status_code == 404
        assert "Adagio" not in response.get_data(as_text=True)
    listing = client.get("/incidents/").get_data(as_text=True)
    assert "Sur Sedit.GF" in listing and "Sur Adagio" not in listing


@pytest.mark.parametrize("role", [Role.REFERENT, Role.DPO, Role.AUDITOR])
def test_only_the_ciso_edits(client, login_as, make_incident, host, session, role):
    incident_id = make_incident().id
    session.commit()
    login_as(role, host)
    assert client.get(f"/incidents/{incident_id}").status_code == 200
    assert client.get(f"/incidents/{incident_id}/edit").status_code == 403
    assert client.get("/incidents/new").status_code == 403
    posts = (
        f"/incidents/{incident_id}/timeline",
        f"/incidents/{incident_id}/transition/assessed",
        f"/incidents/{incident_id}/reports",
        f"/incidents/{incident_id}/archive",
    )
    for path in posts:
        assert client.post(path, data={"text": "x", "kind": "action"}).status_code == 403, path
    page = client.get(f"/incidents/{incident_id}").get_data(as_text=True)
    assert "Ajouter une entrée au fil" not in page


def test_ciso_edits(client, login_as, make_incident, host, session):
    incident_id = make_incident().id
    session.commit()
    login_as(Role.CISO, host)
    assert client.get(f"/incidents/{incident_id}/edit").status_code == 200
    page = client.get(f"/incidents/{incident_id}").get_data(as_text=True)
    assert "Ajouter une entrée au fil" in page


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.DPO])
def test_auditor_and_dpo_read_and_export(client, login_as, make_incident, host, session, role):
    incident_id = make_incident().id
    session.commit()
    login_as(role, host)
    assert client.get("/incidents/").status_code == 200
    assert client.get("/incidents/actions/").status_code == 200
    response = client.post(f"/incidents/{incident_id}/export")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    assert client.post("/incidents/export").status_code == 200
    assert client.post("/incidents/actions/export").status_code == 200


def test_referent_cannot_export(client, login_as, make_incident, organisation, session):
    incident_id = make_incident(organisation).id
    session.commit()
    login_as(Role.REFERENT, organisation)
    assert client.post(f"/incidents/{incident_id}/export").status_code == 403
    assert client.post("/incidents/export").status_code == 403


def test_no_incident_role_no_register(client, login_as, session, make_organisation):
    # A user with no role anywhere sees neither the pages nor the navigation entry.
    login_as(Role.REFERENT)
    assert client.get("/incidents/").status_code == 403
