"""The DPIA's services: started from the register and the map, validated with its gates,
kept in versions, and in step with the activity's DPIA summary and warnings."""

from __future__ import annotations

from datetime import date

import pytest

from compliance.permissions import Role
from compliance.schemas import FieldErrors, validate
from registers.dpia import compute, services
from registers.dpia.models import DpiaVersion
from registers.dpia.schemas import DpiaStatus, DpiaUpdate, RiskZone
from registers.processing import services as processing_services
from registers.processing.schemas import ActivityUpdate
from tests.registers.dpia.conftest import complete

CONSULTED = {"consultation_requested_on": "02/03/2026", "cnil_answer_on": "20/04/2026"}


def test_a_dpia_started_from_an_activity_carries_its_context(
    session, organisation, make_dpia, make_application, make_deployment, make_interface
):
    dossier = make_application(name="Dossier patient")
    agenda = make_application(name="Agenda médical")
    make_deployment(organisation, dossier)
    make_interface(dossier, agenda, data="Rendez-vous")
    dpia = make_dpia(
        organisation,
        application_ids=[dossier.id],
        recipients=[{"recipient_type": "processor", "name": "Hébergeur HDS"}],
    )
    assert dpia.status == DpiaStatus.DRAFT and dpia.reference == "AIPD-001"
    assert dpia.processing.dpia_status.value == "in_progress"
    assert "Tenir la liste électorale" in dpia.purposes
    assert "Ivry-sur-Seine" in dpia.controller
    assert "Hébergeur HDS" in dpia.processors
    assert "Dossier patient" in dpia.applications
    assert "Dossier patient → Agenda médical : Rendez-vous" in dpia.supporting_assets
    assert "Comptes nominatifs" in [m.description for m in dpia.measures]
    assert dpia.principles["legal_basis"]["justification"]
    assert {risk.kind.value for risk in dpia.risks} == {
        "illegitimate_access",
        "unwanted_modification",
        "disappearance",
    }


def test_a_risk_left_maximum_and_significant_requires_prior_consultation(
    session, organisation, make_dpia
):
    dpia = complete(session, make_dpia(organisation), residual=("maximum", "significant"))
    assert compute.residual_zone(dpia) == RiskZone.HIGH
    assert compute.prior_consultation_required(dpia)
    with pytest.raises(FieldErrors) as refused:
        services.validate_dpia(session, dpia, actor="test")
    assert {"consultation_requested_on", "cnil_answer_on"} <= set(refused.value.errors)
    assert dpia.status == DpiaStatus.DRAFT
    services.update_dpia(session, dpia, validate(DpiaUpdate, CONSULTED), actor="test")
    services.validate_dpia(session, dpia, actor="test", today=date(2026, 5, 4))
    assert dpia.status == DpiaStatus.VALIDATED


def test_a_risk_lowered_by_the_measures_needs_no_consultation(session, organisation, make_dpia):
    dpia = complete(session, make_dpia(organisation), residual=("significant", "limited"))
    assert compute.residual_zone(dpia) == RiskZone.MEDIUM
    assert not compute.prior_consultation_required(dpia)


def test_validation_names_each_missing_part(session, organisation, make_dpia):
    dpia = make_dpia(organisation)
    with pytest.raises(FieldErrors) as refused:
        services.validate_dpia(session, dpia, actor="test")
    errors = refused.value.errors
    assert {"dpo_opinion", "persons_opinion", "controller_decision"} <= set(errors)
    assert "risk_illegitimate_access" in errors and "principle_consent" in errors


def test_the_validated_dpia_clears_the_register_warning_and_keeps_a_version(
    session, organisation, make_dpia
):
    dpia = complete(session, make_dpia(organisation))
    activity = dpia.processing
    before = activity.warning_count
    assert activity.dpia_required
    services.validate_dpia(session, dpia, actor="test", today=date(2026, 5, 4))
    session.flush()
    assert activity.warning_count == before - 1
    assert activity.dpia_status.value == "completed"
    assert activity.dpia_next_review_on == dpia.next_review_on == date(2029, 5, 3)
    kept = session.query(DpiaVersion).filter_by(dpia_id=dpia.id).one()
    assert kept.number == 1 and kept.content["reference"] == dpia.reference
    assert kept.content["residual_zone"] == "low"


