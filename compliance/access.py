"""Access: how a model declares its scope, how a view loads a record and guards a page.

Three pieces, one place: a register writes no `abort(403)`/`abort(404)` of its own for a
permission, and no loader of its own.

1. A member-owned model declares its scope once, as a class attribute (a `Scope`, defined in
   `compliance.tenancy` so that the models and the reference checks of the services share it)::

       class PersonalDataBreach(RecordMixin, table=True):
           __scope__ = Scope(Register.BREACHES)        # owned by its `organisation_id`

       class Incident(RecordMixin, table=True):        # seen by every organisation affected
           __scope__ = Scope(Register.INCIDENTS, within=lambda organisations: affecting(...))

       class Application(RecordMixin, table=True):     # the shared catalogue
           __scope__ = Scope(
               Register.APPLICATIONS,
               within=lambda organisations: Application.id.in_(deployed_in(organisations)),
               everywhere=CATALOGUE_READER, writer=CATALOGUE_EDITOR, selector=False,
           )

       class Milestone(IdMixin, table=True):           # a child: through its parent
           __scope__ = Scope.through(RoadmapAction, "action_id")

   `within(organisations)` is the SQL condition "the rows belonging to any of these
   organisations" (default: `owner`, i.e. `organisation_id`, in them). The organisations where
   the user's role allows the action give what they see; the organisation picked in the
   selector narrows a list with the same function. On a record the user sees: READ is allowed;
   EXPORT where the record is seen through an organisation where the user may export; any
   other action needs the role in the record's own organisation (`owner`), or the `writer`
   rule when one is declared; the holders of `everywhere` see and do everything. The
   declaration names the register: callers do not repeat it.

2. A view loads one record with the one loader, and a list with the one scope::

       breach = get_or_404(PersonalDataBreach, breach_id)              # 404 unless seen
       breach = get_or_404(PersonalDataBreach, breach_id, Action.EDIT)  # and 403 unless editable
       organisation = get_or_404(
           Organisation, slug, Action.EXPORT, by="slug", register=Register.PROCESSING
       )
       statement = scope(select(PersonalDataBreach), Action.EXPORT)  # rows the user may
                                                                     # export, selector applied
       if allowed_on(breach, Action.VALIDATE): ...                   # a button, a panel

   Loader options go with the call (`options=(selectinload(...),)`); `forbidden=404` hides a
   record from those who see it but may not act on it.

3. A view is guarded by the permission table or by a named rule::

       @bp.route("/breaches/new", methods=["GET", "POST"])
       @requires(Register.BREACHES, Action.CREATE)   # login, then 403 unless allowed somewhere
       def new_breach(): ...

       @bp.before_request
       @requires(Register.BREACHES)                  # every page of the blueprint: readers only
       def _readers_only() -> None: ...

       @requires(rule=MODEL_KEEPER)                  # a named rule instead of a role
       def models(): ...

       require(Register.BREACHES, Action.VALIDATE, organisation_id=breach.organisation_id)
       if allowed(CATALOGUE_EDITOR): ...             # the same checks inside a view

   Named rules are what a role alone does not say, kept here beside the permission table:
   the catalogue reader and editor (the role in a host organisation), the model keeper (only
   the DPO of the host keeps model processings), the platform admin (an admin of the host).

Users and organisations are not member-owned: the administration pages load them through the
scopes declared at the end of this module (`ADMINISTERED_*`), passed as `scope=`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import sqlalchemy as sa
from flask import abort, g, has_request_context
from flask_login import current_user, login_required

from compliance.auth import Membership, User, can, memberships_of, roles_by_organisation
from compliance.db import get_session
from compliance.permissions import Action, Register, Role, role_allows
from compliance.tenancy import (
    Organisation,
    Scope,
    is_operator,
    scope_of,
)
from compliance.text import bounded_id

__all__ = [
    "ADMINISTERED_ORGANISATIONS",
    "ADMINISTERED_RECORDS",
    "ADMINISTERED_USERS",
    "CATALOGUE_EDITOR",
    "CATALOGUE_READER",
    "MODEL_KEEPER",
    "PLATFORM_ADMIN",
    "Action",
    "Register",
    "Rule",
    "Scope",
    "allowed",
    "allowed_on",
    "get_or_404",
    "require",
    "requires",
    "scope",
]


# --- named rules ----------------------------------------------------------------------------


class Rule:
    """A named permission predicate, for what the role x register x action table alone does not
    say. `predicate(user, action, organisation_id, session) -> bool`; `action` is the rule's
    own unless the caller names one."""

    def __init__(self, name: str, predicate: Callable, action: Action = Action.READ):
        self.name = name
        self.predicate = predicate
        self.action = action

    def __repr__(self) -> str:
        return f"Rule({self.name!r})"

    def holds(self, action=None, organisation_id=None, *, user=None, session=None) -> bool:
        user = current_user if user is None else user
        action = Action(action or self.action)
        return bool(self.predicate(user, action, organisation_id, session or get_session()))


def host_ids(session) -> list[int]:
    """The host organisations (the syndicate), oldest first."""
    statement = sa.select(Organisation.id).where(Organisation.is_host.is_(True))
    return list(session.scalars(statement.order_by(Organisation.id)))


def _hosts_of_request(session) -> list[int]:
    """`host_ids`, read once per request: the catalogue rules are asked several times a page."""
    if not has_request_context():
        return host_ids(session)
    if "host_ids" not in g:
        g.host_ids = host_ids(session)
    return g.host_ids


def holds_in_host(register: Register) -> Callable:
    """A predicate: the user holds the action on `register` in a host organisation (from the
    request's memberships and hosts, without a statement of its own)."""

    def predicate(user, action, _organisation_id, session) -> bool:
        roles = roles_by_organisation(user, session)
        return any(
            role_allows(role, register, action)
            for host in _hosts_of_request(session)
            for role in roles.get(host, ())
        )

    return predicate


def keeps_models(user, action, _organisation_id, session) -> bool:
    """The action and VALIDATE on the record of processing activities in the host organisation
    (the first one): only the DPO keeps the model processings."""
    hosts = host_ids(session)
    if not hosts:
        return False
    register = Register.PROCESSING
    return can(register, action, hosts[0], user=user, session=session) and can(
        register, Action.VALIDATE, hosts[0], user=user, session=session
    )


def administers_platform(user, _action, _organisation_id, session) -> bool:
    """An admin of the host organisation; while no organisation is the host (an instance being
    set up), any admin. The operator (command line, demo) always."""
    if is_operator(user):
        return True
    memberships = memberships_of(user, session)
    administered = {m.organisation_id for m in memberships if m.role == Role.ADMIN}
    if not administered:
        return False
    hosts = set(host_ids(session))
    return not hosts or bool(administered & hosts)


# The host's readers see the whole shared catalogue (applications, vendors, interfaces).
CATALOGUE_READER = Rule("catalogue reader", holds_in_host(Register.APPLICATIONS), Action.READ)
# Writing the shared catalogue needs the right in a host organisation.
CATALOGUE_EDITOR = Rule("catalogue editor", holds_in_host(Register.APPLICATIONS), Action.EDIT)
# Only the DPO keeps model processings (in the host organisation).
MODEL_KEEPER = Rule("model keeper", keeps_models, Action.VALIDATE)
# An admin of the host organisation administers every organisation and account.
PLATFORM_ADMIN = Rule("platform admin", administers_platform, Action.ADMIN)


# --- the guard ------------------------------------------------------------------------------


def allowed(
    what: Register | Rule,
    organisation_id: int | None = None,
    *,
    action: Action | str | None = None,
    user=None,
    session=None,
) -> bool:
    """Whether the user may: a register and an action through the permission table (without
    an organisation: in at least one), or a named rule."""
    if isinstance(what, Rule):
        return what.holds(action, organisation_id, user=user, session=session)
    return can(what, action or Action.READ, organisation_id, user=user, session=session)


def require(
    register: Register | None = None,
    action: Action | str | None = None,
    *,
    rule: Rule | None = None,
    organisation_id: int | None = None,
    user=None,
    message: str | None = None,
) -> None:
    """403 unless allowed (see `allowed`; without an action: READ, or the rule's own): the
    guard's form for inside a view. `message` is the refusal's description (the API shows it)."""
    if not allowed(rule or register, organisation_id, action=action, user=user):
        if message:
            abort(403, message)
        abort(403)


def requires(
    register: Register | None = None,
    action: Action | str | None = None,
    *,
    rule: Rule | None = None,
    message: str | None = None,
):
    """Decorator: login required, then 403 unless the user may do `action` on `register` in at
    least one organisation (or holds `rule`). On a `before_request` hook it guards a blueprint."""
    if (register is None) == (rule is None):
        raise TypeError("requires() takes a register or a rule")

    def decorator(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            require(register, action, rule=rule, message=message)
            return view(*args, **kwargs)

        return login_required(guarded)

    return decorator


# --- the loader and the scoped query --------------------------------------------------------


def allowed_on(record, action: Action | str, *, user=None) -> bool:
    """Whether the user, who sees `record` (loaded through `get_or_404` or `scope`), may do
    `action` on it, as its model's scope says."""
    model = type(record)
    user = current_user if user is None else user
    return scope_of(model).allows(model, record, action, user=user)


def get_or_404(
    model,
    key,
    action: Action | str = Action.READ,
    *,
    by: str = "id",
    register: Register | None = None,
    scope: Scope | None = None,
    options=(),
    user=None,
    forbidden: int = 403,
):
    """Load one record as its model's scope says: 404 when the user does not see it, 403 (or
    `forbidden`: 404 hides the record from who may not act on it) when they see it but may not
    do `action` on it.

    `by` loads by another unique column (an organisation's slug); `register` overrides the
    declared one (an organisation is read through each register); `scope` replaces the
    declaration (the administration's own view of users); `options` are loader options.
    """
    declared = scope if scope is not None else scope_of(model)
    user = current_user if user is None else user
    if by == "id":
        # An id no database column can hold names no record (and would overflow the driver).
        key = bounded_id(key)
        if key is None:
            abort(404)
    statement = (
        sa.select(model)
        .where(model.__table__.c[by] == key)
        .where(declared.condition(model, user, Action.READ, register=register))
        .options(*options)
    )
    session = get_session()
    record = session.scalar(statement)
    if record is None:
        abort(404)
    if not declared.allows(model, record, action, user=user, register=register, session=session):
        abort(forbidden)
    return record


def scope(
    statement,
    action: Action | str = Action.READ,
    *,
    model=None,
    register: Register | None = None,
    scope: Scope | None = None,
    selected: bool = True,
    user=None,
):
    """Restrict a SELECT of a model (its first entity, or `model`) to the rows the user may see
    for `action`, as the model declares (or `scope` says); with selected=True, narrowed to the
    organisation picked in the selector (unless the scope ignores the selector)."""
    model = model if model is not None else statement.column_descriptions[0]["entity"]
    declared = scope if scope is not None else scope_of(model)
    user = current_user if user is None else user
    condition = declared.condition(model, user, action, register=register, selected=selected)
    return statement.where(condition)


# --- what the administration pages see ----------------------------------------------------
# Users and organisations are not member-owned: the administration sees them through the
# organisations where the user is an admin, and the platform admin sees them all.


def _members_of(organisations):
    return User.id.in_(
        sa.select(Membership.user_id).where(Membership.organisation_id.in_(organisations))
    )


# Accounts: seen through a role in an administered organisation; changed by the platform admin.
ADMINISTERED_USERS = Scope(
    Register.USERS,
    within=_members_of,
    everywhere=PLATFORM_ADMIN,
    writer=PLATFORM_ADMIN,
    selector=False,
)
# Records kept in an organisation (memberships, audit entries): administered where the user is
# an admin (load and list them with Action.ADMIN).
ADMINISTERED_RECORDS = Scope(Register.ORGANISATIONS, everywhere=PLATFORM_ADMIN, selector=False)
# Organisations: administered where the user is an admin (load and list them with Action.ADMIN).
ADMINISTERED_ORGANISATIONS = Scope(
    Register.ORGANISATIONS,
    within=lambda organisations: Organisation.id.in_(organisations),
    owner="id",
    everywhere=PLATFORM_ADMIN,
    selector=False,
)
