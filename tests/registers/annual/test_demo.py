"""The demo holds sessions of this year and last in a few members and in the syndicate, last
year's recommendations (members' and the service's), and loads twice without doubling."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from compliance.i18n import PARIS
from registers.annual import demo
from registers.annual.models import AwarenessSession, DpoRecommendation


def test_demo_sessions_and_recommendations(session, host, organisation, make_organisation):
    make_organisation("Valdevy")
    demo.load(session, actor="demo")
    demo.load(session, actor="demo")
    session.flush()
    today = datetime.now(PARIS).date()
    sessions = list(session.scalars(sa.select(AwarenessSession)))
    years = {record.held_on.year for record in sessions}
    assert years == {today.year, today.year - 1}
    assert all(record.held_on <= today for record in sessions)
    assert {record.organisation_id for record in sessions} >= {host.id, organisation.id}
    assert len(sessions) == len({(r.organisation_id, r.topic) for r in sessions})
    recommendations = list(session.scalars(sa.select(DpoRecommendation)))
    assert {(r.organisation_id, r.service_wide) for r in recommendations} >= {
        (host.id, True),
        (host.id, False),
        (organisation.id, False),
    }
    assert {r.year for r in recommendations} == {today.year - 1}
    assert len(recommendations) == len(
        {(r.organisation_id, r.service_wide) for r in recommendations}
    )
