"""From an incident to its controllers: the map and the records say which members are concerned,
with which activities, data and people; each selected controller gets its own pre-filled breach."""

from __future__ import annotations

from datetime import timedelta

from compliance.db import utcnow
from compliance.permissions import Role
from registers.breaches import services
from registers.breaches.draft import draft_from_incident
from registers.breaches.fanout import controllers_for
from registers.breaches.schemas import RiskLevel


def test_every_member_using_the_application_is_a_controller_with_its_activities(
    session, shared, make_incident, organisation, other_organisation, third_organisation
):
    incident = make_incident([shared["payroll"]])
    fanout = controllers_for(incident, session=session, everything=True)
    names = [c.organisation.name for c in fanout.controllers]
    assert names == ["Gentilly", "Ivry-sur-Seine", "Villejuif"]
    gentilly, ivry, villejuif = fanout.controllers
    # Ivry's elections activity relies on another application: not concerned.
    assert [a.reference for a in ivry.activities] == ["RH-01", "RH-02"]
    assert [a.reference for a in gentilly.activities] == ["RH-01"]
    assert [a.name for a in ivry.applications] == ["SEDIT WEB2"]
    # Villejuif uses the application with no activity on it in its record: still a
    # controller (it very probably processes personal data in it), with a warning.
    assert villejuif.activities == [] and not villejuif.has_activities
    assert [a.name for a in villejuif.applications] == ["SEDIT WEB2"]
    assert villejuif.may_create
    assert [(o.name, names) for o, names in fanout.without_activities] == [
        ("Villejuif", ["SEDIT WEB2"])
    ]
    assert fanout.hidden == 0
    assert [c.organisation.name for c in fanout.pending] == names


def test_a_member_without_activity_gets_its_breach_too(
    session, shared, make_incident, third_organisation
):
    incident = make_incident([shared["payroll"]])
    villejuif = controllers_for(incident, session=session, everything=True).controllers[2]
    told = utcnow().replace(microsecond=0) - timedelta(minutes=30)
    (breach,) = services.open_breaches_for_incident(
        session, incident, [(villejuif, told, told)], actor="test"
    )
    assert breach.organisation_id == third_organisation.id
    assert breach.activities == []
    assert "SEDIT WEB2" in breach.description


def test_an_incident_flagged_personal_data_concerns_the_organisations_it_names(
    session, make_incident, organisation, other_organisation
):
    # No application at all (a lost laptop): the affected organisations are the controllers;
    # the host that reports it, as processor, is not.
    incident = make_incident([], organisation_ids=[other_organisation.id])
    fanout = controllers_for(incident, session=session, everything=True)
    assert [c.organisation.name for c in fanout.controllers] == ["Gentilly"]
    assert make_incident([], personal_data=False).id
    unflagged = make_incident([], personal_data=False, organisation_ids=[organisation.id])
    assert controllers_for(unflagged, session=session, everything=True).controllers == []


def test_sensitive_data_first_and_people_not_counted_twice(session, shared, make_incident):
    incident = make_incident([shared["payroll"]])
    ivry = controllers_for(incident, session=session, everything=True).controllers[1]
    labels = [item.code for item in ivry.data]
    assert labels[:2] == ["health", "nir"]
    assert labels.index("economic_financial") < labels.index("identity")
    assert [item.special for item in ivry.data][:2] == [True, True]
    # Staff appear in both activities (3 350 and 3 000): the larger estimate, once.
    assert ivry.people_estimate == 3350


def test_a_user_sees_only_the_controllers_in_their_perimeter(
    session, shared, make_incident, make_user, organisation
):
    incident = make_incident([shared["payroll"]])
    referent = make_user(Role.REFERENT, organisation)
    fanout = controllers_for(incident, referent, session=session)
    assert [c.organisation.name for c in fanout.controllers] == ["Ivry-sur-Seine"]
    assert fanout.hidden == 2  # Gentilly and Villejuif
    assert fanout.pending_total == 3
    assert fanout.creatable == []  # a referent reads breaches, never creates them


def test_one_prefilled_breach_per_selected_controller_each_with_its_own_h0(
    session, shared, make_incident, organisation, other_organisation
):
    incident = make_incident([shared["payroll"]])
    gentilly, ivry, _villejuif = controllers_for(
        incident, session=session, everything=True
    ).controllers
    told = utcnow().replace(microsecond=0) - timedelta(minutes=30)
    later = told + timedelta(minutes=20)
    created = services.open_breaches_for_incident(
        session, incident, [(ivry, told, told), (gentilly, told, later)], actor="test"
    )
    by_org = {b.organisation_id: b for b in created}
    ivry_breach, gentilly_breach = by_org[organisation.id], by_org[other_organisation.id]
    assert ivry_breach.awareness_at == told  # confirmed: when the controller was told
    assert ivry_breach.controller_informed_at == told
    assert gentilly_breach.awareness_at == later
    assert gentilly_breach.notification_deadline == later + timedelta(hours=72)
    assert ivry_breach.incident_id == gentilly_breach.incident_id == incident.id
    assert [a.reference for a in ivry_breach.activities] == ["RH-01", "RH-02"]
    # Art. 33(3) content drafted from the incident and the register.
    assert ivry_breach.confidentiality and ivry_breach.availability
    assert not ivry_breach.integrity
    assert ivry_breach.special_categories == ["health"]
    assert ivry_breach.nir_concerned
    assert ivry_breach.subject_categories == ["staff"]
    assert ivry_breach.people_count == 3350
    assert "usurpation d'identité" in ivry_breach.consequences
    assert incident.reference in ivry_breach.description
    assert ivry_breach.risk_level == RiskLevel.HIGH
    assert "à confirmer" in ivry_breach.risk_reasoning
    assert ivry_breach.contact
    assert gentilly_breach.risk_level == RiskLevel.RISK
    # The panel now knows them.
    again = controllers_for(incident, session=session, everything=True)
    assert [c.organisation.name for c in again.controllers if c.existing] == [
        "Gentilly",
        "Ivry-sur-Seine",
    ]


def test_the_draft_is_french_and_bounded(app, session, shared, make_incident):
    incident = make_incident([shared["payroll"]], title="T" * 200)
    controller = controllers_for(incident, session=session, everything=True).controllers[0]
    draft = draft_from_incident(incident, controller, informed_at=utcnow())
    assert len(draft["title"]) <= 200
    assert draft["is_ongoing"] is False
    assert draft["origin"].value == "external"
    assert draft["cause"].value == "malicious"
