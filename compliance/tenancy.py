"""Organisations, and how a model declares the rows a user may see (`Scope`): the conditions
`compliance.access` builds its loader and its scoped queries on."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date

import sqlalchemy as sa
from flask import abort, g, has_request_context
from flask import session as flask_session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel import Field

from compliance.auth import Membership, active_membership_condition, can, memberships_of
from compliance.db import RecordMixin, get_session, str_enum
from compliance.enums import LabeledEnum
from compliance.permissions import Action, Register, roles_allowing
from compliance.services import FieldErrors
from compliance.text import bounded_id


class Scope:
    """How the rows of a model are scoped: the declaration a member-owned model carries as its
    `__scope__` class attribute (see `compliance.access` for how views use it).

    - `register`: the permission area the model belongs to; callers never repeat it.
    - `within(organisations)`: the SQL condition selecting the rows that belong to any of
      `organisations` (a SELECT of ids, or a list of ids). Default: the `owner` column in them.
      The user's readable organisations give what they see; the organisation picked in the
      selector, with the same function, narrows a list.
    - `owner`: the attribute naming the organisation whose role a write needs (default
      `organisation_id`).
    - `everywhere`: a rule (`compliance.access.Rule`) whose holders see, and act on, every row
      (the host organisation's readers of the shared catalogue).
    - `writer`: a rule deciding every action but reading, instead of the owner's role (the
      catalogue editor).
    - `selector`: whether the organisation selector narrows lists (a shared catalogue: no).

    A child record is scoped through its parent: `Scope.through(Parent, "parent_id")` sees
    what the parent's scope sees and allows what it allows on the parent.
    """

    def __init__(
        self,
        register,
        *,
        within: Callable | None = None,
        owner: str = "organisation_id",
        everywhere=None,
        writer=None,
        selector: bool = True,
    ):
        self.register = register
        self.within = within
        self.owner = owner
        self.everywhere = everywhere
        self.writer = writer
        self.selector = selector
        self.parent: tuple[type, str] | None = None

    @classmethod
    def through(cls, parent, foreign_key: str) -> Scope:
        """The scope of a child record: that of its parent, named by `foreign_key`."""
        declared = scope_of(parent)
        child = cls(
            declared.register,
            everywhere=declared.everywhere,
            writer=declared.writer,
            selector=declared.selector,
        )
        child.parent = (parent, foreign_key)
        return child

    def __repr__(self) -> str:
        return f"Scope({self.register!s})"

    def rows_within(self, model, organisations, *, wide: bool = False):
        """The rows of `model` belonging to any of `organisations`; `wide`: they are many (see
        `wide_scope`), so the owner column is written not to be looked up in its index."""
        if self.parent is not None:
            parent, foreign_key = self.parent
            parents = sa.select(parent.__table__.c.id).where(
                scope_of(parent).rows_within(parent, organisations, wide=wide)
            )
            return getattr(model, foreign_key).in_(parents)
        if self.within is not None:
            return self.within(organisations)
        return owner_term(getattr(model, self.owner), wide).in_(organisations)

    def condition(self, model, user, action=None, *, register=None, selected=False):
        """The SQL condition selecting the rows of `model` the user may see for `action` (with
        selected=True, narrowed to the organisation picked in the selector)."""
        action = Action(action or Action.READ)
        register = register or self.register
        if self.everywhere is not None and self.everywhere.holds(action, user=user):
            condition = sa.true()
        else:
            organisations = visible_organisations_query(user, register, action)
            condition = self.rows_within(model, organisations, wide=wide_scope(user))
        chosen = selected_organisation_id() if selected and self.selector else None
        if chosen is not None:
            condition = sa.and_(condition, self.rows_within(model, [chosen]))
        return condition

    def allows(self, model, record, action, *, user, register=None, session=None) -> bool:
        """Whether the user, who sees `record`, may do `action` on it. READ: seen already.
        EXPORT: seen through an organisation where the user may export. Any other action: the
        `writer` rule if declared, else the user's role in the record's owner organisation."""
        action = Action(action)
        register = register or self.register
        if action == Action.READ:
            return True
        if self.parent is not None:
            parent, foreign_key = self.parent
            session = session or get_session()
            record = session.get(parent, getattr(record, foreign_key))
            return scope_of(parent).allows(
                parent, record, action, user=user, register=register, session=session
            )
        if self.everywhere is not None and self.everywhere.holds(action, user=user):
            return True
        if self.writer is not None:
            return self.writer.holds(action, user=user, session=session)
        if action == Action.EXPORT and self.within is not None:
            # Seen through some organisation, not necessarily the owner: export where seen.
            statement = sa.select(
                sa.exists().where(
                    model.__table__.c.id == record.id,
                    self.condition(model, user, action, register=register),
                )
            )
            return bool((session or get_session()).scalar(statement))
        return can(register, action, getattr(record, self.owner), user=user, session=session)


class OrganisationKind(LabeledEnum):
    COMMUNE = "commune"
    EPT = "ept"
    OPH = "oph"
    PUBLIC_BODY = "public_body"
    SYNDICATE = "syndicate"
    OTHER = "other"

    @classmethod
    def __labels__(cls):
        return {
            cls.COMMUNE: _l("Commune"),
            cls.EPT: _l("Établissement public territorial"),
            cls.OPH: _l("Office public de l'habitat"),
            cls.PUBLIC_BODY: _l("Établissement public"),
            cls.SYNDICATE: _l("Syndicat"),
            cls.OTHER: _l("Autre"),
        }


class Organisation(RecordMixin, table=True):
    name: str = Field(max_length=200, nullable=False)
    slug: str = Field(max_length=200, nullable=False, unique=True, index=True)
    kind: OrganisationKind = Field(
        default=OrganisationKind.COMMUNE, sa_type=str_enum(OrganisationKind), nullable=False
    )
    siren: str | None = Field(default=None, max_length=9)
    address: str | None = Field(default=None, max_length=500)
    legal_representative: str | None = Field(default=None, max_length=200)
    dpo_name: str | None = Field(default=None, max_length=200)
    dpo_cnil_number: str | None = Field(default=None, max_length=50)
    dpo_designated_on: date | None = None
    # How the people concerned and the CNIL reach the DPO (Art. 30(1)(a), 33(3)(b), 37(7)).
    dpo_contact: str | None = Field(default=None, max_length=500)
    referent_name: str | None = Field(default=None, max_length=200)
    referent_email: str | None = Field(default=None, max_length=254)
    is_host: bool = Field(default=False, nullable=False)
    is_active: bool = Field(default=True, nullable=False)
    notes: str | None = None

    __table_args__ = (
        sa.CheckConstraint("siren IS NULL OR length(siren) = 9", name="siren_length"),
    )
    # Seen in every register through the user's own roles there; callers name the register.
    __scope__ = Scope(
        Register.ORGANISATIONS,
        within=lambda organisations: Organisation.id.in_(organisations),
        owner="id",
    )

    def __str__(self) -> str:
        return self.name


def slugify(name: str) -> str:
    """Lowercase ASCII; every other run of characters becomes one hyphen."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def is_valid_siren(siren: str) -> bool:
    """Nine digits passing the Luhn check, as INSEE assigns them."""
    if not re.fullmatch(r"\d{9}", siren or ""):
        return False
    total = 0
    for index, char in enumerate(reversed(siren)):
        digit = int(char)
        if index % 2:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return total % 10 == 0


