"""The organisation selector of every page: a plain select while the user sees a few dozen
organisations, beyond that a search field with the organisations the user opened last. Forms
choose an organisation the same way (`OrganisationField`).

What it needs costs a fixed number of statements per request, whatever the number of
organisations: one COUNT, then either the (short) list or the few recent organisations. The
figures are kept for the request, so that the dashboard reuses them."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, g
from flask import session as flask_session
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from wtforms.validators import StopValidation
from wtforms.widgets import html_params

from compliance.db import get_session
from compliance.forms import QuickSelectField, optional_int
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


def recent_organisations(statement: sa.Select | None = None) -> list[Organisation]:
    """The organisations the user opened last (and still sees, or among `statement`'s),
    newest first."""
    slugs = [slug for slug in flask_session.get(RECENT_KEY, []) if isinstance(slug, str)]
    if not slugs:
        return []
    statement = organisations_statement() if statement is None else statement
    found = {
        organisation.slug: organisation
        for organisation in get_session().scalars(
            statement.where(Organisation.slug.in_(slugs[:RECENT_SIZE]))
        )
    }
    return [found[slug] for slug in slugs if slug in found]


def remember_organisation(organisation: Organisation) -> None:
    """Put `organisation` first among the user's recent ones."""
    slugs = [s for s in flask_session.get(RECENT_KEY, []) if s != organisation.slug]
    flask_session[RECENT_KEY] = [organisation.slug, *slugs][:RECENT_SIZE]


class OrganisationField(QuickSelectField):
    """A form's choice of an organisation among a statement's (`offer()`), as the page's
    selector offers one: a select of them while they are at most `selector_limit()`, beyond it a
    search field where the user types the organisation's name (or its slug), with the
    organisations they opened last as suggestions; the text is resolved against the same
    statement when the form is validated. A fixed number of statements: a COUNT, then the list
    or the recent ones, and one lookup on a post."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=optional_int, **kwargs)
        self.statement: sa.Select | None = None
        self.search = False
        self.total = 0
        self.suggestions: list[Organisation] = []
        self.typed = ""

    def offer(self, statement: sa.Select) -> int:
        """Offer the organisations `statement` (a SELECT of Organisation) selects; returns
        their number."""
        self.statement = statement
        counted = statement.order_by(None).subquery()
        self.total = get_session().scalar(sa.select(sa.func.count()).select_from(counted))
        self.search = self.total > selector_limit()
        if self.search:
            self.choices = []
            self.suggestions = recent_organisations(statement)
        else:
            self.choices = [(str(o.id), o.name) for o in get_session().scalars(statement)]
        return self.total

    def process_formdata(self, valuelist):
        # The text is kept as typed: in search mode it is a name, resolved in pre_validate.
        self.typed = (valuelist[0] if valuelist else "").strip()[:200]
        try:
            self.data = optional_int(self.typed)
        except ValueError:
            self.data = None

    def pre_validate(self, form):
        if not self.search:
            return super().pre_validate(form)
        if not self.typed:
            return  # the field's own validators say "required"
        folded = self.typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        terms = [Organisation.name.ilike(folded, escape="\\"), Organisation.slug == self.typed]
        if self.data is not None:  # an id, as the select (or a client that knows it) sends
            terms.append(Organisation.id == self.data)
        found = list(get_session().scalars(self.statement.where(sa.or_(*terms)).limit(2)))
        if len(found) != 1:
            self.data = None
            # StopValidation: "required" would replace the message, the data being None.
            raise StopValidation(
                _(
                    "Aucune organisation proposée ne porte ce nom : saisissez le nom exact de "
                    "l'une des %(num)d organisations (ou son identifiant court).",
                    num=self.total,
                )
                if not found
                else _("Plusieurs organisations portent ce nom : saisissez son identifiant court.")
            )
        self.data = found[0].id

    def __call__(self, **kwargs):
        if not self.search:
            return super().__call__(**kwargs)
        suggestions = f"{self.id}-suggestions"
        kwargs.setdefault("id", self.id)
        params = html_params(
            type="search",
            name=self.name,
            value=self.typed,
            list=suggestions,
            autocomplete="off",
            placeholder=_("Parmi %(num)d organisations", num=self.total),
            required=bool(self.flags.required),
            **kwargs,
        )
        options = "".join(f'<option value="{escape(o.name)}"></option>' for o in self.suggestions)
        return Markup(f'<input {params}><datalist id="{suggestions}">{options}</datalist>')
