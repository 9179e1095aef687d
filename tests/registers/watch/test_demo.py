"""The watch's part of `compliance demo`: four advisories on demo software, matched, some
treatments done, one late; idempotent."""

from __future__ import annotations

import sqlalchemy as sa

from compliance import demo as kernel_demo
from registers.applications import demo as map_demo
from registers.watch import demo
from registers.watch.models import Advisory, AdvisoryMatch, Treatment
from registers.watch.schemas import MatchState, TreatmentState


def test_demo_matches_treats_and_leaves_one_late(app, session):
    organisations = kernel_demo.load_organisations(session, "test")
    kernel_demo.load_users(session, organisations, "test")
    map_demo.load(session, actor="test")
    demo.load(session, actor="test")
    demo.load(session, actor="test")
    assert session.scalar(sa.select(sa.func.count()).select_from(Advisory)) == 4
    states = {m.state for m in session.scalars(sa.select(AdvisoryMatch))}
    assert states == {MatchState.PROPOSED, MatchState.CONFIRMED, MatchState.DISMISSED}
    treatments = list(session.scalars(sa.select(Treatment)))
    assert sum(t.late for t in treatments) == 1
    assert {TreatmentState.PATCHED, TreatmentState.MITIGATED, TreatmentState.NOT_AFFECTED} <= {
        t.state for t in treatments
    }
