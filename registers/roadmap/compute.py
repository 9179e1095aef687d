"""The figures of a roadmap, as pure functions over loaded records: quarters, lateness,
progress counts, budget totals and the coverage of the hygiene measures. The pages, the
charts, the Word report and the API all read them from here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from compliance.types import normalise_key
from registers.roadmap.models import (
    ActionStatus,
    AssessmentState,
    HygieneAssessment,
    HygieneMeasure,
    RoadmapAction,
)
from registers.roadmap.models import today as today  # the day that decides what is late

# --- quarters ---------------------------------------------------------------------------------


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_label(quarter: tuple[int, int]) -> str:
    year, number = quarter
    return f"T{number} {year}"


def quarter_start(quarter: tuple[int, int]) -> date:
    year, number = quarter
    return date(year, 3 * (number - 1) + 1, 1)


def next_quarter(quarter: tuple[int, int]) -> tuple[int, int]:
    year, number = quarter
    return (year + 1, 1) if number == 4 else (year, number + 1)


def quarter_end(quarter: tuple[int, int]) -> date:
    """The last day of the quarter."""
    return date.fromordinal(quarter_start(next_quarter(quarter)).toordinal() - 1)


def quarters_between(first: date, last: date) -> list[tuple[int, int]]:
    """Every quarter from the one holding `first` to the one holding `last`."""
    current, end = quarter_of(first), quarter_of(max(first, last))
    result = [current]
    while current != end:
        current = next_quarter(current)
        result.append(current)
    return result


# --- progress ---------------------------------------------------------------------------------


def is_late(action: RoadmapAction, on: date) -> bool:
    return action.is_late(on)


@dataclass(frozen=True)
class Progress:
    """How far a roadmap has gone."""

    total: int  # actions, cancelled ones included
    by_status: dict[ActionStatus, int]
    late: int
    overall: int  # mean progress (%) of the actions not cancelled

    @property
    def done(self) -> int:
        return self.by_status.get(ActionStatus.DONE, 0)

    @property
    def in_progress(self) -> int:
        return self.by_status.get(ActionStatus.IN_PROGRESS, 0)

    @property
    def planned(self) -> int:
        return self.by_status.get(ActionStatus.PLANNED, 0)

    @property
    def postponed(self) -> int:
        return self.by_status.get(ActionStatus.POSTPONED, 0)

    @property
    def cancelled(self) -> int:
        return self.by_status.get(ActionStatus.CANCELLED, 0)


def progress(actions: Iterable[RoadmapAction], on: date) -> Progress:
    actions = list(actions)
    by_status = dict.fromkeys(ActionStatus, 0)
    for action in actions:
        by_status[action.status] += 1
    counted = [a for a in actions if a.status != ActionStatus.CANCELLED]
    overall = round(sum(_progress_of(a) for a in counted) / len(counted)) if counted else 0
    return Progress(
        total=len(actions),
        by_status=by_status,
        late=sum(1 for a in actions if a.is_late(on)),
        overall=overall,
    )


def _progress_of(action: RoadmapAction) -> int:
    return 100 if action.status == ActionStatus.DONE else action.progress


# --- budget -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    """Euros: estimated and spent (investment, operating), and the subsidy."""

    investment_estimated: int = 0
    investment_spent: int = 0
    operating_estimated: int = 0
    operating_spent: int = 0
    subsidised: int = 0  # the subsidy shares allotted to the actions
    subsidy_total: int | None = None  # the programme's grant
    subsidy_received: int | None = None

    @property
    def estimated(self) -> int:
        return self.investment_estimated + self.operating_estimated

    @property
    def spent(self) -> int:
        return self.investment_spent + self.operating_spent

    @property
    def spent_share(self) -> int:
        """Spent, as a whole percentage of the estimate."""
        return round(100 * self.spent / self.estimated) if self.estimated else 0

    @property
    def subsidy_pending(self) -> int | None:
        if self.subsidy_total is None:
            return None
        return max(0, self.subsidy_total - (self.subsidy_received or 0))

    @property
    def own_funding(self) -> int:
        """What the organisation pays itself of the estimate."""
        return max(0, self.estimated - self.subsidised)


def budget(actions: Iterable[RoadmapAction], roadmap=None) -> Budget:
    """Totals of the actions not cancelled (spending on a cancelled action still counts)."""
    totals = dict.fromkeys(
        ("investment_estimated", "investment_spent", "operating_estimated", "operating_spent"), 0
    )
    subsidised = 0
    for action in actions:
        cancelled = action.status == ActionStatus.CANCELLED
        for name in totals:
            if cancelled and name.endswith("estimated"):
                continue
            totals[name] += getattr(action, name) or 0
        if not cancelled:
            subsidised += action.subsidy_amount or 0
    return Budget(
        **totals,
        subsidised=subsidised,
        subsidy_total=getattr(roadmap, "subsidy_total", None),
        subsidy_received=getattr(roadmap, "subsidy_received", None),
    )


# --- funding programmes' ceilings ---------------------------------------------------------------


@dataclass(frozen=True)
class Ceiling:
    """The most a funding programme grants one roadmap (whole euros)."""

    programme: str
    amount: int


def programme_ceiling(programme_name: str | None, ceilings: dict[str, int]) -> Ceiling | None:
    """The ceiling of the programme a roadmap names: the listed programme whose name its own
    contains (accents, case and punctuation ignored), the longest if several do."""
    key = normalise_key(programme_name)
    if not key:
        return None
    found = [
        (len(normalise_key(name)), name, amount)
        for name, amount in ceilings.items()
        if normalise_key(name) and normalise_key(name) in key
    ]
    if not found:
        return None
    _length, name, amount = max(found)
    return Ceiling(name, amount)


def subsidy_shares(roadmap, *, replacing: RoadmapAction | None = None) -> int:
    """The subsidy shares allotted to the roadmap's live actions (not cancelled, not
    archived), `replacing` counted with its current values (new or edited)."""
    actions = [a for a in roadmap.actions if a is not replacing]
    if replacing is not None:
        actions.append(replacing)
    return sum(
        action.subsidy_amount or 0
        for action in actions
        if action.status != ActionStatus.CANCELLED and action.archived_at is None
    )


# --- hygiene-measure coverage -----------------------------------------------------------------


class Coverage:
    """Where each measure of the guide stands for an organisation."""

    APPLIED = "applied"
    NOT_APPLICABLE = "not_applicable"
    PLANNED = "planned"  # a gap that an open roadmap action addresses
    UNPLANNED = "unplanned"  # a gap nothing addresses yet
    NOT_ASSESSED = "not_assessed"

    ORDER = (APPLIED, NOT_APPLICABLE, PLANNED, UNPLANNED, NOT_ASSESSED)


@dataclass
class MeasureRow:
    measure: HygieneMeasure
    assessment: HygieneAssessment | None
    actions: list[RoadmapAction] = field(default_factory=list)

    @property
    def state(self) -> AssessmentState | None:
        return self.assessment.state if self.assessment else None

    @property
    def is_gap(self) -> bool:
        return self.state is not None and self.state.is_gap

    @property
    def open_actions(self) -> list[RoadmapAction]:
        return [a for a in self.actions if a.status != ActionStatus.CANCELLED]

    @property
    def coverage(self) -> str:
        if self.state is None:
            return Coverage.NOT_ASSESSED
        if self.state == AssessmentState.DONE:
            return Coverage.APPLIED
        if self.state == AssessmentState.NOT_APPLICABLE:
            return Coverage.NOT_APPLICABLE
        return Coverage.PLANNED if self.open_actions else Coverage.UNPLANNED


@dataclass(frozen=True)
class CoverageSummary:
    total: int
    counts: dict[str, int]

    def share(self, *kinds: str) -> int:
        return round(100 * sum(self.counts[k] for k in kinds) / self.total) if self.total else 0

    @property
    def applicable(self) -> int:
        """Measures that apply to the organisation (all but those not applicable)."""
        return self.total - self.counts[Coverage.NOT_APPLICABLE]

    def _of_applicable(self, kind: str) -> int:
        return round(100 * self.counts[kind] / self.applicable) if self.applicable else 0

    @property
    def applied(self) -> int:
        """Measures applied, among those that apply (%)."""
        return self._of_applicable(Coverage.APPLIED)

    @property
    def planned(self) -> int:
        """Gaps a roadmap action addresses, among the measures that apply (%): planned, not
        applied, so never counted as covered."""
        return self._of_applicable(Coverage.PLANNED)

    @property
    def covered(self) -> int:
        """The coverage every page, widget, API answer and report shows: the measures applied
        (%), among those that apply. Planned measures are not covered (see `planned`)."""
        return self.applied

    @property
    def gaps(self) -> int:
        return self.counts[Coverage.PLANNED] + self.counts[Coverage.UNPLANNED]


def measure_rows(
    measures: Iterable[HygieneMeasure],
    assessments: Iterable[HygieneAssessment],
    actions: Iterable[RoadmapAction],
) -> list[MeasureRow]:
    """One row per measure, with the organisation's assessment and the actions that implement
    it (actions must have their `measures` loaded)."""
    by_measure = {a.measure_id: a for a in assessments}
    planned: dict[int, list[RoadmapAction]] = {}
    for action in actions:
        for measure in action.measures:
            planned.setdefault(measure.id, []).append(action)
    rows = [
        MeasureRow(m, by_measure.get(m.id), planned.get(m.id, []))
        for m in sorted(measures, key=lambda m: m.sort_key)
    ]
    return rows


def coverage(rows: Iterable[MeasureRow]) -> CoverageSummary:
    rows = list(rows)
    counts = dict.fromkeys(Coverage.ORDER, 0)
    for row in rows:
        counts[row.coverage] += 1
    return CoverageSummary(total=len(rows), counts=counts)
