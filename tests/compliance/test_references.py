"""Every reference a write sets is checked against what the writer may see: the id of another
organisation's record gets the very answer an unknown id gets (nothing tells it exists), and
nothing is written. A record never moves to another organisation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from compliance.db import utcnow
from compliance.permissions import Role
from compliance.services import FieldErrors
from registers.breaches.models import PersonalDataBreach
from registers.incidents import incidents as incident_services
from registers.incidents.common import today
from registers.incidents.models import CorrectiveAction, Incident
from registers.processing.models import ProcessingActivity
from registers.roadmap.models import RoadmapAction
from tests.compliance.world import build_world
from tests.registers.applications.conftest import token_for  # noqa: F401  (fixture)

UNKNOWN = 987_654_321
TABLES = (Incident, CorrectiveAction, PersonalDataBreach, ProcessingActivity, RoadmapAction)


@pytest.fixture
def world(session):
    return build_world(session)


@pytest.fixture
def admin(world, make_user, token_for):  # noqa: F811
    """An administrator of A: every right there, none in B."""
    return token_for(make_user(Role.ADMIN, world.a.organisation))


@pytest.fixture
def api(client):
    def call(method: str, path: str, token: str, **kwargs):
        headers = {"Authorization": f"Bearer {token}"}
        return client.raw.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


def _incident(w, **data):
    return {
        "title": "Déni de service",
        "organisation_id": w.a.organisation.id,
        "category": "denial_of_service",
        "severity": "3",
        "detection_source": "provider",
        "detected_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "description": "Saturation du portail.",
        **data,
    }


def _action(w, **data):
    return {
        "organisation_id": w.a.organisation.id,
        "source": "internal_audit",
        "title": "Revue",
        "nonconformity": "Comptes actifs.",
        "grade": "minor",
        "action": "Revue annuelle.",
        "owner": "RSSI",
        "due_on": (today() + timedelta(days=30)).isoformat(),
        **data,
    }


def _breach(w, **data):
    return {
        "title": "Courriel au mauvais destinataire",
        "organisation_id": w.a.organisation.id,
        "awareness_at": (utcnow() - timedelta(hours=1)).isoformat(),
        **data,
    }


def _roadmap_action(w, **data):
    return {
        "roadmap_id": w.a.roadmap.id,
        "title": "Sauvegardes hors ligne",
        "theme": "I",
        "start_on": today().isoformat(),
        "target_on": (today() + timedelta(days=60)).isoformat(),
        **data,
    }


def _recipient(vendor_id):
    return [{"recipient_type": "processor", "name": "Éditeur", "vendor_id": vendor_id}]


# (name, field, the foreign id, the request with that id in place of `ref`)
CASES = [
    ("breach organisation", "organisation_id", lambda w: w.b.organisation.id,
     lambda w, ref: ("POST", "/breaches", _breach(w, organisation_id=ref))),
    ("breach incident", "incident_id", lambda w: w.b.incident.id,
     lambda w, ref: ("POST", "/breaches", _breach(w, incident_id=ref))),
    ("breach processing", "processing_ids", lambda w: w.b.activity.id,
     lambda w, ref: ("POST", "/breaches", _breach(w, processing_ids=[ref]))),
    ("breach processing, update", "processing_ids", lambda w: w.b.activity.id,
     lambda w, ref: ("PATCH", f"/breaches/{w.a.breach.id}",
                     {"processing_ids": [ref], "version": w.a.breach.version})),
    ("incident organisation", "organisation_id", lambda w: w.b.organisation.id,
     lambda w, ref: ("POST", "/incidents", _incident(w, organisation_id=ref))),
    ("incident applications", "application_ids", lambda w: w.b.application.id,
     lambda w, ref: ("POST", "/incidents", _incident(w, application_ids=[ref]))),
    ("incident affected organisations", "organisation_ids", lambda w: w.b.organisation.id,
     lambda w, ref: ("POST", "/incidents", _incident(w, organisation_ids=[ref]))),
    ("incident applications, update", "application_ids", lambda w: w.b.application.id,
     lambda w, ref: ("PATCH", f"/incidents/{w.a.incident.id}",
                     {"application_ids": [ref], "version": w.a.incident.version})),
    ("incident affected organisations, update", "organisation_ids",
     lambda w: w.b.organisation.id,
     lambda w, ref: ("PATCH", f"/incidents/{w.a.incident.id}",
                     {"organisation_ids": [ref], "version": w.a.incident.version})),
    ("corrective action organisation", "organisation_id", lambda w: w.b.organisation.id,
     lambda w, ref: ("POST", "/corrective-actions", _action(w, organisation_id=ref))),
    ("corrective action incident", "incident_id", lambda w: w.b.incident.id,
     lambda w, ref: ("POST", "/corrective-actions", _action(w, incident_id=ref))),
    ("corrective action incident, its organisation implied", "incident_id",
     lambda w: w.b.incident.id,
     lambda w, ref: ("POST", "/corrective-actions",
                     _action(w, organisation_id=None, source="incident", incident_id=ref))),
    ("corrective action incident, update", "incident_id", lambda w: w.b.incident.id,
     lambda w, ref: ("PATCH", f"/corrective-actions/{w.a.corrective_action.id}",
                     {"incident_id": ref, "version": w.a.corrective_action.version})),
    ("roadmap action roadmap", "roadmap_id", lambda w: w.b.roadmap.id,
     lambda w, ref: ("POST", "/roadmap-actions", _roadmap_action(w, roadmap_id=ref))),
    ("roadmap action applications", "application_ids", lambda w: w.b.application.id,
     lambda w, ref: ("POST", "/roadmap-actions", _roadmap_action(w, application_ids=[ref]))),
    ("roadmap action incidents", "incident_ids", lambda w: w.b.incident.id,
     lambda w, ref: ("POST", "/roadmap-actions", _roadmap_action(w, incident_ids=[ref]))),
    ("roadmap action corrective actions", "corrective_action_ids",
     lambda w: w.b.corrective_action.id,
     lambda w, ref: ("POST", "/roadmap-actions",
                     _roadmap_action(w, corrective_action_ids=[ref]))),
    ("roadmap action links, update", "incident_ids", lambda w: w.b.incident.id,
     lambda w, ref: ("PATCH", f"/roadmap-actions/{w.a.roadmap_action.id}",
                     {"incident_ids": [ref], "version": w.a.roadmap_action.version})),
    ("processing organisation", "organisation_id", lambda w: w.b.organisation.id,
     lambda w, ref: ("POST", "/processing-activities", {"organisation_id": ref, "name": "X"})),
    ("processing applications", "application_ids", lambda w: w.b.application.id,
     lambda w, ref: ("POST", "/processing-activities",
                     {"organisation_id": w.a.organisation.id, "name": "X",
                      "application_ids": [ref]})),
    ("processing recipient vendor", "recipients[0].vendor_id", lambda w: w.b.vendor.id,
     lambda w, ref: ("POST", "/processing-activities",
                     {"organisation_id": w.a.organisation.id, "name": "X",
                      "recipients": _recipient(ref)})),
    ("processing applications, update", "application_ids", lambda w: w.b.application.id,
     lambda w, ref: ("PATCH", f"/processing-activities/{w.a.activity.id}",
                     {"application_ids": [ref], "version": w.a.activity.version})),
    ("processing recipient vendor, update", "recipients[0].vendor_id", lambda w: w.b.vendor.id,
     lambda w, ref: ("PATCH", f"/processing-activities/{w.a.activity.id}",
                     {"recipients": _recipient(ref), "version": w.a.activity.version})),
    ("deployment organisation", "organisation_id", lambda w: w.b.organisation.id,
     lambda w, ref: ("POST", "/deployments",
                     {"organisation_id": ref, "application_id": w.a.application.id})),
]  # fmt: skip


def _state(session) -> tuple:
    """Rows per table, and every row's version: a write anywhere changes it."""
    session.expire_all()
    return tuple(
        tuple(session.execute(sa.select(model.id, model.version).order_by(model.id)).all())
        for model in TABLES
    )