# --- scoping -------------------------------------------------------------------------------


def visible_organisations_query(user, register, action=None):
    """SELECT of the organisation ids where the user holds a role allowing action on register.

    A subquery on the user's memberships, so the condition stays one SQL clause whatever the
    size of the tables it filters.
    """
    roles = [r.value for r in roles_allowing(register, action or Action.READ)]
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return sa.select(Membership.organisation_id).where(sa.false())
    return sa.select(Membership.organisation_id).where(
        Membership.user_id == user.id,
        Membership.role.in_(roles),
        active_membership_condition(),
    )


# Above this many organisations, a user's scope covers most of a list on SQLite: walking the
# index of the list's order (e.g. processing_activity (reference, id)) and checking each row's
# owner beats fetching every visible row through the owner index and sorting them all (page 1 of
# the API for a national DPO of 1 000 organisations: 9 ms against 365 ms). Below it, the owner
# index stays the better plan (a referent of one organisation among 1 000: ~90 ms against
# ~140 ms when every index entry is walked).
WIDE_SCOPE = 64


def wide_scope(user) -> bool:
    """Whether the user's current memberships (loaded once per request) span more than
    WIDE_SCOPE organisations, on SQLite: its planner then gets the owner term as an expression
    (`owner_term`). PostgreSQL weighs the two plans with its statistics: always False there."""
    session = get_session()
    if session.get_bind().dialect.name != "sqlite":
        return False
    organisations = {membership.organisation_id for membership in memberships_of(user, session)}
    return len(organisations) > WIDE_SCOPE


