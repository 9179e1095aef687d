"""The DPIA register's pages: the list and a DPIA's overview (dpias), and one short page per
part of the method (parts), behind the reader check."""

from __future__ import annotations

from compliance.access import requires
from compliance.routes import blueprint
from registers.dpia.queries import REGISTER
from registers.dpia.views import documents, dpias, parts
from registers.dpia.views.helpers import template_helpers

bp = blueprint("dpia", __name__, dpias, parts, documents, url_prefix="/aipd")


@bp.before_request
@requires(REGISTER)
def readers_only() -> None:
    """Every page of the register: its readers only (login, then 403)."""


bp.context_processor(template_helpers)
