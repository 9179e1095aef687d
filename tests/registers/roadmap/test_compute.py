"""Progress, budget, late detection, quarters and coverage, on records not saved."""

from __future__ import annotations

from datetime import date

from registers.roadmap import compute
from registers.roadmap.compute import Coverage
from registers.roadmap.models import (
    ActionStatus,
    AssessmentState,
    HygieneAssessment,
    HygieneMeasure,
    MeasureLevel,
    Roadmap,
    RoadmapAction,
    Theme,
)

TODAY = date(2026, 5, 15)


def action(status=ActionStatus.PLANNED, target=date(2026, 6, 30), progress=0, **data):
    values = {
        "code": "A-01",
        "title": "SIEM",
        "theme": Theme.SUPERVISION,
        "start_on": date(2025, 1, 1),
        "target_on": target,
        "status": status,
        "progress": progress,
        "investment_estimated": 0,
        "investment_spent": 0,
        "operating_estimated": 0,
        "operating_spent": 0,
        "subsidy_amount": 0,
        **data,
    }
    return RoadmapAction(**values)


def test_late_is_target_passed_and_not_done():
    past = date(2026, 3, 31)
    assert compute.is_late(action(ActionStatus.IN_PROGRESS, past), TODAY)
    assert compute.is_late(action(ActionStatus.PLANNED, past), TODAY)
    assert compute.is_late(action(ActionStatus.POSTPONED, past), TODAY)
    assert not compute.is_late(action(ActionStatus.DONE, past, 100), TODAY)
    assert not compute.is_late(action(ActionStatus.CANCELLED, past), TODAY)
    assert not compute.is_late(action(ActionStatus.IN_PROGRESS, TODAY), TODAY)
    assert compute.is_late(action(ActionStatus.IN_PROGRESS, TODAY), date(2026, 5, 16))


def test_progress_counts_and_mean():
    actions = [
        action(ActionStatus.DONE, progress=100),
        action(ActionStatus.IN_PROGRESS, date(2026, 1, 31), progress=40),
        action(ActionStatus.IN_PROGRESS, progress=60),
        action(ActionStatus.PLANNED),
        action(ActionStatus.CANCELLED, progress=10),
    ]
    result = compute.progress(actions, TODAY)
    assert result.total == 5
    assert (result.done, result.in_progress, result.planned, result.cancelled) == (1, 2, 1, 1)
    assert result.late == 1
    # Mean of the actions not cancelled: (100 + 40 + 60 + 0) / 4.
    assert result.overall == 50
    assert compute.progress([], TODAY).overall == 0


def test_budget_totals_and_subsidy():
    actions = [
        action(
            investment_estimated=85_000,
            investment_spent=22_000,
            operating_estimated=30_000,
            operating_spent=6_000,
            subsidy_amount=30_000,
        ),
        action(
            ActionStatus.DONE,
            investment_estimated=40_000,
            investment_spent=40_000,
            subsidy_amount=40_000,
            progress=100,
        ),
        # Cancelled: its estimate and subsidy share drop out, what it spent stays spent.
        action(
            ActionStatus.CANCELLED,
            investment_estimated=10_000,
            investment_spent=1_000,
            subsidy_amount=5_000,
        ),
    ]
    roadmap = Roadmap(subsidy_total=90_000, subsidy_received=40_000)
    money = compute.budget(actions, roadmap)
    assert money.investment_estimated == 125_000
    assert money.operating_estimated == 30_000
    assert money.estimated == 155_000
    assert money.spent == 22_000 + 6_000 + 40_000 + 1_000
    assert money.subsidised == 70_000
    assert money.own_funding == 85_000
    assert money.subsidy_pending == 50_000
    assert money.spent_share == round(100 * 69_000 / 155_000)


def test_quarters():
    assert compute.quarter_of(date(2026, 5, 15)) == (2026, 2)
    assert compute.quarter_label((2026, 2)) == "T2 2026"
    assert compute.quarter_start((2026, 4)) == date(2026, 10, 1)
    assert compute.quarter_end((2026, 4)) == date(2026, 12, 31)
    assert compute.quarter_end((2024, 1)) == date(2024, 3, 31)
    assert compute.quarters_between(date(2025, 11, 2), date(2026, 4, 1)) == [
        (2025, 4),
        (2026, 1),
        (2026, 2),
    ]


def test_coverage_of_the_measures():
    measures = [
        HygieneMeasure(
            id=i,
            ref=str(i),
            measure=i,
            level=MeasureLevel.STANDARD,
            theme=Theme.ACCESS,
            title="m",
            title_en="m",
            description="",
        )
        for i in range(1, 6)
    ]
    states = {
        1: AssessmentState.DONE,
        2: AssessmentState.NOT_APPLICABLE,
        3: AssessmentState.PARTIAL,
        4: AssessmentState.NOT_DONE,
    }
    assessments = [HygieneAssessment(measure_id=i, state=s) for i, s in states.items()]
    planned = action(ActionStatus.IN_PROGRESS)
    planned.measures = [measures[2]]
    dropped = action(ActionStatus.CANCELLED)
    dropped.measures = [measures[3]]
    rows = compute.measure_rows(measures, assessments, [planned, dropped])
    assert [r.coverage for r in rows] == [
        Coverage.APPLIED,
        Coverage.NOT_APPLICABLE,
        Coverage.PLANNED,
        Coverage.UNPLANNED,  # its only action was abandoned
        Coverage.NOT_ASSESSED,
    ]
    summary = compute.coverage(rows)
    assert summary.applicable == 4
    assert summary.applied == 25  # 1 of the 4 that apply
    # Covered means applied: a gap the roadmap plans to close is not covered yet.
    assert summary.covered == summary.applied == 25
    assert summary.planned == 25  # shown apart: 1 of the 4 that apply
    assert summary.gaps == 2
