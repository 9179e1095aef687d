"""The breach register's pages: the breaches (with the assessment from an incident) and their
Word exports, whose rules this package adds to the blueprint, behind the reader check."""

from __future__ import annotations

from compliance.access import requires
from compliance.routes import blueprint
from registers.breaches.queries import REGISTER
from registers.breaches.views import breaches, decisions, exports
from registers.breaches.views.helpers import template_helpers

bp = blueprint("breaches", __name__, breaches, decisions, exports, url_prefix="/breaches")


@bp.before_request
@requires(REGISTER)
def readers_only() -> None:
    """Every page of the register: its readers only (login, then 403)."""


bp.context_processor(template_helpers)
