"""A DPIA of a template activity, shared by the members that apply the template: each member
sees it and validates it for its own activity."""

from __future__ import annotations

from datetime import date

import pytest

from compliance.permissions import Role
from registers.dpia import services
from registers.processing import services as processing_services
from registers.processing.schemas import ActivityCreate, ActivityUpdate, check
from registers.processing.template_activities import apply_template, create_template
from tests.registers.dpia.conftest import COMPLETE, REQUIRED_SCREENING, complete


@pytest.fixture
def shared(session, host, organisation, other_organisation):
    template = create_template(
        session, host, check(ActivityCreate, {**COMPLETE, **REQUIRED_SCREENING}), actor="test"
    )
    copies = apply_template(session, template, [organisation], actor="test")
    session.flush()
    dpia = services.start_dpia(session, template, actor="test")
    complete(session, dpia)
    services.validate_dpia(session, dpia, actor="test", today=date(2026, 5, 4))
    return dpia, copies[0]


def test_a_member_validates_the_shared_dpia_for_its_own_activity(
    session, shared, organisation, make_user
):
    dpia, copy = shared
    dpo = make_user(Role.DPO, organisation)
    assert copy.dpia_status.value != "completed"
    adoption = services.adopt_dpia(session, dpia, copy, actor=dpo, decision="Le maire adopte.")
    assert adoption.organisation_id == organisation.id and adoption.version_number == 1
    assert copy.dpia_status.value == "completed"
    services.revise_dpia(session, dpia, actor="test", reason="Le modèle a changé.")
    assert copy.dpia_status.value == "in_progress"


def test_a_referent_may_not_validate_for_the_member(session, shared, organisation, make_user):
    dpia, copy = shared
    with pytest.raises(services.PermissionDenied):
        services.adopt_dpia(session, dpia, copy, actor=make_user(Role.REFERENT, organisation))


def test_an_activity_not_applying_the_template_cannot_adopt(
    session, shared, other_organisation, make_activity
):
    dpia, _copy = shared
    unrelated = make_activity(other_organisation)
    with pytest.raises(services.WorkflowError):
        services.adopt_dpia(session, dpia, unrelated, actor="test")


def test_a_member_copy_that_changes_loses_its_adoption(session, shared, organisation):
    dpia, copy = shared
    services.adopt_dpia(session, dpia, copy, actor="test")
    processing_services.update_processing(
        session,
        copy,
        check(
            ActivityUpdate, {"purposes": [{"description": "Autre", "legal_basis": "public_task"}]}
        ),
        actor="test",
    )
    session.flush()
    assert dpia.adoptions == [] and dpia.is_validated
    assert copy.dpia_status.value == "in_progress"
