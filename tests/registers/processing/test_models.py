"""The tables of the record: child rows, the per-organisation reference, encrypted contact."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from registers.processing.models import (
    ProcessingActivity,
    ProcessingDataCategory,
    ProcessingPurpose,
)
from registers.processing.reference import DataCategory, LegalBasis


def test_activity_with_children_round_trips(session, organisation):
    activity = ProcessingActivity(
        organisation_id=organisation.id,
        reference="T-1",
        name="Tenue de l'état civil",
        contact="Mme Martin, 01 02 03 04 05",
    )
    activity.purposes = [
        ProcessingPurpose(
            is_main=True, description="Établir les actes", legal_basis=LegalBasis.PUBLIC_TASK
        )
    ]
    activity.data_categories = [ProcessingDataCategory(category=DataCategory.IDENTITY)]
    session.add(activity)
    session.flush()
    session.expire_all()
    loaded = session.get(ProcessingActivity, activity.id)
    assert loaded.main_purpose.legal_basis is LegalBasis.PUBLIC_TASK
    assert loaded.data_categories[0].category is DataCategory.IDENTITY
    assert loaded.contact == "Mme Martin, 01 02 03 04 05"
    raw = session.execute(
        sa.text("SELECT contact FROM processing_activity WHERE id = :id"), {"id": activity.id}
    ).scalar()
    assert "Martin" not in raw


def test_reference_is_unique_per_organisation(session, organisation, other_organisation):
    session.add(ProcessingActivity(organisation_id=organisation.id, reference="R", name="a"))
    session.add(ProcessingActivity(organisation_id=other_organisation.id, reference="R", name="b"))
    session.flush()
    session.add(ProcessingActivity(organisation_id=organisation.id, reference="R", name="c"))
    with pytest.raises(IntegrityError), session.begin_nested():
        session.flush()
