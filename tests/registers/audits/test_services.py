"""Programmes, audits and findings: a nonconformity opens its corrective action in the same
transaction, and an audit closes only once every nonconformity has one."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from compliance.services import FieldErrors
from registers.audits import services
from registers.audits.models import AuditStatus, Finding, FindingKind
from registers.incidents.models import ActionSource, CorrectiveAction, Grade
from tests.registers.audits.conftest import NONCONFORMITY, PLAN


def _actions(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(CorrectiveAction))


def test_programme_year_is_unique(make_programme):
    make_programme(year=2026)
    with pytest.raises(FieldErrors) as error:
        make_programme(year=2026)
    assert "year" in error.value.errors


def test_audit_reference_and_dates(make_audit, make_organisation):
    member = make_organisation("Valdevy")
    audit = make_audit(organisation_ids=[member.id])
    assert audit.reference == "AUD-2026-001"
    assert [o.name for o in audit.audited_organisations] == ["Valdevy"]
    with pytest.raises(FieldErrors) as error:
        make_audit(
            programme=audit.programme,
            planned_start=date(2026, 5, 2),
            planned_end=date(2026, 5, 1),
        )
    assert "planned_end" in error.value.errors


def test_nonconformity_opens_a_corrective_action(session, make_audit):
    audit = make_audit()
    finding = services.add_finding(session, audit, NONCONFORMITY, actor="test")
    action = finding.corrective_action
    assert finding.reference == "AUD-2026-001/C01"
    assert action.source == ActionSource.INTERNAL_AUDIT
    assert action.source_reference == finding.reference
    assert action.grade == Grade.MINOR
    assert action.requirement == "A.5.18"
    assert action.organisation_id == audit.organisation_id
    major = services.add_finding(session, audit, {**NONCONFORMITY, "kind": "major"}, actor="test")
    assert major.corrective_action.grade == Grade.MAJOR


def test_nonconformity_without_plan_writes_nothing(session, make_audit):
    audit = make_audit()
    before = _actions(session)
    with pytest.raises(FieldErrors) as error:
        services.add_finding(
            session, audit, {**NONCONFORMITY, "owner": None, "action": None}, actor="test"
        )
    assert {"owner", "action"} <= set(error.value.errors)
    assert _actions(session) == before
    assert audit.findings == []


def test_observation_opens_nothing(session, make_audit):
    audit = make_audit()
    before = _actions(session)
    finding = services.add_finding(
        session, audit, {"kind": "observation", "description": "Procédure non datée."}, actor="test"
    )
    assert finding.corrective_action is None
    assert _actions(session) == before
    with pytest.raises(FieldErrors):
        services.open_corrective_action(session, finding, PLAN, actor="test")


def _report(session, audit):
    services.transition_audit(session, audit, AuditStatus.IN_PROGRESS, actor="test")
    services.update_audit(
        session,
        audit,
        {"actual_start": date(2026, 3, 2), "actual_end": date(2026, 3, 6), "conclusion": "Bon."},
        actor="test",
    )
    services.transition_audit(session, audit, AuditStatus.REPORTED, actor="test")


def test_audit_cannot_close_while_a_nonconformity_has_no_action(session, make_audit):
    audit = make_audit()
    finding = services.add_finding(session, audit, NONCONFORMITY, actor="test")
    # A nonconformity recorded without its action (an older record, an unlinked action).
    finding.corrective_action_id = None
    finding.corrective_action = None
    session.flush()
    _report(session, audit)
    with pytest.raises(FieldErrors) as error:
        services.transition_audit(session, audit, AuditStatus.CLOSED, actor="test")
    assert finding.reference in error.value.errors["status"]
    assert audit.status == AuditStatus.REPORTED
    services.open_corrective_action(session, finding, PLAN, actor="test")
    services.transition_audit(session, audit, AuditStatus.CLOSED, actor="test")
    assert audit.status == AuditStatus.CLOSED
    assert audit.closed_at is not None


def test_reported_needs_end_and_conclusion(session, make_audit):
    audit = make_audit()
    services.transition_audit(session, audit, AuditStatus.IN_PROGRESS, actor="test")
    with pytest.raises(FieldErrors) as error:
        services.transition_audit(session, audit, AuditStatus.REPORTED, actor="test")
    assert {"actual_end", "conclusion"} <= set(error.value.errors)


def test_findings_are_numbered_per_audit(session, make_audit, make_programme):
    first = make_audit()
    second = make_audit(programme=first.programme)
    services.add_finding(session, first, {"kind": "observation", "description": "a"}, actor="t")
    services.add_finding(session, first, {"kind": "improvement", "description": "b"}, actor="t")
    other = services.add_finding(
        session, second, {"kind": "observation", "description": "c"}, actor="t"
    )
    numbers = session.scalars(sa.select(Finding.number).where(Finding.audit_id == first.id))
    assert sorted(numbers) == [1, 2]
    assert other.number == 1


def test_finding_kind_change_follows_its_corrective_action(session, make_audit):
    audit = make_audit()
    finding = services.add_finding(session, audit, NONCONFORMITY, actor="test")
    action = finding.corrective_action
    assert action.grade == Grade.MINOR
    services.update_finding(session, finding, {"kind": "major"}, actor="test")
    assert finding.kind.value == "major"
    assert action.grade == Grade.MAJOR
    assert action.title == f"{finding.reference} Non-conformité majeure"
    for kind in ("observation", "improvement"):
        with pytest.raises(FieldErrors) as error:
            services.update_finding(session, finding, {"kind": kind}, actor="test")
        assert action.reference in error.value.errors["kind"]
        assert finding.kind.value == "major"
        assert action.grade == Grade.MAJOR
    services.update_finding(session, finding, {"kind": "minor"}, actor="test")
    assert action.grade == Grade.MINOR


def test_finding_kinds_use_the_iso_french_terms():
    assert FindingKind.IMPROVEMENT.label == "Opportunité d'amélioration"
    assert FindingKind.MAJOR.label == "Non-conformité majeure"
