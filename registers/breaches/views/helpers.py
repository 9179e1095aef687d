"""What the breach register's pages share: the template helpers of the blueprint."""

from __future__ import annotations

from flask import (
    current_app,
    url_for,
)

from compliance.access import allowed_on
from registers.breaches.clock import clock
from registers.processing.reference import (
    DataCategory,
    SpecialCategory,
    SubjectCategory,
)


def activity_url(activity) -> str | None:
    """The page of a processing activity, when the record's pages are mounted."""
    if "processing.detail" not in current_app.view_functions:
        return None
    return url_for("processing.detail", activity_id=activity.id)


def template_helpers():
    return {
        "clock": clock,
        "allowed_on": allowed_on,
        "activity_url": activity_url,
        "DataCategory": DataCategory,
        "SpecialCategory": SpecialCategory,
        "SubjectCategory": SubjectCategory,
    }
