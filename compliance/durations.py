"""How long something lasts, written one way on every page and in every document:
"2 j 23 h 10 min", "23 h 10 min", "10 min". The script that keeps countdowns live
(static/js/breaches.js) receives the same wording through `duration_formats`."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _


def duration_parts(delta: timedelta) -> tuple[int, int, int]:
    """Whole days, hours and minutes of a duration (a negative one counts as zero)."""
    minutes = max(0, int(delta.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return days, hours, minutes


def format_duration(delta: timedelta) -> str:
    """'2 j 23 h 10 min': days, hours and minutes, the largest unit first, down to the minute."""
    days, hours, minutes = duration_parts(delta)
    if days:
        return _("%(days)s j %(hours)s h %(minutes)s min", days=days, hours=hours, minutes=minutes)
    if hours:
        return _("%(hours)s h %(minutes)s min", hours=hours, minutes=minutes)
    return _("%(minutes)s min", minutes=minutes)


def duration_formats() -> dict[str, str]:
    """The three wordings with {d}, {h} and {m} placeholders, for the countdown script."""
    return {
        "days": _("%(days)s j %(hours)s h %(minutes)s min", days="{d}", hours="{h}", minutes="{m}"),
        "hours": _("%(hours)s h %(minutes)s min", hours="{h}", minutes="{m}"),
        "minutes": _("%(minutes)s min", minutes="{m}"),
    }
