"""One wording for every duration, on every page and in every document: '2 j 23 h 10 min'."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import force_locale

from compliance.durations import duration_formats, format_duration
from registers.incidents.export import duration


def test_durations_keep_one_unit_style_from_days_to_minutes(base_app):
    with base_app.test_request_context():
        assert format_duration(timedelta(days=2, hours=23, minutes=10)) == "2 j 23 h 10 min"
        assert format_duration(timedelta(hours=53)) == "2 j 5 h 0 min"
        assert format_duration(timedelta(hours=45, minutes=49)) == "1 j 21 h 49 min"
        assert format_duration(timedelta(hours=23, minutes=10, seconds=59)) == "23 h 10 min"
        assert format_duration(timedelta(minutes=35)) == "35 min"
        assert format_duration(timedelta(seconds=20)) == "0 min"
        assert format_duration(timedelta(minutes=-5)) == "0 min"


def test_the_countdown_script_gets_the_same_wording(base_app):
    with base_app.test_request_context():
        formats = duration_formats()
    assert formats == {
        "days": "{d} j {h} h {m} min",
        "hours": "{h} h {m} min",
        "minutes": "{m} min",
    }


def test_durations_follow_the_users_language(base_app):
    with base_app.test_request_context(), force_locale("en"):
        assert format_duration(timedelta(days=2, hours=23, minutes=10)) == "2 d 23 h 10 min"
        assert duration_formats()["days"] == "{d} d {h} h {m} min"


def test_documents_use_the_same_formatter(base_app):
    start = datetime(2026, 3, 2, 8, 0)
    with base_app.test_request_context(), force_locale("fr"):
        assert duration(start, start + timedelta(days=3, hours=4)) == "3 j 4 h 0 min"
        assert duration(start, start + timedelta(hours=6, minutes=5)) == "6 h 5 min"