@pytest.mark.parametrize(
    ("name", "field", "foreign", "request_for"), CASES, ids=[c[0] for c in CASES]
)
def test_a_foreign_reference_is_answered_as_an_unknown_one(
    name, field, foreign, request_for, world, admin, api, session
):
    session.commit()
    before = _state(session)
    answers = []
    for ref in (foreign(world), UNKNOWN):
        method, path, body = request_for(world, ref)
        response = api(method, path, admin, json=body)
        assert response.status_code == 422, (ref, response.get_json())
        body = response.get_json()
        assert set(body["errors"]) == {field}, body
        answers.append(
            (body["error"], body["message"], body["errors"][field].replace(str(ref), "N"))
        )
        assert _state(session) == before, f"{name}: something was written"
    assert answers[0] == answers[1]


def test_the_same_references_are_accepted_in_the_writers_organisation(world, admin, api, session):
    """The control of the table above: A's own records pass every one of these checks."""
    session.commit()
    w = world
    created = api(
        "POST",
        "/breaches",
        admin,
        json=_breach(w, incident_id=w.a.incident.id, processing_ids=[w.a.activity.id]),
    )
    assert created.status_code == 201, created.get_json()
    links = {
        "application_ids": [w.a.application.id],
        "incident_ids": [w.a.incident.id],
        "corrective_action_ids": [w.a.corrective_action.id],
    }
    created = api("POST", "/roadmap-actions", admin, json=_roadmap_action(w, **links))
    assert created.status_code == 201, created.get_json()
    created = api(
        "POST", "/corrective-actions", admin, json=_action(w, incident_id=w.a.incident.id)
    )
    assert created.status_code == 201, created.get_json()
    body = {
        "organisation_id": w.a.organisation.id,
        "name": "Cantine",
        "recipients": _recipient(w.a.vendor.id),
        "application_ids": [w.a.application.id],
    }
    created = api("POST", "/processing-activities", admin, json=body)
    assert created.status_code == 201, created.get_json()