def test_a_change_of_purposes_after_validation_sends_the_dpia_to_revision(
    session, organisation, make_dpia
):
    dpia = complete(session, make_dpia(organisation))
    services.validate_dpia(session, dpia, actor="test", today=date(2026, 5, 4))
    activity = dpia.processing
    validated_count = activity.warning_count
    processing_services.update_processing(
        session,
        activity,
        validate(
            ActivityUpdate,
            {"purposes": [{"description": "Autre finalité", "legal_basis": "public_task"}]},
        ),
        actor="test",
    )
    assert dpia.status == DpiaStatus.TO_REVISE
    assert "purposes" in dpia.revision_reason
    assert activity.warning_count == validated_count + 1


def test_an_edit_of_other_fields_leaves_the_dpia_validated(session, organisation, make_dpia):
    dpia = complete(session, make_dpia(organisation))
    services.validate_dpia(session, dpia, actor="test", today=date(2026, 5, 4))
    processing_services.update_processing(
        session, dpia.processing, validate(ActivityUpdate, {"name": "Autre nom"}), actor="test"
    )
    assert dpia.status == DpiaStatus.VALIDATED


def test_a_passed_review_date_sends_the_dpia_to_revision(session, organisation, make_dpia):
    dpia = complete(session, make_dpia(organisation), next_review_on="01/06/2026")
    services.validate_dpia(session, dpia, actor="test", today=date(2026, 5, 4))
    assert services.revise_overdue(session, today=date(2026, 5, 30)) == []
    assert services.revise_overdue(session, today=date(2026, 6, 2)) == [dpia]
    assert dpia.status == DpiaStatus.TO_REVISE


def test_a_referent_writes_the_context_not_the_validation(
    session, organisation, make_dpia, make_user
):
    referent = make_user(Role.REFERENT, organisation)
    dpia = make_dpia(organisation)
    services.update_dpia(
        session, dpia, validate(DpiaUpdate, {"standards": "Référentiel HDS"}), actor=referent
    )
    assert dpia.standards == "Référentiel HDS"
    with pytest.raises(services.PermissionDenied):
        services.update_dpia(
            session, dpia, validate(DpiaUpdate, {"dpo_opinion": "Avis"}), actor=referent
        )
    with pytest.raises(services.PermissionDenied):
        services.validate_dpia(session, dpia, actor=referent)


def test_the_answer_of_the_cnil_cannot_precede_the_request(session, organisation, make_dpia):
    dpia = make_dpia(organisation)
    with pytest.raises(FieldErrors) as refused:
        services.update_dpia(
            session,
            dpia,
            validate(
                DpiaUpdate,
                {"consultation_requested_on": "02/03/2026", "cnil_answer_on": "01/03/2026"},
            ),
            actor="test",
        )
    assert "cnil_answer_on" in refused.value.errors
    assert dpia.cnil_answer_on is None


def test_one_dpia_per_activity(session, organisation, make_dpia):
    dpia = make_dpia(organisation)
    with pytest.raises(services.WorkflowError):
        services.start_dpia(session, dpia.processing, actor="test")


def test_the_activitys_dpia_summary_is_the_assessments_to_write(
    session, organisation, make_dpia, make_activity
):
    """Once a DPIA assesses an activity, the activity's own DPIA fields (status, date,
    conclusion...) are refused from the processing form and API, with a message naming the
    DPIA; the same values pass, and an activity without a DPIA keeps them editable."""
    dpia = complete(session, make_dpia(organisation))
    services.validate_dpia(session, dpia, actor="test", today=date(2026, 5, 4))
    activity = dpia.processing
    with pytest.raises(FieldErrors) as refused:
        processing_services.update_processing(
            session,
            activity,
            validate(ActivityUpdate, {"dpia_status": "not_started", "dpia_conclusion": "Rien"}),
            actor="test",
        )
    assert set(refused.value.errors) == {"dpia_status", "dpia_conclusion"}
    assert dpia.reference in refused.value.errors["dpia_status"]
    assert activity.dpia_conclusion == dpia.controller_decision
    same = {"dpia_status": activity.dpia_status.value, "name": "Nouveau nom"}
    processing_services.update_processing(
        session, activity, validate(ActivityUpdate, same), actor="test"
    )
    assert activity.name == "Nouveau nom"

    free = make_activity(organisation)
    session.flush()
    processing_services.update_processing(
        session, free, validate(ActivityUpdate, {"dpia_conclusion": "Sans AIPD ici"}), actor="test"
    )
    assert free.dpia_conclusion == "Sans AIPD ici"
