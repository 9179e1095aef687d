"""The risk register's pages: the list with its heat maps, a risk, its forms, and the risk
treatment plan's download, behind the reader check."""

from __future__ import annotations

from compliance.access import requires
from compliance.routes import blueprint
from registers.risks.queries import REGISTER
from registers.risks.views import exports, risks
from registers.risks.views.helpers import template_helpers

bp = blueprint("risks", __name__, risks, exports, url_prefix="/risks")


@bp.before_request
@requires(REGISTER)
def readers_only() -> None:
    """Every page of the register: its readers only (login, then 403)."""


bp.context_processor(template_helpers)
