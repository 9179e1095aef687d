"""The incident log's part of `compliance demo`: the incidents of a syndicate like SIIM94, each
with its timeline and corrective actions, some closed and verified, some overdue; idempotent."""

from __future__ import annotations

from click.testing import CliRunner
from sqlmodel import func, select

from compliance import demo as kernel_demo
from compliance.audit import AuditEntry, verify
from registers.applications import demo as map_demo
from registers.incidents import demo, queries
from registers.incidents.cli import reindex
from registers.incidents.common import today
from registers.incidents.models import ActionStatus, CorrectiveAction, Incident, IncidentStatus


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_demo_loads_the_story_once(app, session):
    organisations = kernel_demo.load_organisations(session, "test")
    kernel_demo.load_users(session, organisations, "test")
    map_demo.load(session, actor="test")
    demo.load(session, actor="test")
    incidents = {i.title: i for i in session.scalars(select(Incident))}
    assert len(incidents) == 4
    ransomware = incidents["Rançongiciel sur l'infrastructure mutualisée"]
    assert ransomware.reference == "INC-2023-001"
    # Without the breach register's decisions for each controller, closing waits (the breach
    # register's demo records them, then closes it).
    assert ransomware.status == IncidentStatus.LESSONS_LEARNT and ransomware.lessons_learnt
    assert len(ransomware.applications) == 7 and len(ransomware.reports) == 4
    assert ransomware.entries[0].author_label == "Rachida RSSI"
    assert len(queries.impact(ransomware, everything=True).organisations) >= 10
    statuses = {i.status for i in incidents.values()}
    assert {
        IncidentStatus.RESPONDING,
        IncidentStatus.LESSONS_LEARNT,
    } <= statuses

    actions = list(session.scalars(select(CorrectiveAction)))
    on = today()
    assert sum(a.is_overdue(on) for a in actions) >= 3
    assert any(a.status == ActionStatus.CLOSED and a.evidence_reference for a in actions)
    assert any(a.status == ActionStatus.IMPLEMENTED for a in actions)
    assert any(a.status == ActionStatus.NOT_EFFECTIVE for a in actions)
    assert any(a.incident_id is None for a in actions)

    entries = _count(session, AuditEntry)
    demo.load(session, actor="test")
    assert _count(session, Incident) == 4
    assert _count(session, CorrectiveAction) == len(actions)
    assert _count(session, AuditEntry) == entries
    assert verify(session).ok

    result = CliRunner().invoke(reindex, [], obj=app)
    assert result.exit_code == 0 and "4 incident(s)" in result.output
