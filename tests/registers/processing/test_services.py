"""Services: creating and editing an activity with its rows, the workflow and its permissions."""

from __future__ import annotations

import pytest

from compliance.audit import AuditEntry
from compliance.db import ConflictError
from compliance.permissions import Role
from registers.processing import services
from registers.processing.reference import LegalBasis, ProcessingStatus
from registers.processing.schemas import ActivityCreate, ActivityUpdate, check


def test_create_with_children_and_audit(session, organisation, make_activity, make_application):
    app = make_application("Adagio")
    activity = make_activity(organisation, application_ids=[app.id], dpia_criteria="large_scale")
    assert activity.reference == "T-001"
    assert activity.status == ProcessingStatus.DRAFT
    assert activity.main_purpose.legal_basis == LegalBasis.LEGAL_OBLIGATION
    assert [a.name for a in activity.applications] == ["Adagio"]
    assert activity.dpia_criteria == ["large_scale"] and activity.dpia_required is False
    entry = (
        session.query(AuditEntry).filter_by(action="create", object_type="ProcessingActivity").one()
    )
    assert entry.changes["purposes"]["after"][0]["legal_basis"] == "legal_obligation"
    assert make_activity(organisation).reference == "T-002"


def test_bad_input_names_each_field(session, organisation):
    with pytest.raises(services.FieldErrors) as error:
        services.create_processing(
            session,
            organisation,
            check(
                ActivityCreate,
                {"name": "X", "purposes": [{"legal_basis": "whim"}], "application_ids": [999999]},
            ),
            actor="test",
        )
    assert "purposes[0].legal_basis" in error.value.errors
    assert "purposes[0].description" in error.value.errors


def test_duplicate_reference_refused(organisation, make_activity):
    make_activity(organisation, reference="EC-1")
    with pytest.raises(services.FieldErrors):
        make_activity(organisation, reference="EC-1")


def test_update_replaces_rows_bumps_version_and_screens(session, organisation, make_activity):
    activity = make_activity(organisation)
    version = activity.version
    services.update_processing(
        session,
        activity,
        check(
            ActivityUpdate,
            {
                "subjects": [{"category": "children"}, {"category": "families"}],
                "dpia_criteria": ["vulnerable_subjects", "large_scale"],
            },
        ),
        actor="test",
        version=version,
    )
    assert [s.category.value for s in activity.subjects] == ["children", "families"]
    assert activity.dpia_required is True
    assert activity.version == version + 1
    with pytest.raises(ConflictError):
        services.update_processing(
            session, activity, check(ActivityUpdate, {"name": "Y"}), actor="test", version=version
        )


def test_referent_edits_and_submits_dpo_validates(session, organisation, make_user, make_activity):
    referent = make_user(Role.REFERENT, organisation)
    dpo = make_user(Role.DPO, organisation)
    activity = make_activity(organisation, actor=referent)
    services.update_processing(
        session, activity, check(ActivityUpdate, {"name": "Élections"}), actor=referent
    )
    services.submit_processing(session, activity, actor=referent)
    assert activity.status == ProcessingStatus.SUBMITTED and activity.submitted_at
    with pytest.raises(services.PermissionDenied):
        services.validate_processing(session, activity, actor=referent)
    services.validate_processing(session, activity, actor=dpo, remarks="RAS")
    assert activity.status == ProcessingStatus.VALIDATED
    assert activity.validated_by_id == dpo.id and activity.next_review_on > activity.last_review_on
    # A referent's later edit needs the DPO again.
    services.update_processing(
        session, activity, check(ActivityUpdate, {"description": "Révision"}), actor=referent
    )
    assert activity.status == ProcessingStatus.DRAFT


def test_dpo_sends_back_with_remarks(session, organisation, make_user, make_activity):
    dpo = make_user(Role.DPO, organisation)
    activity = make_activity(organisation)
    services.submit_processing(session, activity, actor="test")
    with pytest.raises(services.FieldErrors):
        services.send_back_processing(session, activity, actor=dpo, remarks=" ")
    services.send_back_processing(session, activity, actor=dpo, remarks="Préciser la DUA")
    assert activity.status == ProcessingStatus.DRAFT and activity.dpo_remarks == "Préciser la DUA"
    with pytest.raises(services.WorkflowError):
        services.send_back_processing(session, activity, actor=dpo, remarks="encore")


def test_auditor_and_other_members_cannot_write(
    session, organisation, other_organisation, make_user, make_activity
):
    auditor = make_user(Role.AUDITOR, organisation)
    stranger = make_user(Role.REFERENT, other_organisation)
    ciso = make_user(Role.CISO, organisation)
    activity = make_activity(organisation)
    for actor in (auditor, stranger, ciso):
        with pytest.raises(services.PermissionDenied):
            services.update_processing(
                session, activity, check(ActivityUpdate, {"name": "X"}), actor=actor
            )
        with pytest.raises(services.PermissionDenied):
            services.submit_processing(session, activity, actor=actor)
        with pytest.raises(services.PermissionDenied):
            services.create_processing(
                session, organisation, check(ActivityCreate, {"name": "X"}), actor=actor
            )


def test_archive_then_restore(session, organisation, make_activity):
    activity = make_activity(organisation)
    services.archive_processing(session, activity, actor="test")
    assert activity.is_archived
    with pytest.raises(services.WorkflowError):
        services.update_processing(
            session, activity, check(ActivityUpdate, {"name": "X"}), actor="test"
        )
    services.restore_processing(session, activity, actor="test")
    assert activity.status == ProcessingStatus.DRAFT and activity.archived_at is None
