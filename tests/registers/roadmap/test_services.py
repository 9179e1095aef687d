"""Services: actions and their links, validation, optimistic locking, milestones, the
self-assessment, and the escalation of a corrective action; every change audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from compliance.audit import AuditEntry
from compliance.db import ConflictError
from compliance.schemas import FieldErrors, validate
from registers.incidents.models import ActionSource
from registers.roadmap import services
from registers.roadmap.catalogue import find_measures
from registers.roadmap.models import (
    ActionCorrectiveAction,
    ActionStatus,
    AssessmentState,
    Priority,
    Theme,
)
from registers.roadmap.schemas import (
    Escalation,
    HygieneAssessmentCreate,
    MilestoneCreate,
    RoadmapActionUpdate,
    RoadmapUpdate,
)
from tests.registers.roadmap.conftest import days


def _change(session, action, data: dict, version=None):
    changes = validate(RoadmapActionUpdate, data)
    return services.update_action(session, action, changes, actor="test", version=version)


def test_create_action_numbers_links_and_audits(
    session, roadmap, make_roadmap_action, make_application, make_incident
):
    application = make_application("Sedit.GF")
    incident = make_incident()
    first = make_roadmap_action(
        measures=["36", "36.r", "40"],
        application_ids=[application.id],
        incident_ids=[incident.id],
        investment_estimated="85 000",
    )
    second = make_roadmap_action(title="Sensibilisation", theme=Theme.AWARENESS)
    assert (first.code, second.code) == ("A-01", "A-02")
    assert first.organisation_id == roadmap.organisation_id
    assert [m.ref for m in first.measures] == ["36", "36.R", "40"]
    assert first.applications == [application] and first.incidents == [incident]
    assert first.investment_estimated == 85_000
    entry = session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.object_type == "RoadmapAction", AuditEntry.object_id == str(first.id)
        )
    )
    assert entry.action == "create" and entry.changes["measures"]["after"] == ["36", "36.R", "40"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": ""}, "title"),
        ({"theme": "XI"}, "theme"),
        ({"target_on": "2020-01-01"}, "target_on"),
        ({"progress": 120}, "progress"),
        ({"measures": ["43"]}, "measures"),
        ({"application_ids": [999_999]}, "application_ids"),
        ({"investment_spent": -5}, "investment_spent"),
        ({"code": "bad code"}, "code"),
    ],
)
def test_bad_input_is_refused_field_by_field(make_roadmap_action, data, field):
    with pytest.raises(FieldErrors) as error:
        make_roadmap_action(**data)
    assert field in error.value.errors


def test_codes_are_unique_in_a_roadmap(make_roadmap_action):
    make_roadmap_action(code="SIEM")
    with pytest.raises(FieldErrors) as error:
        make_roadmap_action(code="SIEM")
    assert "code" in error.value.errors


def test_done_means_complete(session, make_roadmap_action):
    action = make_roadmap_action(progress=40)
    _change(session, action, {"status": "done"})
    assert action.progress == 100 and action.completed_on is not None
    _change(session, action, {"status": "in_progress", "progress": 90})
    assert action.completed_on is None and action.progress == 90


def test_stale_version_is_a_conflict(session, make_roadmap_action):
    action = make_roadmap_action()
    seen = action.version
    _change(session, action, {"progress": 30}, version=seen)
    with pytest.raises(ConflictError):
        _change(session, action, {"progress": 50}, version=seen)
    assert action.progress == 30


def test_changing_links_moves_the_version(session, make_roadmap_action):
    action = make_roadmap_action()
    before = action.version
    _change(session, action, {"measures": ["13", "13.R"]})
    session.flush()
    assert action.version == before + 1
    assert [m.ref for m in action.measures] == ["13", "13.R"]


def test_milestones(session, make_roadmap_action):
    action = make_roadmap_action()
    values = validate(MilestoneCreate, {"due_on": days(10), "label": "Marché notifié"})
    milestone = services.add_milestone(session, action, values, actor="test")
    services.set_milestone_done(session, milestone, True, actor="test")
    assert action.milestones[0].done
    with pytest.raises(FieldErrors) as error:
        validate(MilestoneCreate, {"label": "Sans date"})
    assert error.value.errors == {"due_on": "est obligatoire"}
    services.remove_milestone(session, milestone, actor="test")
    assert action.milestones == []


def test_assessment_is_created_then_updated(session, host):
    measure = find_measures(session, ["37"])[0]
    values = validate(
        HygieneAssessmentCreate, {"state": "partial", "comment": "Pas de copie hors ligne"}
    )
    first = services.assess_measure(session, host, measure, values, actor="test")
    assert first.state == AssessmentState.PARTIAL and first.assessed_on is not None
    values = validate(HygieneAssessmentCreate, {"state": "done"})
    again = services.assess_measure(
        session, host, measure, values, actor="test", version=first.version
    )
    assert again.id == first.id and again.state == AssessmentState.DONE
    with pytest.raises(FieldErrors) as error:
        validate(HygieneAssessmentCreate, {"state": "maybe"})
    assert error.value.errors == {
        "state": "doit être l'une des valeurs : not_done, partial, done, not_applicable"
    }


def test_escalating_a_corrective_action_creates_a_linked_roadmap_action(
    session, roadmap, make_incident, make_corrective_action
):
    incident = make_incident()
    corrective = make_corrective_action(
        source=ActionSource.INCIDENT,
        incident_id=incident.id,
        title="Centraliser et surveiller les journaux de sécurité",
        owner="RSSI (SIIM94)",
    )
    values = validate(Escalation, {"priority": "P2", "target_on": days(200)})
    action = services.escalate_corrective_action(session, corrective, values, actor="test")
    assert action.roadmap_id == roadmap.id
    assert action.title == corrective.title and action.owner == "RSSI (SIIM94)"
    assert action.priority == Priority.P2 and action.status == ActionStatus.PLANNED
    assert action.corrective_actions == [corrective]
    assert action.incidents == [incident]
    link = session.get(ActionCorrectiveAction, (action.id, corrective.id))
    assert link.escalated
    assert services.escalated_from(session, action) == [corrective.id]
    trail = session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "escalate", AuditEntry.object_id == str(corrective.id)
        )
    )
    assert action.code in trail.summary
    # Once is enough: the corrective action stays linked to the one roadmap action.
    with pytest.raises(FieldErrors):
        services.escalate_corrective_action(session, corrective, Escalation(), actor="test")


def test_escalation_needs_a_roadmap_of_the_same_organisation(
    session, make_roadmap, other_organisation, make_corrective_action
):
    make_roadmap(other_organisation)
    corrective = make_corrective_action()  # the syndicate's, which has no roadmap here
    with pytest.raises(FieldErrors) as error:
        services.escalate_corrective_action(session, corrective, Escalation(), actor="test")
    assert "roadmap_id" in error.value.errors


def test_the_programme_never_pays_more_than_it_granted(make_roadmap, roadmap, session):
    with pytest.raises(FieldErrors) as error:
        make_roadmap(subsidy_total=250_000, subsidy_received=300_000)
    assert error.value.errors == {"subsidy_received": "ne peut pas dépasser la subvention accordée"}
    with pytest.raises(FieldErrors):
        services.update_roadmap(
            session,
            roadmap,
            validate(RoadmapUpdate, {"subsidy_received": 95_000}),
            actor="test",
            version=roadmap.version,
        )


@pytest.fixture
def ceilings(app, monkeypatch):
    """The programmes' ceilings of the settings (COMPLIANCE_ROADMAP_SUBSIDY_CEILINGS)."""
    values = {"Parcours": 10_000, "Parcours de cybersécurité": 90_000}
    monkeypatch.setitem(app.config, "ROADMAP_SUBSIDY_CEILINGS", values)
    return values


