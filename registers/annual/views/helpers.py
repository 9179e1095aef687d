"""What the annual report's pages share: the year asked for, and the host organisation the
whole service's report belongs to."""

from __future__ import annotations

from datetime import datetime

from flask import abort, make_response, request
from flask_babel import gettext as _

from compliance.access import require
from compliance.db import get_session
from compliance.errors import error_response
from compliance.i18n import PARIS
from compliance.permissions import Action
from compliance.tenancy import Organisation
from registers.annual.queries import REGISTER
from registers.annual.report import host_organisation
from registers.annual.schemas import FIRST_YEAR, LAST_YEAR


def current_year() -> int:
    return datetime.now(PARIS).year


def requested_year() -> int:
    """The `year` of the query string (default: the current year); 400 saying why otherwise."""
    raw = request.args.get("year", "").strip()
    if not raw:
        return current_year()
    if not raw.isdigit() or not FIRST_YEAR <= int(raw) <= LAST_YEAR:
        abort(
            make_response(
                error_response(
                    400,
                    _(
                        "L'année doit être un nombre entre %(first)d et %(last)d.",
                        first=FIRST_YEAR,
                        last=LAST_YEAR,
                    ),
                )
            )
        )
    return int(raw)


def year_choices(year: int) -> list[int]:
    """The years the selector offers: the five last, and the one shown."""
    years = set(range(current_year() - 4, current_year() + 1)) | {year}
    return sorted(years, reverse=True)


def service_host(action: Action = Action.READ) -> Organisation:
    """The host organisation, where the user must hold the right to act on the whole
    service's report (404 without a host, 403 without the right)."""
    host = host_organisation(get_session())
    if host is None:
        abort(404)
    require(REGISTER, action, organisation_id=host.id)
    return host
