"""Periods counted in days and months as Regulation (EEC, Euratom) No 1182/71 counts them (the
rule the GDPR's time limits follow), with the French public holidays that end a period on the
next working day.

- Art. 3(1): a period in months starts the day after the event (the day of receipt is not
  counted).
- Art. 3(2)(c): it ends at the end of the day of the last month that has the same date as the
  event; when that month has no such date, at the end of its last day (received on 31 January,
  due on 28 or 29 February).
- Art. 3(4): when the last day is a public holiday, a Saturday or a Sunday, the period ends at
  the end of the following working day.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from functools import lru_cache

from compliance.i18n import PARIS

__all__ = [
    "add_months",
    "easter_sunday",
    "french_public_holidays",
    "is_working_day",
    "next_working_day",
    "period_end",
    "today_in_paris",
]


def today_in_paris() -> date:
    """Today in Paris: the day that decides whether a date has passed."""
    return datetime.now(PARIS).date()


def add_months(day: date, months: int) -> date:
    """The same date `months` later (or earlier), or the last day of that month when it has no
    such date: 31 January + 1 month is 28 February (29 in a leap year)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def easter_sunday(year: int) -> date:
    """Easter Sunday of the Gregorian calendar (the anonymous algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 (the algorithm's own name)
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def french_public_holidays(year: int) -> frozenset[date]:
    """The eleven public holidays of metropolitan France (Code du travail, art. L3133-1): eight
    fixed ones, and Easter Monday, Ascension Day and Whit Monday."""
    easter = easter_sunday(year)
    fixed = ((1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25))
    movable = (easter + timedelta(days=1), easter + timedelta(days=39), easter + timedelta(days=50))
    return frozenset({date(year, month, day) for month, day in fixed} | set(movable))


def is_working_day(day: date) -> bool:
    """Neither a Saturday, a Sunday nor a French public holiday."""
    return day.weekday() < 5 and day not in french_public_holidays(day.year)


def next_working_day(day: date) -> date:
    """`day` itself when it is a working day, otherwise the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def period_end(start: date, months: int, *, extra_days: int = 0) -> date:
    """The last day of a period of `months` months from the event of `start` (Art. 3(1), 3(2)(c)
    and 3(4)): received on 15 March, one month ends on 15 April; received on 31 January 2026, it
    ends on 28 February 2026, a Saturday, hence Monday 2 March. `extra_days` lengthens the period
    (a suspension) before the end is moved off a Saturday, Sunday or holiday."""
    return next_working_day(add_months(start, months) + timedelta(days=extra_days))
