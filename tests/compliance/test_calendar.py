"""Periods in months as Regulation No 1182/71 counts them, and the French public holidays."""

from __future__ import annotations

from datetime import date

import pytest

from compliance.calendar import (
    add_months,
    easter_sunday,
    french_public_holidays,
    is_working_day,
    next_working_day,
    period_end,
)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 3, 15), 1, date(2025, 4, 15)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2025, 12, 31), 1, date(2026, 1, 31)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
    ],
)
def test_add_months_keeps_the_date_or_takes_the_last_day(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
    ],
)
def test_easter_sunday(year, easter):
    assert easter_sunday(year) == easter


def test_french_public_holidays_of_2026():
    assert sorted(french_public_holidays(2026)) == [
        date(2026, 1, 1),
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 1),
        date(2026, 5, 8),
        date(2026, 5, 14),  # Ascension Day
        date(2026, 5, 25),  # Whit Monday
        date(2026, 7, 14),
        date(2026, 8, 15),
        date(2026, 11, 1),
        date(2026, 11, 11),
        date(2026, 12, 25),
    ]


def test_working_days():
    assert is_working_day(date(2026, 3, 2))  # a Monday
    assert not is_working_day(date(2026, 2, 28))  # a Saturday
    assert not is_working_day(date(2026, 3, 1))  # a Sunday
    assert not is_working_day(date(2026, 7, 14))  # a Tuesday, national day
    assert next_working_day(date(2026, 5, 1)) == date(2026, 5, 4)  # Friday holiday, weekend
    assert next_working_day(date(2026, 3, 4)) == date(2026, 3, 4)


@pytest.mark.parametrize(
    ("received", "months", "due"),
    [
        # The day of receipt is not counted; same date a month later, or the month's last day.
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 3, 15), 1, date(2025, 4, 15)),
        # 28 February 2026 is a Saturday: the following working day, Monday 2 March.
        (date(2026, 1, 31), 1, date(2026, 3, 2)),
        # 14 July 2026 is a holiday (a Tuesday): Wednesday 15 July.
        (date(2026, 6, 14), 1, date(2026, 7, 15)),
        # Easter Monday 2026 (6 April): Tuesday 7 April.
        (date(2026, 3, 6), 1, date(2026, 4, 7)),
        # Three months (the extended period of Art. 12(3)).
        (date(2025, 11, 30), 3, date(2026, 3, 2)),
    ],
)
def test_period_end(received, months, due):
    assert period_end(received, months) == due


def test_period_end_with_a_suspension():
    # Received 2 March 2026, one month: 2 April; 3 days of suspension: Sunday 5 April, then
    # Easter Monday: Tuesday 7 April.
    assert period_end(date(2026, 3, 2), 1, extra_days=3) == date(2026, 4, 7)
