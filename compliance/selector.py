"""The organisation selector of every page: a plain select while the user sees a few dozen
organisations, beyond that a search field with the organisations the user opened last.

What it needs costs a fixed number of statements per request, whatever the number of
organisations: one COUNT, then either the (short) list or the few recent organisations. The
figures are kept for the request, so that the dashboard reuses them."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, g
from flask import session as flask_session
from flask_login import current_user

from compliance.db import get_session
from compliance.permissions import Register
from compliance.tenancy import Organisation, visible_organisations_query

# The organisations the user opened last, newest first, in the (signed) session cookie.
RECENT_KEY = "recent_organisations"
RECENT_SIZE = 5
DEFAULT_LIMIT = 30


@dataclass
class Selector:
    total: int  # the organisations the user sees
    search: bool  # too many for a select: a search field and the recent ones
    organisations: list = field(default_factory=list)  # the select's, or the recent ones


def organisations_statement(register=Register.DASHBOARD, action=None, *, user=None) -> sa.Select:
    """SELECT of the organisations the user sees (for `register`), by name."""
    user = current_user if user is None else user
    return (
        sa.select(Organisation)
        .where(Organisation.id.in_(visible_organisations_query(user, register, action)))
        .order_by(Organisation.name, Organisation.id)
    )


def search_statement(q: str, *, user=None) -> sa.Select:
    """SELECT of the organisations the user sees whose name (or slug) holds `q`."""
    statement = organisations_statement(user=user)
    q = q.strip()
    if not q:
        return statement
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return statement.where(
        sa.or_(
            Organisation.name.ilike(f"%{escaped}%", escape="\\"),
            Organisation.slug.ilike(f"%{escaped}%", escape="\\"),
        )
    )


def selector_limit() -> int:
    return int(current_app.config.get("ORGANISATION_SELECTOR_LIMIT") or DEFAULT_LIMIT)


def organisation_count() -> int:
    """The number of organisations the user sees, counted once a request."""
    if "visible_organisation_count" not in g:
        statement = organisations_statement().order_by(None)
        g.visible_organisation_count = get_session().scalar(
            sa.select(sa.func.count()).select_from(statement.subquery())
        )
    return g.visible_organisation_count


def selector() -> Selector:
    """What the layout's selector shows, computed once a request."""
    if "organisation_selector" not in g:
        total = organisation_count()
        if total <= selector_limit():
            g.organisation_selector = Selector(
                total, False, list(get_session().scalars(organisations_statement()))
            )
        else:
            g.organisation_selector = Selector(total, True, recent_organisations())
    return g.organisation_selector


def recent_organisations() -> list[Organisation]:
    """The organisations the user opened last (and still sees), newest first."""
    slugs = [slug for slug in flask_session.get(RECENT_KEY, []) if isinstance(slug, str)]
    if not slugs:
        return []
    found = {
        organisation.slug: organisation
        for organisation in get_session().scalars(
            organisations_statement().where(Organisation.slug.in_(slugs[:RECENT_SIZE]))
        )
    }
    return [found[slug] for slug in slugs if slug in found]


def remember_organisation(organisation: Organisation) -> None:
    """Put `organisation` first among the user's recent ones."""
    slugs = [s for s in flask_session.get(RECENT_KEY, []) if s != organisation.slug]
    flask_session[RECENT_KEY] = [organisation.slug, *slugs][:RECENT_SIZE]
