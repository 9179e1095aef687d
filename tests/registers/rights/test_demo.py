"""The rights register's part of `compliance demo`: one late request, one due this week, one
extended, one answered, one refused, each pointing at the member's activities; idempotent."""

from __future__ import annotations

import sqlalchemy as sa

from compliance import demo as kernel_demo
from compliance.calendar import today_in_paris
from registers.applications import demo as map_demo
from registers.processing import demo as processing_demo
from registers.rights import demo
from registers.rights.models import RightsRequest
from registers.rights.queries import due_or_late
from registers.rights.schemas import Outcome, RightsStatus


def test_demo_covers_every_state_once(app, session):
    organisations = kernel_demo.load_organisations(session, "test")
    kernel_demo.load_users(session, organisations, "test")
    for module in (map_demo, processing_demo):
        module.load(session, actor="test")
    demo.load(session, actor="test")
    demo.load(session, actor="test")

    requests = list(session.scalars(sa.select(RightsRequest)))
    assert len(requests) == 6
    today = today_in_paris()
    late = [r for r in requests if r.is_late(today)]
    assert len(late) == 1
    soon = [r for r in requests if r.is_open and not r.is_late(today)]
    assert any(0 <= (r.applicable_due_on - today).days <= 7 for r in soon)
    assert any(r.status == RightsStatus.EXTENDED and r.extended_due_on for r in requests)
    outcomes = {r.outcome for r in requests}
    assert {Outcome.ANSWERED, Outcome.REFUSED} <= outcomes
    assert any(r.status == RightsStatus.CLOSED and r.recipients_informed for r in requests)
    assert all(r.activities for r in requests)
    assert len(due_or_late(session, None, today)) == 2