def owner_term(column, wide: bool):
    """`column`, or with `wide` `column + 0`: the same values, but an expression SQLite does not
    look up in the column's index."""
    return column + 0 if wide else column


def scope_of(model) -> Scope:
    """The scope `model` declares (its `__scope__`); TypeError for a model that declares none."""
    declared = getattr(model, "__scope__", None)
    if not isinstance(declared, Scope):
        raise TypeError(f"{model.__name__} declares no __scope__")
    return declared


def scope(statement, column, register, action=None, *, user=None, selected: bool = True):
    """Restrict a SELECT to the rows whose organisation column the user may see.

    With selected=True the organisation chosen in the selector narrows it further. The form
    for a column; `compliance.access.scope(select(Model), action)` uses the model's declared
    scope instead.
    """
    user = current_user if user is None else user
    owner = owner_term(column, wide_scope(user))
    statement = statement.where(owner.in_(visible_organisations_query(user, register, action)))
    if selected:
        chosen = selected_organisation_id()
        if chosen is not None:
            statement = statement.where(column == chosen)
    return statement


def selected_organisation_id() -> int | None:
    """The organisation picked in the selector, or None for 'all that I may see'."""
    if not has_request_context():
        return None
    if "selected_organisation" not in g:
        g.selected_organisation = None
        slug = flask_session.get("organisation")
        if slug:
            g.selected_organisation = get_session().scalar(
                sa.select(Organisation).where(Organisation.slug == slug)
            )
    org = g.selected_organisation
    return org.id if org is not None else None


def visible_organisations(register="dashboard", action=None, *, user=None) -> list[Organisation]:
    user = current_user if user is None else user
    statement = (
        sa.select(Organisation)
        .where(Organisation.id.in_(visible_organisations_query(user, register, action)))
        .order_by(Organisation.name)
    )
    return list(get_session().scalars(statement))


def organisation_choices(register="dashboard", action=None, *, user=None) -> list[sa.Row]:
    """The organisations of `visible_organisations` as (id, name, slug) rows, for a list's
    filter: a national user sees a thousand, and rows cost a fraction of mapped objects."""
    user = current_user if user is None else user
    statement = (
        sa.select(Organisation.id, Organisation.name, Organisation.slug)
        .where(Organisation.id.in_(visible_organisations_query(user, register, action)))
        .order_by(Organisation.name)
    )
    return list(get_session().execute(statement))


# --- references a write sets -----------------------------------------------------------------


def scope_condition(model, register=None, action=None, *, user):
    """The SQL condition selecting the rows of `model` the user may see for `action`, as the
    model's declared scope says (`register` overrides the declared one: an organisation is
    referenced from every register)."""
    return scope_of(model).condition(model, user, action, register=register)