def test_a_programme_grants_no_more_than_its_ceiling(make_roadmap, session, ceilings):
    # "Parcours de cybersécurité" is the longest listed name the roadmap's programme contains.
    with pytest.raises(FieldErrors) as error:
        make_roadmap(
            programme_name="Parcours de cybersécurité de l'ANSSI (France Relance)",
            subsidy_total=250_000,
            subsidy_received=0,
        )
    assert error.value.errors == {
        "subsidy_total": "ne peut pas dépasser le plafond du programme "
        "« Parcours de cybersécurité » (90\u202f000\u00a0€)"
    }
    roadmap = make_roadmap(subsidy_total=90_000)
    with pytest.raises(FieldErrors) as error:
        services.update_roadmap(
            session,
            roadmap,
            validate(RoadmapUpdate, {"subsidy_total": 90_001}),
            actor="test",
            version=roadmap.version,
        )
    assert set(error.value.errors) == {"subsidy_total"}
    assert roadmap.subsidy_total == 90_000
    # Another programme has no ceiling in the settings.
    services.update_roadmap(
        session,
        roadmap,
        validate(RoadmapUpdate, {"programme_name": "FEDER", "subsidy_total": 250_000}),
        actor="test",
        version=roadmap.version,
    )
    assert roadmap.subsidy_total == 250_000


def test_the_actions_shares_stay_within_the_programme_s_ceiling(make_roadmap_action, ceilings):
    costly = {"investment_estimated": 100_000}
    make_roadmap_action(subsidy_amount=60_000, **costly)
    with pytest.raises(FieldErrors) as error:
        make_roadmap_action(subsidy_amount=40_000, **costly)
    assert error.value.errors == {
        "subsidy_amount": "porterait les parts de subvention des actions à 100\u202f000\u00a0€, "
        "au-delà du plafond du programme « Parcours de cybersécurité » (90\u202f000\u00a0€)"
    }


def test_a_cancelled_action_s_share_is_freed_until_it_comes_back(
    make_roadmap_action, session, ceilings
):
    costly = {"investment_estimated": 100_000}
    first = make_roadmap_action(subsidy_amount=60_000, **costly)
    second = make_roadmap_action(subsidy_amount=30_000, **costly)
    services.update_action(
        session,
        first,
        validate(RoadmapActionUpdate, {"status": "cancelled"}),
        actor="test",
        version=first.version,
    )
    services.update_action(
        session,
        second,
        validate(RoadmapActionUpdate, {"subsidy_amount": 90_000}),
        actor="test",
        version=second.version,
    )
    assert second.subsidy_amount == 90_000
    with pytest.raises(FieldErrors) as error:
        services.update_action(
            session,
            first,
            validate(RoadmapActionUpdate, {"status": "in_progress"}),
            actor="test",
            version=first.version,
        )
    assert set(error.value.errors) == {"subsidy_amount"}


def test_an_action_is_never_subsidised_beyond_its_cost(make_roadmap_action):
    with pytest.raises(FieldErrors) as error:
        make_roadmap_action(
            investment_estimated=100_000, operating_estimated=20_000, subsidy_amount=250_000
        )
    assert set(error.value.errors) == {"subsidy_amount"}
    action = make_roadmap_action(
        investment_estimated=100_000, operating_estimated=20_000, subsidy_amount=60_000
    )
    assert action.subsidy_amount == 60_000
