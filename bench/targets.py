"""The targets of the performance work (issue 13), evaluated on measured figures.

Pure functions on plain figures (nothing here measures anything), so that the evaluation can be
checked on made-up numbers: `bench.run` measures, builds `Figures` per database engine, and the
report ends with `table(evaluate(...))`.

Other measurements add their own rows through `EXTRA`: a function that takes the run's
per-engine measurements and returns `Target` rows (the Word export against its floor is one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

PAGE_P95_MS = 150.0  # every page of the table, national DPO and referent, at 1 000 × 100
API_PAGE_RATIO = 1.5  # middle and last API pages against page 1, at 100 000 activities
API_GROWTH_RATIO = 1.5  # API page 1 of 10 rows, 100 000 activities against 1 000
SEARCH_MS = 50.0  # search over 100 000 activities, PostgreSQL
EXPORT_FLOOR_RATIO = 2.0  # the Word register against its floor
EXPORT_PEAK_MIB = 60.0


@dataclass
class Timing:
    """One measured request: median and 95th percentile, SQL statements (fewest, most)."""

    median_ms: float
    p95_ms: float
    statements: tuple[int, int] = (0, 0)
    sql_median_ms: float = 0.0
    sql_p95_ms: float = 0.0


@dataclass
class Figures:
    """What one database engine measured. Keys of `pages` and `small_pages`: (page, user); a
    page that failed is None."""

    engine: str  # "SQLite", "PostgreSQL"
    pages: dict[tuple[str, str], Timing | None] = field(default_factory=dict)
    small_pages: dict[tuple[str, str], Timing | None] = field(default_factory=dict)
    api_first: Timing | None = None  # 100 rows, at the large size
    api_middle: Timing | None = None
    api_last: Timing | None = None
    api_cursor: str = ""  # how the middle and last pages were reached ("after=" or "page=")
    api_small_first: Timing | None = None  # 10 rows, about 1 000 activities
    api_large_first: Timing | None = None  # 10 rows, the large size
    search: Timing | None = None  # /api/v1/processing-activities?q=…, large size
    large_label: str = ""
    small_label: str = ""
    base_label: str = ""


@dataclass
class Target:
    name: str
    measured: float | None  # None: not measured (or failed)
    limit: float
    unit: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.measured is None or not self.limit:
            return None
        return self.measured / self.limit

    @property
    def met(self) -> bool:
        return self.measured is not None and self.measured <= self.limit


def statements(timing: Timing | None) -> str:
    if timing is None:
        return "failed"
    low, high = timing.statements
    return f"{low}" if low == high else f"{low}–{high}"


def statement_difference(small: Timing | None, large: Timing | None) -> str:
    """ "=" when both sizes send the same statements, else the difference (large − small)."""
    if small is None or large is None:
        return "failed"
    if small.statements == large.statements:
        return "="
    difference = large.statements[1] - small.statements[1]
    return f"{difference:+d}" if difference else f"{statements(small)} → {statements(large)}"


def _ratio(part: Timing | None, whole: Timing | None) -> float | None:
    if part is None or whole is None or not whole.median_ms:
        return None
    return part.median_ms / whole.median_ms


def page_targets(figures: Figures) -> list[Target]:
    timed = [(key, t) for key, t in figures.pages.items()]
    failed = [key for key, t in timed if t is None]
    measured = [(key, t) for key, t in timed if t is not None]
    over = [key for key, t in measured if t.p95_ms > PAGE_P95_MS]
    worst = max(measured, key=lambda item: item[1].p95_ms, default=None)
    note = f"{len(over)} of {len(timed)} over"
    if failed:
        note += f", {len(failed)} failed"
    if worst is not None:
        note += f"; slowest: {worst[0][0]} ({worst[0][1]})"
    rows = [
        Target(
            f"{figures.engine}: every page p95 at {figures.large_label}",
            None if failed or worst is None else worst[1].p95_ms,
            PAGE_P95_MS,
            "ms",
            note,
        )
    ]
    keys = [key for key in figures.pages if key in figures.small_pages]
    differing = [
        key
        for key in keys
        if statement_difference(figures.small_pages[key], figures.pages[key]) != "="
    ]
    rows.append(
        Target(
            f"{figures.engine}: pages whose SQL statements differ, "
            f"{figures.small_label} vs {figures.large_label}",
            None if not keys else float(len(differing)),
            0,
            "pages",
            f"of {len(keys)}"
            + (": " + ", ".join(f"{page} ({who})" for page, who in differing) if differing else ""),
        )
    )
    return rows


def api_targets(figures: Figures) -> list[Target]:
    how = f" ({figures.api_cursor})" if figures.api_cursor else ""
    return [
        Target(
            f"{figures.engine}: API middle page / page 1, 100 rows{how}",
            _ratio(figures.api_middle, figures.api_first),
            API_PAGE_RATIO,
            "×",
            "medians",
        ),
        Target(
            f"{figures.engine}: API last page / page 1, 100 rows{how}",
            _ratio(figures.api_last, figures.api_first),
            API_PAGE_RATIO,
            "×",
            "medians",
        ),
        Target(
            f"{figures.engine}: API page 1 of 10 rows, "
            f"{figures.large_label} / {figures.base_label}",
            _ratio(figures.api_large_first, figures.api_small_first),
            API_GROWTH_RATIO,
            "×",
            "medians",
        ),
    ]


def search_targets(figures: Figures) -> list[Target]:
    """Search over 100 000 activities, on PostgreSQL: the time its SQL statements take in the
    request `?q=paie` (the search itself; the request's own time, which serialises a page of
    activities, is shown in the API table and judged with the pages). SQLite's figures are
    shown, not judged."""
    if figures.engine != "PostgreSQL":
        return []
    search = figures.search
    return [
        Target(
            "PostgreSQL: search 'paie', its SQL statements in the request (p95)",
            None if search is None else search.sql_p95_ms,
            SEARCH_MS,
            "ms",
            "" if search is None else f"the whole request {search.p95_ms:.0f} ms (p95)",
        ),
    ]


# Further rows: functions of every engine's figures (and whatever else they keep) to targets.
EXTRA: list[Callable[[list], list[Target]]] = []


def evaluate(all_figures: list[Figures], extra_inputs: list | None = None) -> list[Target]:
    rows = []
    for figures in all_figures:
        rows += page_targets(figures) + api_targets(figures) + search_targets(figures)
    for extra in EXTRA:
        rows += extra(extra_inputs or [])
    return rows


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "not measured"
    if unit == "×":
        return f"{value:.2f}×"
    if unit == "pages":
        return f"{value:.0f}"
    return f"{value:.0f} {unit}".strip()


def table(rows: list[Target]) -> list[str]:
    lines = [
        "| target | measured | limit | ratio | |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        ratio = "—" if row.ratio is None else f"{row.ratio:.2f}"
        limit = _number(row.limit, row.unit)
        if row.unit == "pages":
            limit = f"{row.limit:.0f}"
            ratio = "—"
        measured = _number(row.measured, row.unit)
        if row.note:
            measured += f" ({row.note})"
        lines.append(
            f"| {row.name} | {measured} | ≤ {limit} | {ratio} | {'met' if row.met else 'NOT met'} |"
        )
    return lines
