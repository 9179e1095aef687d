"""The access kernel: declared scopes, the one loader, the scoped query, the guard and the
named rules (compliance.access)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import g
from flask_login import login_user
from sqlmodel import select
from werkzeug.exceptions import Forbidden, NotFound

from compliance.access import (
    ADMINISTERED_ORGANISATIONS,
    ADMINISTERED_RECORDS,
    ADMINISTERED_USERS,
    CATALOGUE_EDITOR,
    CATALOGUE_READER,
    MODEL_KEEPER,
    PLATFORM_ADMIN,
    Rule,
    allowed,
    allowed_on,
    get_or_404,
    require,
    requires,
    scope,
)
from compliance.auth import Membership, User
from compliance.permissions import Action, Register
from compliance.tenancy import Organisation, Scope, scope_condition, scope_of
from registers.applications.models import Application
from registers.breaches.models import BreachNotification, PersonalDataBreach
from registers.incidents.models import CorrectiveAction, Incident
from registers.processing.models import ProcessingActivity
from registers.roadmap.models import Milestone, Roadmap, RoadmapAction

# Memberships as a member-owned model would declare them: by their organisation_id.
MEMBERSHIPS = Scope(Register.ORGANISATIONS)
# And as a child of their organisation.
MEMBERSHIPS_THROUGH = Scope.through(Organisation, "organisation_id")

ALWAYS = Rule("always", lambda *_: True)
NEVER = Rule("never", lambda *_: False)


@pytest.fixture
def host(make_organisation):
    return make_organisation("Syndicat", is_host=True)


def _membership(session, user) -> Membership:
    return session.scalar(select(Membership).where(Membership.user_id == user.id))


# --- declarations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "register"),
    [
        (Organisation, Register.ORGANISATIONS),
        (Application, Register.APPLICATIONS),
        (Incident, Register.INCIDENTS),
        (CorrectiveAction, Register.INCIDENTS),
        (ProcessingActivity, Register.PROCESSING),
        (PersonalDataBreach, Register.BREACHES),
        (BreachNotification, Register.BREACHES),
        (Roadmap, Register.ROADMAP),
        (RoadmapAction, Register.ROADMAP),
        (Milestone, Register.ROADMAP),
    ],
)
def test_models_declare_their_register(model, register):
    assert scope_of(model).register == register


def test_a_model_without_a_declaration_is_refused():
    with pytest.raises(TypeError):
        scope_of(User)


def test_a_child_takes_its_parents_rules():
    assert scope_of(Milestone).parent == (RoadmapAction, "action_id")
    assert scope_of(Application).writer is CATALOGUE_EDITOR
    assert scope_of(Application).everywhere is CATALOGUE_READER


# --- the loader -----------------------------------------------------------------------------


def test_get_or_404_returns_a_visible_record(session, make_user, organisation):
    referent = make_user("referent", organisation)
    membership = _membership(session, referent)
    assert get_or_404(Membership, membership.id, scope=MEMBERSHIPS, user=referent) is membership


def test_get_or_404_hides_another_organisations_record(
    session, make_user, organisation, other_organisation
):
    outsider = make_user("dpo", other_organisation)
    membership = _membership(session, make_user("referent", organisation))
    with pytest.raises(NotFound):
        get_or_404(Membership, membership.id, scope=MEMBERSHIPS, user=outsider)


@pytest.mark.parametrize("record_id", [999_999, "abc", None, -1, 0, 2**80, True])
def test_get_or_404_on_missing_or_malformed_ids(make_user, organisation, record_id):
    user = make_user("admin", organisation)
    with pytest.raises(NotFound):
        get_or_404(Organisation, record_id, user=user)


def test_get_or_404_forbids_an_action_the_role_does_not_allow(session, make_user, organisation):
    referent = make_user("referent", organisation)
    dpo = make_user("dpo", organisation)
    membership = _membership(session, referent)
    with pytest.raises(Forbidden):
        get_or_404(Membership, membership.id, Action.EDIT, scope=MEMBERSHIPS, user=referent)
    assert get_or_404(Membership, membership.id, Action.EDIT, scope=MEMBERSHIPS, user=dpo)


def test_allowed_on_a_loaded_record(make_user, organisation):
    referent = make_user("referent", organisation)
    assert allowed_on(organisation, Action.READ, user=referent)
    assert not allowed_on(organisation, Action.EDIT, user=referent)
    assert allowed_on(organisation, Action.EDIT, user=make_user("dpo", organisation))


def test_get_or_404_can_hide_what_the_user_may_not_act_on(session, make_user, organisation):
    referent = make_user("referent", organisation)
    with pytest.raises(NotFound):
        get_or_404(Organisation, organisation.id, Action.EDIT, user=referent, forbidden=404)


def test_get_or_404_by_slug_through_another_register(make_user, organisation, other_organisation):
    referent = make_user("referent", organisation)
    found = get_or_404(
        Organisation, organisation.slug, by="slug", register=Register.PROCESSING, user=referent
    )
    assert found.id == organisation.id
    # A referent writes the record of processing activities but does not validate it.
    get_or_404(
        Organisation,
        organisation.slug,
        Action.EDIT,
        by="slug",
        register=Register.PROCESSING,
        user=referent,
    )
    with pytest.raises(Forbidden):
        get_or_404(
            Organisation,
            organisation.slug,
            Action.VALIDATE,
            by="slug",
            register=Register.PROCESSING,
            user=referent,
        )
    with pytest.raises(NotFound):
        get_or_404(
            Organisation,
            other_organisation.slug,
            by="slug",
            register=Register.PROCESSING,
            user=referent,
        )
    with pytest.raises(NotFound):
        get_or_404(Organisation, "nowhere", by="slug", user=referent)


def test_a_child_is_seen_and_written_through_its_parent(
    session, make_user, organisation, other_organisation
):
    referent = make_user("referent", organisation)
    dpo = make_user("dpo", organisation)
    outsider = make_user("dpo", other_organisation)
    membership = _membership(session, referent)
    assert get_or_404(Membership, membership.id, scope=MEMBERSHIPS_THROUGH, user=referent)
    with pytest.raises(NotFound):
        get_or_404(Membership, membership.id, scope=MEMBERSHIPS_THROUGH, user=outsider)
    with pytest.raises(Forbidden):
        get_or_404(Membership, membership.id, Action.EDIT, scope=MEMBERSHIPS_THROUGH, user=referent)
    assert get_or_404(Membership, membership.id, Action.EDIT, scope=MEMBERSHIPS_THROUGH, user=dpo)


def test_a_writer_rule_decides_every_action_but_reading(session, make_user, organisation):
    admin = make_user("admin", organisation)
    membership = _membership(session, admin)
    refused = Scope(Register.ORGANISATIONS, writer=NEVER)
    assert get_or_404(Membership, membership.id, scope=refused, user=admin)
    with pytest.raises(Forbidden):
        get_or_404(Membership, membership.id, Action.EDIT, scope=refused, user=admin)
    with pytest.raises(Forbidden):
        get_or_404(Membership, membership.id, Action.EXPORT, scope=refused, user=admin)


def test_an_everywhere_rule_sees_and_acts_on_every_row(
    session, make_user, organisation, other_organisation
):
    outsider = make_user("auditor", other_organisation)
    membership = _membership(session, make_user("referent", organisation))
    everywhere = Scope(Register.ORGANISATIONS, everywhere=ALWAYS)
    assert get_or_404(Membership, membership.id, Action.EDIT, scope=everywhere, user=outsider)


def test_export_follows_the_declared_rows_not_the_owner(
    session, make_user, organisation, other_organisation
):
    """A record seen through another organisation than its owner: exported where the user may
    export there; written only with the role in the owner."""
    dpo = make_user("dpo", organisation)
    membership = _membership(session, make_user("referent", other_organisation))
    # The membership of the other organisation is "within" every organisation of the user.
    shared = Scope(
        Register.ORGANISATIONS,
        within=lambda organisations: sa.exists().where(
            Organisation.id.in_(organisations), Membership.id.isnot(None)
        ),
    )
    assert get_or_404(Membership, membership.id, scope=shared, user=dpo)
    dashboard = Scope(Register.DASHBOARD, within=shared.within)
    assert get_or_404(Membership, membership.id, Action.EXPORT, scope=dashboard, user=dpo)
    with pytest.raises(Forbidden):
        get_or_404(Membership, membership.id, Action.EDIT, scope=shared, user=dpo)
    # A referent reads the dashboard but exports nothing.
    referent = make_user("referent", organisation)
    assert get_or_404(Membership, membership.id, scope=dashboard, user=referent)
    with pytest.raises(Forbidden):
        get_or_404(Membership, membership.id, Action.EXPORT, scope=dashboard, user=referent)


# --- the scoped query -----------------------------------------------------------------------


def _ids(session, user, action=Action.READ, **kwargs):
    return set(session.scalars(scope(select(Organisation.id), action, user=user, **kwargs)))


def test_scope_keeps_the_rows_the_user_may_see(
    session, make_user, organisation, other_organisation
):
    referent = make_user("referent", organisation)
    dpo = make_user("dpo", organisation, other_organisation)
    assert _ids(session, referent, model=Organisation) == {organisation.id}
    assert _ids(session, dpo, model=Organisation) == {organisation.id, other_organisation.id}
    auditor = make_user("auditor", organisation)
    assert (
        _ids(session, auditor, Action.EDIT, model=Organisation, register=Register.PROCESSING)
        == set()
    )
    assert _ids(session, auditor, Action.EXPORT, model=Organisation, register=Register.PROCESSING)


def test_scope_takes_the_model_from_the_statement(session, make_user, organisation):
    referent = make_user("referent", organisation)
    rows = session.scalars(scope(select(Organisation), user=referent)).all()
    assert [row.id for row in rows] == [organisation.id]


def test_scope_is_one_sql_condition_not_a_list_of_ids(make_user, organisation):
    user = make_user("referent", organisation)
    sql = str(scope(select(Organisation), user=user))
    assert "membership" in sql.lower()
    assert "IN (SELECT" in sql


def test_the_selector_narrows_a_list(app, session, make_user, organisation, other_organisation):
    dpo = make_user("dpo", organisation, other_organisation)
    with app.test_request_context():
        g.selected_organisation = other_organisation
        assert _ids(session, dpo, model=Organisation) == {other_organisation.id}
        assert _ids(session, dpo, model=Organisation, selected=False) == {
            organisation.id,
            other_organisation.id,
        }
        # A scope that ignores the selector (a shared catalogue, the administration).
        assert _ids(session, dpo, model=Organisation, scope=ADMINISTERED_ORGANISATIONS) == {
            organisation.id,
            other_organisation.id,
        }


def test_scope_condition_uses_the_same_declaration(session, make_user, organisation):
    referent = make_user("referent", organisation)
    condition = scope_condition(Organisation, Register.PROCESSING, Action.EDIT, user=referent)
    assert set(session.scalars(select(Organisation.id).where(condition))) == {organisation.id}
    condition = scope_condition(Organisation, Register.PROCESSING, Action.VALIDATE, user=referent)
    assert set(session.scalars(select(Organisation.id).where(condition))) == set()


# --- the guard ------------------------------------------------------------------------------


def test_allowed_reads_the_table_or_a_rule(make_user, organisation, other_organisation):
    ciso = make_user("ciso", organisation)
    assert allowed(Register.INCIDENTS, action=Action.EDIT, user=ciso)
    assert allowed(Register.INCIDENTS, organisation.id, action=Action.EDIT, user=ciso)
    assert not allowed(Register.INCIDENTS, other_organisation.id, user=ciso)
    assert not allowed(Register.PROCESSING, action=Action.EDIT, user=ciso)
    assert allowed(ALWAYS, user=ciso)
    assert not allowed(NEVER, user=ciso)


def test_require_refuses_with_403(make_user, organisation):
    referent = make_user("referent", organisation)
    require(Register.PROCESSING, Action.EDIT, user=referent)
    with pytest.raises(Forbidden):
        require(Register.PROCESSING, Action.VALIDATE, user=referent)
    with pytest.raises(Forbidden):
        require(rule=NEVER, user=referent)
    with pytest.raises(Forbidden) as refused:
        require(Register.PROCESSING, Action.VALIDATE, user=referent, message="Pas ici.")
    assert refused.value.description == "Pas ici."


def test_require_a_rule_with_its_own_or_a_named_action(make_user, make_organisation):
    host = make_organisation("Syndicat", is_host=True)
    referent = make_user("referent", host)
    # A referent may not validate in the host (the rule's own action) but may create there.
    with pytest.raises(Forbidden):
        require(rule=MODEL_KEEPER, user=referent)
    require(rule=CATALOGUE_READER, user=referent)
    with pytest.raises(Forbidden):
        require(rule=CATALOGUE_READER, action=Action.EDIT, user=referent)


def test_requires_takes_a_register_or_a_rule():
    with pytest.raises(TypeError):
        requires()
    with pytest.raises(TypeError):
        requires(Register.INCIDENTS, rule=ALWAYS)


def test_requires_logs_in_then_checks(app, session, make_user, organisation):
    calls = []

    @requires(Register.INCIDENTS, Action.CREATE)
    def create():
        calls.append("create")
        return "done"

    @requires(rule=NEVER)
    def never():
        calls.append("never")

    with app.test_request_context():
        response = create()
        assert response.status_code in (302, 401)
    with app.test_request_context():
        login_user(make_user("referent", organisation))
        with pytest.raises(Forbidden):
            create()
        with pytest.raises(Forbidden):
            never()
    with app.test_request_context():
        login_user(make_user("ciso", organisation))
        assert create() == "done"
    assert calls == ["create"]


# --- named rules ----------------------------------------------------------------------------


def test_catalogue_rules_need_the_role_in_a_host(make_user, host, organisation):
    host_ciso = make_user("ciso", host)
    member_ciso = make_user("ciso", organisation)
    host_auditor = make_user("auditor", host)
    assert allowed(CATALOGUE_EDITOR, user=host_ciso)
    assert allowed(CATALOGUE_EDITOR, action=Action.CREATE, user=host_ciso)
    assert not allowed(CATALOGUE_EDITOR, user=member_ciso)
    assert not allowed(CATALOGUE_EDITOR, user=host_auditor)
    assert allowed(CATALOGUE_READER, user=host_auditor)
    assert not allowed(CATALOGUE_READER, user=member_ciso)


def test_catalogue_rules_ask_the_database_once_a_request(
    app, session, make_user, host, organisation
):
    """A catalogue page asks the catalogue rules several times: the request's memberships and
    hosts answer them, one statement for the hosts whatever the number of checks."""
    host_ciso = make_user("ciso", host, organisation)
    connection = session.connection()
    counted = []

    def count(*_args):
        counted.append(1)

    with app.test_request_context():
        allowed(CATALOGUE_READER, user=host_ciso)  # loads the memberships
        sa.event.listen(connection, "before_cursor_execute", count)
        try:
            for _ in range(4):
                assert allowed(CATALOGUE_READER, user=host_ciso)
                assert allowed(CATALOGUE_EDITOR, user=host_ciso)
        finally:
            sa.event.remove(connection, "before_cursor_execute", count)
    assert len(counted) == 0


def test_only_the_hosts_dpo_keeps_model_processings(make_user, host, organisation):
    assert allowed(MODEL_KEEPER, user=make_user("dpo", host))
    assert allowed(MODEL_KEEPER, action=Action.CREATE, user=make_user("dpo", host))
    assert not allowed(MODEL_KEEPER, user=make_user("dpo", organisation))
    assert not allowed(MODEL_KEEPER, user=make_user("referent", host))
    # A referent may create in the host, but does not validate there.
    assert not allowed(MODEL_KEEPER, action=Action.CREATE, user=make_user("referent", host))


def test_no_model_keeper_without_a_host(make_user, organisation):
    assert not allowed(MODEL_KEEPER, user=make_user("dpo", organisation))


def test_platform_admin_is_an_admin_of_the_host(make_user, host, organisation):
    assert allowed(PLATFORM_ADMIN, user=make_user("admin", host))
    assert not allowed(PLATFORM_ADMIN, user=make_user("admin", organisation))
    assert not allowed(PLATFORM_ADMIN, user=make_user("dpo", host))
    assert allowed(PLATFORM_ADMIN, user="operator")


def test_any_admin_is_platform_admin_while_there_is_no_host(make_user, organisation):
    assert allowed(PLATFORM_ADMIN, user=make_user("admin", organisation))
    assert not allowed(PLATFORM_ADMIN, user=make_user("ciso", organisation))


# --- the administration's scopes ------------------------------------------------------------


def test_administered_users_and_records(session, make_user, host, organisation, other_organisation):
    platform = make_user("admin", host)
    local = make_user("admin", organisation)
    member = make_user("referent", organisation)
    stranger = make_user("referent", other_organisation)

    def users(admin):
        statement = scope(select(User.id), model=User, scope=ADMINISTERED_USERS, user=admin)
        return set(session.scalars(statement))

    assert {member.id, local.id} <= users(local)
    assert stranger.id not in users(local)
    assert {member.id, local.id, stranger.id, platform.id} <= users(platform)
    assert get_or_404(User, member.id, scope=ADMINISTERED_USERS, user=local)
    with pytest.raises(NotFound):
        get_or_404(User, stranger.id, scope=ADMINISTERED_USERS, user=local)
    # Accounts are changed by the platform admin alone.
    with pytest.raises(Forbidden):
        get_or_404(User, member.id, Action.EDIT, scope=ADMINISTERED_USERS, user=local)
    assert get_or_404(User, member.id, Action.EDIT, scope=ADMINISTERED_USERS, user=platform)

    theirs = _membership(session, stranger).id
    records = ADMINISTERED_RECORDS
    with pytest.raises(NotFound):
        get_or_404(Membership, theirs, Action.ADMIN, scope=records, user=local, forbidden=404)
    assert get_or_404(Membership, theirs, Action.ADMIN, scope=records, user=platform)
