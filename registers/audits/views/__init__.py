"""The audits register's pages: the audit programme and its audits (/audits), the management
reviews (/reviews), each behind the reader check."""

from __future__ import annotations

from compliance.access import requires
from compliance.routes import blueprint
from registers.audits.queries import REGISTER
from registers.audits.views import audits, reviews
from registers.audits.views.helpers import template_helpers

bp = blueprint("audits", __name__, audits, url_prefix="/audits")
reviews_bp = blueprint("reviews", __name__, reviews, url_prefix="/reviews")


@bp.before_request
@requires(REGISTER)
def readers_only() -> None:
    """Every page of the audits: their readers only (login, then 403)."""


@reviews_bp.before_request
@requires(REGISTER)
def review_readers_only() -> None:
    """Every page of the reviews: their readers only (login, then 403)."""


bp.context_processor(template_helpers)
reviews_bp.context_processor(template_helpers)
