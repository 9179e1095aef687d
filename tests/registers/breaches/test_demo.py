"""The breach register's part of `compliance demo`: the early-2023 ransomware incident fans out
into breaches for the members using the affected applications (one notified on time, one late
with its reasons, one judged not notifiable with its reasoning), and a recent breach keeps a
live countdown; idempotent."""

from __future__ import annotations

import sqlalchemy as sa

from compliance import demo as kernel_demo
from compliance.audit import AuditEntry, verify
from registers.applications import demo as map_demo
from registers.breaches import demo
from registers.breaches.clock import clock
from registers.breaches.fanout import controllers_for
from registers.breaches.models import BreachStatus, PersonalDataBreach
from registers.incidents import demo as incident_demo
from registers.processing import demo as processing_demo


def _count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_demo_fans_the_ransomware_out_once(app, session):
    organisations = kernel_demo.load_organisations(session, "test")
    kernel_demo.load_users(session, organisations, "test")
    for module in (map_demo, incident_demo, processing_demo):
        module.load(session, actor="test")
    demo.load(session, actor="test")

    breaches = {b.organisation.slug: b for b in session.scalars(sa.select(PersonalDataBreach))}
    assert set(breaches) == {
        "ivry-sur-seine",
        "vitry-sur-seine",
        "theatre-antoine-vitez",
        "valdevy",
    }
    states = {slug: clock(b).state for slug, b in breaches.items()}
    assert states == {
        "ivry-sur-seine": "notified",
        "vitry-sur-seine": "notified_late",
        "theatre-antoine-vitez": "not_notifiable",
        "valdevy": "running",
    }
    assert breaches["vitry-sur-seine"].delay_reasons
    theatre = breaches["theatre-antoine-vitez"]
    assert theatre.status == BreachStatus.CLOSED
    assert theatre.not_notified_reason and theatre.risk_reasoning
    ransomware = breaches["ivry-sur-seine"].incident
    assert ransomware.reference == "INC-2023-001"
    assert all(b.incident_id == ransomware.id for s, b in breaches.items() if s != "valdevy")
    assert breaches["valdevy"].incident_id is None and breaches["valdevy"].activities
    # The other controllers are left for the DPO to assess from the incident's page.
    fanout = controllers_for(ransomware, session=session, everything=True)
    pending = {c.organisation.slug for c in fanout.controllers if not c.existing}
    assert {"arcueil", "gentilly", "villejuif"} <= pending

    entries = _count(session, AuditEntry)
    demo.load(session, actor="test")
    assert _count(session, PersonalDataBreach) == 4
    assert _count(session, AuditEntry) == entries
    assert verify(session).ok
