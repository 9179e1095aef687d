"""Slugs, SIREN, and the one scoping helper every member-owned query goes through."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select
from werkzeug.exceptions import Forbidden, NotFound

from compliance.access import get_or_404
from compliance.auth import Membership, can, memberships_of
from compliance.db import utcnow
from compliance.permissions import Action, Register, Role
from compliance.tenancy import (
    Organisation,
    Scope,
    is_valid_siren,
    organisation_choices,
    scope,
    slugify,
    visible_organisations,
)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Ivry-sur-Seine", "ivry-sur-seine"),
        ("Coop'Ivry Habitat", "coop-ivry-habitat"),
        ("Valdevy", "valdevy"),
        ("Créteil Habitat — OPH", "creteil-habitat-oph"),
        ("  L'Haÿ-les-Roses  ", "l-hay-les-roses"),
        ("SIIM94", "siim94"),
        ("Théâtre   d'Ivry (TQI)", "theatre-d-ivry-tqi"),
    ],
)
def test_slugify(name, slug):
    assert slugify(name) == slug


@pytest.mark.parametrize("siren", ["219400413", "732829320", "552100554"])
def test_valid_siren(siren):
    assert is_valid_siren(siren)


@pytest.mark.parametrize("siren", ["732829321", "21940041", "2194004130", "21940041A", "", None])
def test_invalid_siren(siren):
    assert not is_valid_siren(siren)


def _ids(session, user, register="organisations", action=None):
    statement = scope(select(Organisation.id), Organisation.id, register, action, user=user)
    return set(session.scalars(statement))


def test_scope_keeps_only_the_users_organisations(
    session, make_user, organisation, other_organisation
):
    referent = make_user("referent", organisation)
    dpo = make_user("dpo", organisation, other_organisation)
    assert _ids(session, referent) == {organisation.id}
    assert _ids(session, dpo) == {organisation.id, other_organisation.id}


def test_scope_honours_the_action(session, make_user, organisation):
    referent = make_user("referent", organisation)
    auditor = make_user("auditor", organisation)
    assert _ids(session, referent, "processing", Action.EDIT) == {organisation.id}
    assert _ids(session, auditor, "processing", Action.EDIT) == set()
    assert _ids(session, auditor, "processing", Action.EXPORT) == {organisation.id}


def test_organisation_choices_are_the_visible_organisations_as_rows(
    session, make_user, organisation, other_organisation
):
    """A list's filter gets the organisations as light rows (a national DPO sees a thousand),
    the same ones, in the same order, as the mapped objects."""
    dpo = make_user("dpo", organisation, other_organisation)
    objects = visible_organisations(Register.INCIDENTS, user=dpo)
    rows = organisation_choices(Register.INCIDENTS, user=dpo)
    assert [(o.id, o.name, o.slug) for o in objects] == [tuple(r) for r in rows]
    assert not any(isinstance(r, Organisation) for r in rows)
    referent = make_user("referent", organisation)
    assert [
        r.id for r in organisation_choices(Register.BREACHES, Action.EXPORT, user=referent)
    ] == []


def test_scope_ignores_expired_memberships(session, make_user, organisation):
    expired = make_user("auditor", organisation, expires_at=utcnow() - timedelta(minutes=1))
    current = make_user("auditor", organisation, expires_at=utcnow() + timedelta(days=1))
    assert _ids(session, expired) == set()
    assert _ids(session, current) == {organisation.id}


def test_scope_shows_nothing_to_an_inactive_user(session, make_user, organisation):
    user = make_user("dpo", organisation)
    user.active = False
    assert _ids(session, user) == set()


def test_scope_is_one_sql_condition_not_a_list_of_ids(make_user, organisation):
    user = make_user("referent", organisation)
    sql = str(scope(select(Organisation), Organisation.id, "organisations", user=user))
    assert "membership" in sql.lower()
    assert "IN (SELECT" in sql


# A membership scoped by its organisation, as a member-owned model declares it.
MEMBERSHIPS = Scope(Register.ORGANISATIONS)


def _membership(session, user) -> Membership:
    return session.scalar(select(Membership).where(Membership.user_id == user.id))


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


@pytest.mark.parametrize("record_id", [999_999, "abc", None])
def test_get_or_404_on_missing_or_malformed_ids(make_user, organisation, record_id):
    user = make_user("admin", organisation)
    with pytest.raises(NotFound):
        get_or_404(Membership, record_id, scope=MEMBERSHIPS, user=user)


def test_get_or_404_forbids_an_action_on_a_visible_record(session, make_user, organisation):
    referent = make_user("referent", organisation)
    dpo = make_user("dpo", organisation)
    membership = _membership(session, referent)
    with pytest.raises(Forbidden):
        get_or_404(Membership, membership.id, Action.EDIT, scope=MEMBERSHIPS, user=referent)
    assert get_or_404(Membership, membership.id, Action.EDIT, scope=MEMBERSHIPS, user=dpo)


def test_memberships_load_as_rows_and_still_decide(
    session, make_user, organisation, other_organisation
):
    """Every request loads the user's memberships (a national DPO: a thousand): as rows,
    which the permission checks read as they read mapped objects."""
    dpo = make_user("dpo", organisation, other_organisation)
    memberships = memberships_of(dpo, session)
    assert {(m.organisation_id, m.role) for m in memberships} == {
        (organisation.id, Role.DPO),
        (other_organisation.id, Role.DPO),
    }
    assert not any(isinstance(m, Membership) for m in memberships)
    assert can(Register.INCIDENTS, Action.READ, organisation.id, user=dpo, session=session)
    assert not can(Register.INCIDENTS, Action.EDIT, organisation.id, user=dpo, session=session)