def is_operator(actor) -> bool:
    """A CLI command or the demo loader acts under a label (a string), not as a user: the
    operator of the instance, with every right. Anything else is checked as a user (an
    anonymous one sees nothing)."""
    return isinstance(actor, str)


def visible_references(
    session: Session, model, ids, register, action=None, *, user, field: str, keep=()
) -> list:
    """The records of `model` named by `ids`, in that order, each one the user may see (or, for
    a write, act on) through `register`; FieldErrors({field: …}) otherwise. The records of
    `keep` (those already linked) stay without a check: only what the write sets is checked.

    An unknown id and the id of a record the user may not see get the same answer: the API must
    not tell which ids exist elsewhere."""
    ids = list(dict.fromkeys(ids))
    found = {record.id: record for record in keep if record.id in ids}
    wanted = [i for i in ids if i not in found and _is_id(i)]
    if wanted:
        statement = sa.select(model).where(model.__table__.c.id.in_(wanted))
        if not is_operator(user):
            statement = statement.where(scope_condition(model, register, action, user=user))
        found.update((record.id, record) for record in session.scalars(statement))
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise FieldErrors({field: unknown_reference_message(missing)})
    return [found[i] for i in ids]


def _is_id(value) -> bool:
    return isinstance(value, int) and bounded_id(value) is not None


def visible_reference(session: Session, model, record_id, register, action=None, *, user, field):
    """One record as visible_references() checks it; None stays None."""
    if record_id is None:
        return None
    return visible_references(
        session, model, [record_id], register, action, user=user, field=field
    )[0]


def organisation_for(
    session: Session, organisation_id, register, action, *, user, field="organisation_id"
):
    """The organisation a new record is written in: one the user sees in `register`
    (FieldErrors otherwise, as for an unknown id), where the user may do `action` (403)."""

    organisation = visible_reference(
        session, Organisation, organisation_id, register, user=user, field=field
    )
    if organisation is None:
        raise _missing(field)
    if not is_operator(user) and not can(
        register, action, organisation.id, user=user, session=session
    ):
        abort(403)
    return organisation


def _missing(field: str):
    return FieldErrors({field: _("est obligatoire")})


def unknown_reference_message(ids) -> str:
    ids = [str(i) for i in ids]
    if len(ids) == 1:
        return _("aucune fiche accessible ne porte l'identifiant %(id)s", id=ids[0])
    return _("aucune fiche accessible ne porte les identifiants %(ids)s", ids=", ".join(ids))


# --- a record never changes organisation -----------------------------------------------------


def organisation_change_message() -> str:
    return _("ne peut pas changer : une fiche reste dans son organisation")


def refuse_organisation_change(record, data: dict) -> None:
    """Drop from `data` an `organisation_id` equal to the record's (a client sends back what it
    read); a different one is refused (FieldErrors, the API's 422)."""
    if "organisation_id" in data and data.pop("organisation_id") != record.organisation_id:
        raise FieldErrors({"organisation_id": organisation_change_message()})


@event.listens_for(Session, "before_flush")
def _organisation_never_changes(session, _flush_context, _instances) -> None:
    """The last line: whatever path changed it, a persisted record's organisation_id is never
    written (FieldErrors on `organisation_id`, the API's 422)."""
    for record in session.dirty:
        state = sa.inspect(record)
        if "organisation_id" not in state.mapper.column_attrs:
            continue
        history = state.attrs.organisation_id.history
        if not history.added or state.key is None:
            continue
        if history.deleted:
            before = history.deleted[0]
        else:
            # Set while expired: the stored value was never loaded, read it.
            table = state.mapper.local_table
            before = session.connection().scalar(
                sa.select(table.c.organisation_id).where(table.c.id == state.key[1][0])
            )
        if before is not None and history.added[0] != before:
            raise FieldErrors({"organisation_id": organisation_change_message()})