# --- the organisation never changes -----------------------------------------------------------


MOVES = [
    ("incident", lambda w: (f"/incidents/{w.a.incident.id}", w.a.incident)),
    ("corrective action", lambda w: (f"/corrective-actions/{w.a.corrective_action.id}",
                                     w.a.corrective_action)),
    ("breach", lambda w: (f"/breaches/{w.a.breach.id}", w.a.breach)),
    ("roadmap action", lambda w: (f"/roadmap-actions/{w.a.roadmap_action.id}",
                                  w.a.roadmap_action)),
    ("processing activity", lambda w: (f"/processing-activities/{w.a.activity.id}",
                                       w.a.activity)),
    ("deployment", lambda w: (f"/deployments/{w.a.deployment.id}", w.a.deployment)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "target"), MOVES, ids=[m[0] for m in MOVES])
def test_an_update_never_moves_a_record_to_another_organisation(
    name,
    target,
    world,
    make_user,
    token_for,  # noqa: F811
    api,
    session,
):
    """Even for an administrator of both organisations: 422 on organisation_id, no change."""
    both = token_for(make_user(Role.ADMIN, world.a.organisation, world.b.organisation))
    path, record = target(world)
    version = record.version
    response = api(
        "PATCH", path, both, json={"organisation_id": world.b.organisation.id, "version": version}
    )
    assert response.status_code == 422, response.get_json()
    assert "organisation_id" in response.get_json()["errors"]
    session.expire_all()
    assert session.get(type(record), record.id).organisation_id == world.a.organisation.id


def test_the_kernel_refuses_any_change_of_organisation_at_flush(world, session):
    """Whatever path sets it, a persisted record's organisation is never written."""
    session.commit()
    for name in ("incident", "corrective_action", "breach", "activity", "deployment", "roadmap"):
        record = world.a.records[name]
        savepoint = session.begin_nested()
        record.organisation_id = world.b.organisation.id
        with pytest.raises(FieldErrors) as raised:
            session.flush()
        assert set(raised.value.errors) == {"organisation_id"}, name
        savepoint.rollback()
        session.expire_all()
        assert session.get(type(record), record.id).organisation_id == world.a.organisation.id


# --- the organisations an incident affects ------------------------------------------------------


def test_a_member_ciso_names_only_organisations_where_they_write_incidents(
    world, make_user, session
):
    ciso = make_user(Role.CISO, world.a.organisation)
    incident = world.a.incident
    with pytest.raises(FieldErrors) as raised:
        incident_services.update_incident(
            session, incident, {"organisation_ids": [world.b.organisation.id]}, actor=ciso
        )
    assert set(raised.value.errors) == {"organisation_ids"}
    assert incident.affected_organisations == []
    incident_services.update_incident(
        session, incident, {"organisation_ids": [world.a.organisation.id]}, actor=ciso
    )
    assert [o.id for o in incident.affected_organisations] == [world.a.organisation.id]


