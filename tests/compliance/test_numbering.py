"""Reference series: a counter row per series, starting from the numbers already in use."""

from __future__ import annotations

from compliance import numbering
from compliance.numbering import ReferenceCounter


def test_a_series_counts_from_one_and_never_repeats(session):
    assert [numbering.draw(session, "INC", year=2026) for _ in range(3)] == [1, 2, 3]
    # Another year, another series.
    assert numbering.draw(session, "INC", year=2027) == 1
    assert session.get(ReferenceCounter, ("INC", 0, 2026)).last == 3


def test_a_new_series_starts_above_the_numbers_in_use(session):
    assert numbering.draw(session, "VDP", year=2025, floor=lambda: 41) == 42
    # Rows written outside the counter (an import, a restore) are not drawn again either.
    assert numbering.draw(session, "VDP", year=2025, floor=lambda: 50) == 51
    assert numbering.draw(session, "VDP", year=2025, floor=lambda: 10) == 52


def test_series_are_per_key(session):
    assert numbering.draw(session, "processing", key=1) == 1
    assert numbering.draw(session, "processing", key=2) == 1
    assert numbering.lock_series(session, "processing", key=1) == 1
    assert numbering.lock_series(session, "processing", key=3) == 0
