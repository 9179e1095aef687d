"""The audits register's part of `compliance demo`: the 2026 programme with two audits, their
findings and the one corrective action a nonconformity opened; the 2025 review held (figures
frozen) and the 2026 review in preparation; loaded twice without doubling."""

from __future__ import annotations

import sqlalchemy as sa

from compliance import demo as kernel_demo
from registers.audits import demo
from registers.audits.models import (
    Audit,
    AuditProgramme,
    Finding,
    ManagementReview,
    ReviewStatus,
)
from registers.incidents.models import ActionSource, CorrectiveAction


def test_demo_programme_and_reviews(session):
    organisations = kernel_demo.load_organisations(session, "test")
    kernel_demo.load_users(session, organisations, "test")
    demo.load(session, actor="test")
    demo.load(session, actor="test")
    session.flush()
    programmes = list(session.scalars(sa.select(AuditProgramme)))
    assert [p.year for p in programmes] == [2026]
    audits = list(session.scalars(sa.select(Audit)))
    assert len(audits) == 2
    findings = list(session.scalars(sa.select(Finding)))
    assert {f.kind.value for f in findings} >= {"minor", "observation", "improvement"}
    opened = list(
        session.scalars(
            sa.select(CorrectiveAction).where(
                CorrectiveAction.source == ActionSource.INTERNAL_AUDIT
            )
        )
    )
    assert len(opened) == 1
    assert all(f.corrective_action_id for f in findings if f.kind.is_nonconformity)
    reviews = list(session.scalars(sa.select(ManagementReview).order_by(ManagementReview.id)))
    assert [(r.period_start.year, r.status) for r in reviews] == [
        (2025, ReviewStatus.HELD),
        (2026, ReviewStatus.DRAFT),
    ]
    assert reviews[0].snapshot["sections"] and reviews[0].actions
    assert reviews[1].snapshot is None
