"""The annual report's pages: the report of a member or of the whole service (preview,
recommendations, download) and the awareness sessions, behind the reader check."""

from __future__ import annotations

from flask_babel import format_date

from compliance.access import requires
from compliance.routes import blueprint
from registers.annual.queries import REGISTER
from registers.annual.views import reports, sessions

bp = blueprint("annual", __name__, reports, sessions, url_prefix="/annual")


@bp.before_request
@requires(REGISTER)
def readers_only() -> None:
    """Every page of the register: its readers only (login, then 403)."""


@bp.context_processor
def template_helpers() -> dict:
    return {"format_date": format_date}
