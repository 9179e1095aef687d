"""The register's writes: numbering, levels, the residual and acceptance rules, the links within
the risk's scope, the DPO's restriction, the audit trail and optimistic locking."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from compliance.audit import AuditEntry
from compliance.db import ConflictError
from compliance.permissions import Role
from compliance.services import FieldErrors
from registers.risks import services
from registers.risks.schemas import RiskLevel

ACCEPTANCE = {
    "accepted_by": "Directeur général des services",
    "accepted_on": date(2026, 3, 10),
    "accepted_until": date(2027, 3, 10),
}


def test_a_risk_is_numbered_and_levelled(make_risk, organisation):
    risk = make_risk(organisation)
    other = make_risk(organisation)
    assert risk.reference == "RSK-2026-001" and other.reference == "RSK-2026-002"
    assert risk.inherent_score == 12 and risk.inherent_level == RiskLevel.CRITICAL
    assert risk.residual_score is None and risk.residual_level is None


@pytest.mark.parametrize(
    ("likelihood", "impact", "level"),
    [
        (1, 3, RiskLevel.LOW),
        (2, 2, RiskLevel.MODERATE),
        (3, 2, RiskLevel.MODERATE),
        (2, 4, RiskLevel.HIGH),
        (3, 3, RiskLevel.HIGH),
        (4, 3, RiskLevel.CRITICAL),
    ],
)
def test_the_level_is_the_band_of_likelihood_times_impact(
    make_risk, organisation, likelihood, impact, level
):
    assert make_risk(organisation, likelihood=likelihood, impact=impact).inherent_level == level


def test_the_residual_level_may_not_exceed_the_inherent_one(session, make_risk, organisation):
    with pytest.raises(FieldErrors) as error:
        make_risk(organisation, likelihood=2, impact=2, residual_likelihood=3, residual_impact=2)
    assert "residual_likelihood" in error.value.errors
    risk = make_risk(organisation, likelihood=2, impact=2)
    # Neither axis rises, even when the product would not.
    with pytest.raises(FieldErrors) as error:
        services.update_risk(
            session, risk, {"residual_likelihood": 1, "residual_impact": 3}, actor="test"
        )
    assert "residual_impact" in error.value.errors
    assert risk.residual_score is None
    services.update_risk(
        session, risk, {"residual_likelihood": 1, "residual_impact": 2}, actor="test"
    )
    assert risk.residual_score == 2 and risk.residual_level == RiskLevel.LOW


def test_residual_likelihood_and_impact_go_together(make_risk, organisation):
    with pytest.raises(FieldErrors) as error:
        make_risk(organisation, residual_likelihood=2)
    assert "residual_impact" in error.value.errors


def test_an_accepted_risk_needs_the_owners_acceptance(make_risk, organisation):
    with pytest.raises(FieldErrors) as error:
        make_risk(organisation, treatment="accept")
    assert set(error.value.errors) >= set(ACCEPTANCE)
    risk = make_risk(organisation, treatment="accept", **ACCEPTANCE)
    assert risk.accepted_by == ACCEPTANCE["accepted_by"]


def test_a_high_residual_level_needs_the_owners_acceptance(make_risk, organisation):
    with pytest.raises(FieldErrors) as error:
        make_risk(organisation, residual_likelihood=3, residual_impact=3)
    assert "accepted_by" in error.value.errors
    assert make_risk(organisation, residual_likelihood=3, residual_impact=3, **ACCEPTANCE)
    # A moderate residual level needs none.
    assert make_risk(organisation, residual_likelihood=2, residual_impact=3)


def test_the_acceptance_ends_after_it_begins(make_risk, organisation):
    with pytest.raises(FieldErrors) as error:
        make_risk(
            organisation, treatment="accept", **{**ACCEPTANCE, "accepted_until": date(2026, 1, 1)}
        )
    assert "accepted_until" in error.value.errors


def test_links_stay_within_the_risks_organisation(
    session,
    make_risk,
    organisation,
    other_organisation,
    make_application,
    make_deployment,
    make_activity,
):
    ours, theirs = make_application("Ciril Finances"), make_application("Concerto")
    make_deployment(organisation, ours)
    make_deployment(other_organisation, theirs)
    activity = make_activity(other_organisation)
    session.flush()
    risk = make_risk(organisation, application_ids=[ours.id])
    assert risk.applications == [ours]
    with pytest.raises(FieldErrors) as error:
        make_risk(organisation, application_ids=[theirs.id])
    assert "application_ids" in error.value.errors
    with pytest.raises(FieldErrors) as error:
        make_risk(organisation, processing_ids=[activity.id])
    assert "processing_ids" in error.value.errors


def test_the_syndicates_risks_concern_the_whole_catalogue(
    session, make_risk, host, organisation, make_application, make_deployment
):
    application = make_application("Ciril Finances")
    make_deployment(organisation, application)
    session.flush()
    assert make_risk(host, application_ids=[application.id]).applications == [application]


def test_roadmap_actions_and_hygiene_measures(
    session, make_risk, host, organisation, make_roadmap, make_roadmap_action
):
    from registers.roadmap.models import HygieneMeasure

    action = make_roadmap_action()  # the syndicate's
    measure = session.scalar(sa.select(HygieneMeasure).where(HygieneMeasure.ref == "37"))
    risk = make_risk(host, roadmap_action_ids=[action.id], hygiene_measure_ids=[measure.id])
    assert risk.roadmap_actions == [action] and risk.measures == [measure]
    with pytest.raises(FieldErrors) as error:
        make_risk(organisation, roadmap_action_ids=[action.id])
    assert "roadmap_action_ids" in error.value.errors
    with pytest.raises(FieldErrors) as error:
        make_risk(host, hygiene_measure_ids=[987654])
    assert "hygiene_measure_ids" in error.value.errors


def test_a_linked_activity_or_dpia_means_personal_data(
    session, make_risk, organisation, make_activity, make_dpia
):
    activity = make_activity(organisation)
    session.flush()
    assert make_risk(organisation, processing_ids=[activity.id]).personal_data
    dpia = make_dpia(organisation)
    session.flush()
    risk = make_risk(organisation, dpia_id=dpia.id)
    assert risk.personal_data and risk.dpia == dpia


def test_the_dpo_writes_only_the_risks_that_concern_personal_data(
    session, make_risk, make_user, organisation
):
    dpo = make_user(Role.DPO, organisation)
    with pytest.raises(FieldErrors) as error:
        make_risk(organisation, actor=dpo)
    assert "personal_data" in error.value.errors
    ours = make_risk(organisation, actor=dpo, personal_data=True)
    services.update_risk(session, ours, {"likelihood": 2}, actor=dpo)
    security = make_risk(organisation)
    assert not services.may_write(session, security, dpo)
    with pytest.raises(FieldErrors):
        services.update_risk(session, security, {"likelihood": 2}, actor=dpo)
    # Nor may the DPO take the flag off a risk, which would leave it outside their remit;
    # nothing has changed when refused.
    with pytest.raises(FieldErrors):
        services.update_risk(session, ours, {"personal_data": False, "likelihood": 1}, actor=dpo)
    assert ours.personal_data and ours.likelihood == 2
    # The CISO writes both.
    ciso = make_user(Role.CISO, organisation)
    services.update_risk(session, security, {"likelihood": 2}, actor=ciso)
    assert security.likelihood == 2


def test_changes_are_audited_and_versioned(session, make_risk, organisation):
    risk = make_risk(organisation)
    session.flush()
    version = risk.version
    services.update_risk(session, risk, {"impact": 2}, actor="test", version=version)
    session.flush()
    assert risk.inherent_score == 6
    entries = session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.object_type == "Risk", AuditEntry.object_id == str(risk.id)
        )
    ).all()
    assert [e.action for e in entries] == ["create", "update"]
    with pytest.raises(ConflictError):
        services.update_risk(session, risk, {"impact": 1}, actor="test", version=version)


def test_a_risk_never_changes_organisation(session, make_risk, organisation, other_organisation):
    risk = make_risk(organisation)
    with pytest.raises(FieldErrors) as error:
        services.update_risk(
            session, risk, {"organisation_id": other_organisation.id}, actor="test"
        )
    assert "organisation_id" in error.value.errors


def test_interfaces_and_dpias_stay_within_the_risks_organisation(
    session,
    make_risk,
    organisation,
    other_organisation,
    make_application,
    make_deployment,
    make_interface,
    make_dpia,
):
    finance, billing, theirs = (make_application(n) for n in ("Sedit.GF", "Concerto", "Orphée"))
    for application in (finance, billing):
        make_deployment(organisation, application)
    make_deployment(other_organisation, theirs)
    make_deployment(other_organisation, finance)
    ours = make_interface(finance, billing)
    foreign = make_interface(finance, theirs)
    dpia = make_dpia(other_organisation)
    session.flush()
    assert make_risk(organisation, interface_ids=[ours.id]).interfaces == [ours]
    with pytest.raises(FieldErrors) as error:
        make_risk(organisation, interface_ids=[foreign.id])
    assert "interface_ids" in error.value.errors
    with pytest.raises(FieldErrors) as error:
        make_risk(organisation, dpia_id=dpia.id)
    assert "dpia_id" in error.value.errors


def test_the_bands_hold_the_products_of_the_scales():
    assert [level.products for level in RiskLevel] == [(1, 2, 3), (4, 6), (8, 9), (12, 16)]
