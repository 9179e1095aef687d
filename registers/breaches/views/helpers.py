"""What the breach register's pages share: the reader check and the template helpers of the
blueprint."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    url_for,
)
from flask_login import login_required

from compliance.auth import can
from compliance.permissions import Action
from registers.breaches.clock import clock
from registers.breaches.queries import (
    REGISTER,
    may,
)
from registers.processing.reference import (
    DataCategory,
    SpecialCategory,
    SubjectCategory,
)


@login_required
def require_reader():
    if not can(REGISTER, Action.READ):
        abort(403)


def activity_url(activity) -> str | None:
    """The page of a processing activity, when the record's pages are mounted."""
    if "processing.detail" not in current_app.view_functions:
        return None
    return url_for("processing.detail", activity_id=activity.id)


def template_helpers():
    return {
        "clock": clock,
        "may": may,
        "activity_url": activity_url,
        "DataCategory": DataCategory,
        "SpecialCategory": SpecialCategory,
        "SubjectCategory": SubjectCategory,
    }
