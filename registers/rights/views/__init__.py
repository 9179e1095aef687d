"""The rights requests register's pages: the requests (list, detail, forms) and their
transitions, behind the reader check."""

from __future__ import annotations

from compliance.access import requires
from compliance.routes import blueprint
from registers.rights.queries import REGISTER
from registers.rights.views import requests, transitions
from registers.rights.views.helpers import template_helpers

bp = blueprint("rights", __name__, requests, transitions, url_prefix="/rights")


@bp.before_request
@requires(REGISTER)
def readers_only() -> None:
    """Every page of the register: its readers only (login, then 403)."""


bp.context_processor(template_helpers)
