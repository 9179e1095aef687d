"""The benchmark's targets (bench/targets.py) evaluated on made-up figures: what is met, what is
not, and how the report says it. Nothing is timed here."""

from __future__ import annotations

import pytest

from bench import run, targets
from bench.targets import Figures, Timing


def _figures(engine: str = "PostgreSQL", **changes) -> Figures:
    pages = {
        ("processing-index-1", "dpo"): Timing(40, 60, (12, 12)),
        ("dashboard", "dpo"): Timing(30, 50, (9, 9)),
        ("dashboard", "referent"): Timing(20, 30, (9, 9)),
    }
    figures = Figures(
        engine=engine,
        pages=pages,
        small_pages={key: Timing(10, 20, t.statements) for key, t in pages.items()},
        api_first=Timing(20, 25, (17, 17)),
        api_middle=Timing(24, 30, (17, 17)),
        api_last=Timing(26, 31, (17, 17)),
        api_cursor="after=",
        api_small_first=Timing(10, 12, (17, 17)),
        api_large_first=Timing(12, 14, (17, 17)),
        search=Timing(20, 30, (8, 8), sql_median_ms=5, sql_p95_ms=8),
        large_label="100500 activities (1000 × 100)",
        small_label="10500 activities (100 × 100)",
        base_label="1000 activities (10 × 100)",
    )
    for name, value in changes.items():
        setattr(figures, name, value)
    return figures


@pytest.fixture(autouse=True)
def no_extra_targets(monkeypatch):
    monkeypatch.setattr(targets, "EXTRA", [])


def test_every_target_met_on_good_figures():
    rows = targets.evaluate([_figures("SQLite"), _figures("PostgreSQL")])

    assert [row.name for row in rows if not row.met] == []
    # Pages and statements, three API ratios per engine; the search on PostgreSQL only.
    assert len(rows) == 2 * 5 + 1
    assert sum("search" in row.name for row in rows) == 1


def test_a_slow_page_and_a_growing_page_are_named():
    figures = _figures()
    figures.pages[("dashboard", "referent")] = Timing(120, 180, (9, 9))
    figures.small_pages[("processing-index-1", "dpo")] = Timing(10, 20, (10, 10))

    slow, statements = targets.page_targets(figures)

    assert not slow.met and slow.measured == 180
    assert "1 of 3 over" in slow.note and "dashboard (referent)" in slow.note
    assert not statements.met and statements.measured == 1
    assert "processing-index-1 (dpo)" in statements.note


def test_a_failed_page_is_not_measured_and_not_met():
    figures = _figures()
    figures.pages[("dashboard", "dpo")] = None

    slow, statements = targets.page_targets(figures)

    assert slow.measured is None and not slow.met
    assert "1 failed" in slow.note
    assert statements.measured == 1


def test_api_ratios_are_between_medians():
    figures = _figures(api_last=Timing(31, 200, (17, 17)))

    middle, last, growth = targets.api_targets(figures)

    assert middle.measured == pytest.approx(1.2) and middle.met
    assert last.measured == pytest.approx(1.55) and not last.met
    assert growth.measured == pytest.approx(1.2) and growth.met


def test_search_judged_by_its_sql():
    figures = _figures(search=Timing(40, 70, (8, 8), sql_median_ms=9, sql_p95_ms=12))

    (sql,) = targets.search_targets(figures)

    assert sql.met and sql.measured == 12 and "70 ms" in sql.note
    slow = _figures(search=Timing(40, 70, (8, 8), sql_median_ms=45, sql_p95_ms=60))
    assert not targets.search_targets(slow)[0].met
    assert targets.search_targets(_figures("SQLite")) == []


def test_statement_difference():
    assert targets.statement_difference(Timing(1, 1, (9, 9)), Timing(1, 1, (9, 9))) == "="
    assert targets.statement_difference(Timing(1, 1, (9, 9)), Timing(1, 1, (9, 12))) == "+3"
    assert targets.statement_difference(None, Timing(1, 1, (9, 9))) == "failed"


def test_table_says_met_or_not(monkeypatch):
    monkeypatch.setattr(
        targets,
        "EXTRA",
        [lambda _runs: [targets.Target("Word register / its floor", 2.5, 2.0, "×")]],
    )

    lines = targets.table(targets.evaluate([_figures()]))

    assert lines[0].startswith("| target | measured | limit | ratio |")
    assert lines[-1] == "| Word register / its floor | 2.50× | ≤ 2.00× | 1.25 | NOT met |"
    assert sum(line.endswith("| met |") for line in lines) == 6


def test_the_api_cursor_is_followed_with_other_page_sizes():
    assert run._next({"items": [], "next": "/api/v1/x?after=abc"}) == "/api/v1/x?after=abc"
    assert (
        run._next({"links": {"next": "http://h/api/v1/x?after=a"}}) == "http://h/api/v1/x?after=a"
    )
    assert run._next({"items": [], "total": 3}) is None
    assert (
        run._with_rows("http://h/api/v1/x?after=a%3D&per_page=200", 100)
        == "/api/v1/x?after=a%3D&per_page=100"
    )
