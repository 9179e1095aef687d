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
from registers.breaches.models import BreachStatus, NoBreachDecision, PersonalDataBreach
from registers.incidents import demo as incident_demo
from registers.incidents.models import Incident, IncidentStatus
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
    # For the other controllers, the DPO documented why there is no breach; then the
    # incident could close.
    fanout = controllers_for(ransomware, session=session, everything=True)
    decided = {c.organisation.slug for c in fanout.controllers if c.decision is not None}
    assert {"arcueil", "gentilly", "villejuif"} <= decided
    assert fanout.pending == []
    assert all(len(c.decision.reason) > 50 for c in fanout.controllers if c.decision)
    assert ransomware.status == IncidentStatus.CLOSED
    # Every closed demo incident has its decisions; the lost laptop waits for the DPO.
    for incident in session.scalars(sa.select(Incident)):
        pending = controllers_for(incident, session=session, everything=True).pending
        if incident.status == IncidentStatus.CLOSED:
            assert pending == [], incident.title
        elif incident.title == "Perte d'un ordinateur portable non chiffré":
            # Valdevy lost it; Coop Ivry Habitat uses the same housing software.
            assert [c.organisation.slug for c in pending] == ["coop-ivry-habitat", "valdevy"]

    entries = _count(session, AuditEntry)
    decisions = _count(session, NoBreachDecision)
    demo.load(session, actor="test")
    assert _count(session, PersonalDataBreach) == 4
    assert _count(session, NoBreachDecision) == decisions
    assert _count(session, AuditEntry) == entries
    assert verify(session).ok