def test_the_platform_ciso_names_any_member_and_a_member_ciso_keeps_them(world, make_user, session):
    platform = make_user(Role.CISO, world.host)
    member = make_user(Role.CISO, world.a.organisation)
    incident = world.a.incident
    b = world.b.organisation.id
    incident_services.update_incident(session, incident, {"organisation_ids": [b]}, actor=platform)
    assert [o.id for o in incident.affected_organisations] == [b]
    # The member CISO edits the incident and keeps B (named by the platform), but cannot drop it.
    incident_services.update_incident(
        session, incident, {"title": "Rançongiciel", "organisation_ids": [b]}, actor=member
    )
    with pytest.raises(FieldErrors) as raised:
        incident_services.update_incident(session, incident, {"organisation_ids": []}, actor=member)
    assert world.b.organisation.name in raised.value.errors["organisation_ids"]
    assert [o.id for o in incident.affected_organisations] == [b]


def test_the_incident_form_offers_only_the_organisations_the_user_may_name(
    world, login_as, client, session
):
    login_as(Role.CISO, world.a.organisation)
    page = client.get(f"/incidents/{world.a.incident.id}/edit").get_data(as_text=True)
    offered = re.findall(r'name="organisation_ids" value="(\d+)"', page)
    assert offered == [str(world.a.organisation.id)]
    response = client.post(
        f"/incidents/{world.a.incident.id}/edit",
        data={
            "title": world.a.incident.title,
            "category": "malware",
            "severity": "2",
            "detection_source": "internal",
            "detected_at": "2026-01-01T10:00",
            "description": "Poste infecté.",
            "organisation_ids": [str(world.b.organisation.id)],
            "version": str(world.a.incident.version),
        },
    )
    assert response.status_code == 400
    session.expire_all()
    assert session.get(Incident, world.a.incident.id).affected_organisations == []


# --- the spreadsheet import names applications and vendors ------------------------------------


def _sheet(applications: str, recipients: str) -> bytes:
    header = "reference;nom;applications;destinataires"
    return f"{header}\nX-1;Cantine;{applications};{recipients}\n".encode()


def test_the_import_answers_a_foreign_application_or_vendor_as_an_unknown_one(
    world, make_user, session
):
    from registers.processing import importer

    dpo = make_user(Role.DPO, world.a.organisation)
    organisation = world.a.organisation

    def errors(name, applications="", recipients=""):
        data = _sheet(applications, recipients)
        before = _state(session)
        result = importer.import_activities(session, organisation, data, "f.csv", actor=dpo)
        assert not result.ok and _state(session) == before
        return [message.replace(name, "N") for _line, message in result.errors]

    foreign, unknown = world.b.application.name, "Logiciel inconnu"
    assert errors(foreign, applications=foreign) == errors(unknown, applications=unknown)
    foreign, unknown = world.b.vendor.name, "Inconnu"
    assert errors(foreign, recipients=f"processor | Éditeur | | {foreign}") == errors(
        unknown, recipients=f"processor | Éditeur | | {unknown}"
    )
    own = importer.import_activities(
        session, organisation, _sheet(world.a.application.name, ""), "f.csv", actor=dpo
    )
    assert own.ok, own.errors


def test_links_already_in_place_may_stay_and_only_new_ones_are_checked(world, make_user, session):
    """The syndicate linked B's application to A's incident; A's CISO, who does not see it,
    edits the incident and keeps the link, but cannot add it anew elsewhere."""
    incident = world.a.incident
    both = [world.a.application.id, world.b.application.id]
    incident_services.update_incident(session, incident, {"application_ids": both}, actor="cli")
    ciso = make_user(Role.CISO, world.a.organisation)
    incident_services.update_incident(
        session, incident, {"title": "Rançongiciel", "application_ids": both}, actor=ciso
    )
    assert sorted(a.id for a in incident.applications) == sorted(both)
    other = incident_services.create_incident(session, _incident_data(world), actor=ciso)
    with pytest.raises(FieldErrors):
        incident_services.update_incident(
            session, other, {"application_ids": [world.b.application.id]}, actor=ciso
        )


def _incident_data(w) -> dict:
    data = _incident(w)
    data["detected_at"] = utcnow() - timedelta(hours=1)
    return data
