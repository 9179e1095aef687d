"""What the audits register's pages share."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import format_date

from compliance.access import allowed_on
from registers.audits.review import trend
from registers.audits.schemas import AuditStatus, FindingKind, ReviewStatus


def url_if_mounted(endpoint: str | None, **values) -> str | None:
    if not endpoint or endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


STATUS_TONES = {
    "planned": "neutral",
    "in_progress": "info",
    "reported": "warning",
    "closed": "success",
    "draft": "warning",
    "held": "success",
}
KIND_TONES = {"major": "error", "minor": "warning", "observation": "info", "improvement": "new"}


def template_helpers():
    return {
        "allowed_on": allowed_on,
        "format_date": format_date,
        "url_if_mounted": url_if_mounted,
        "AuditStatus": AuditStatus,
        "FindingKind": FindingKind,
        "ReviewStatus": ReviewStatus,
        "STATUS_TONES": STATUS_TONES,
        "KIND_TONES": KIND_TONES,
        "review_trend": trend,
    }
