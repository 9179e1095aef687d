"""The security watch's pages: advisories (list, detail, forms, upload), the CISO's decisions
and the treatments, a member's exposure, the identifiers of an application, the bulletin."""

from __future__ import annotations

from flask_babel import format_date, format_datetime

from compliance.access import requires
from compliance.routes import blueprint
from registers.watch.queries import REGISTER
from registers.watch.views import advisories, exports, identifiers, treatments

bp = blueprint("watch", __name__, advisories, treatments, identifiers, exports, url_prefix="/watch")


@bp.before_request
@requires(REGISTER)
def readers_only() -> None:
    """Every page of the register: its readers only (login, then 403)."""


@bp.context_processor
def template_helpers() -> dict:
    return {"format_date": format_date, "format_datetime": format_datetime}
