"""The risk register's part of `compliance demo`: ten risks of the syndicate and two members,
linked to their applications, activities, roadmap actions and hygiene measures, every rule of
the services met; one review late; idempotent."""

from __future__ import annotations

import sqlalchemy as sa

from compliance import demo as kernel_demo
from compliance.calendar import today_in_paris
from registers.applications import demo as map_demo
from registers.processing import demo as processing_demo
from registers.risks import demo
from registers.risks.models import Risk
from registers.roadmap import demo as roadmap_demo


def test_the_demo_holds_ten_linked_risks(app, session):
    organisations = kernel_demo.load_organisations(session, "test")
    kernel_demo.load_users(session, organisations, "test")
    for module in (map_demo, processing_demo, roadmap_demo):
        module.load(session, actor="test")
    demo.load(session, actor="test")
    demo.load(session, actor="test")

    risks = list(session.scalars(sa.select(Risk)))
    assert len(risks) == 10
    assert {r.organisation.slug for r in risks} == {"siim94", "ivry-sur-seine", "vitry-sur-seine"}
    assert all(r.measures for r in risks)
    assert sum(bool(r.roadmap_actions) for r in risks) >= 5
    assert sum(bool(r.applications) for r in risks) >= 5
    assert any(r.activities for r in risks)
    today = today_in_paris()
    assert sum(r.is_review_late(today) for r in risks) == 2
    assert all(r.accepted_by for r in risks if r.needs_acceptance)
