"""The permission table, the check that reads it, and what each membership lets a user see."""

from __future__ import annotations

from datetime import timedelta

import pytest

from compliance.auth import can
from compliance.db import utcnow
from compliance.permissions import Action, Register, Role, role_allows, roles_allowing

# r read, c create, e edit, v validate, x export, a admin; written out independently of the code.
EXPECTED = {
    "admin": dict.fromkeys((r.value for r in Register), "rcevxa"),
    "dpo": {
        "dashboard": "rx",
        "organisations": "re",
        "users": "",
        "audit": "",
        "applications": "rx",
        "processing": "rcevx",
        "incidents": "rx",
        "breaches": "rcevx",
        "roadmap": "rx",
        "rights": "rcevx",
        "annual": "rcevx",
        "dpia": "rcevx",
        "watch": "rx",
        "risks": "rcex",
        "audits": "rx",
    },
    "ciso": {
        "dashboard": "rx",
        "organisations": "r",
        "users": "",
        "audit": "",
        "applications": "rcevx",
        "processing": "rx",
        "incidents": "rcevx",
        "breaches": "rcex",
        "roadmap": "rcevx",
        "rights": "",
        "annual": "r",
        "dpia": "rx",
        "watch": "rcevx",
        "risks": "rcevx",
        "audits": "rcevx",
    },
    "referent": {
        "dashboard": "r",
        "organisations": "r",
        "users": "",
        "audit": "",
        "applications": "r",
        "processing": "rcex",
        "incidents": "r",
        "breaches": "r",
        "roadmap": "r",
        "rights": "rcex",
        "annual": "rcex",
        "dpia": "rcex",
        "watch": "r",
        "risks": "r",
        "audits": "",
    },
    "auditor": {
        "dashboard": "rx",
        "organisations": "rx",
        "users": "",
        "audit": "",
        "applications": "rx",
        "processing": "rx",
        "incidents": "rx",
        "breaches": "rx",
        "roadmap": "rx",
        "rights": "rx",
        "annual": "rx",
        "dpia": "rx",
        "watch": "rx",
        "risks": "rx",
        "audits": "rx",
    },
}
LETTER = {"read": "r", "create": "c", "edit": "e", "validate": "v", "export": "x", "admin": "a"}
CASES = [
    (role, register.value, action, LETTER[action] in EXPECTED[role][register.value])
    for role in EXPECTED
    for register in Register
    for action in LETTER
]


@pytest.mark.parametrize(("role", "register", "action", "allowed"), CASES)
def test_permission_table(role, register, action, allowed):
    assert role_allows(role, register, action) is allowed


def test_every_role_and_register_is_in_the_expected_table():
    assert set(EXPECTED) == {r.value for r in Role}
    for registers in EXPECTED.values():
        assert set(registers) == {r.value for r in Register}


def test_only_admins_administer_users_and_audit():
    for register in (Register.USERS, Register.AUDIT):
        assert roles_allowing(register, Action.READ) == [Role.ADMIN]


def test_auditor_never_writes():
    for register in Register:
        for action in (Action.CREATE, Action.EDIT, Action.VALIDATE, Action.ADMIN):
            assert not role_allows(Role.AUDITOR, register, action)


def test_referent_edits_processing_but_the_dpo_validates():
    assert role_allows("referent", "processing", "edit")
    assert not role_allows("referent", "processing", "validate")
    assert roles_allowing("processing", "validate") == [Role.ADMIN, Role.DPO]


def test_unknown_action_is_refused():
    with pytest.raises(ValueError):
        role_allows("dpo", "processing", "purge")


# --- can(): the check against a user's memberships ------------------------------------------


def test_can_honours_the_organisation(make_user, organisation, other_organisation):
    referent = make_user("referent", organisation)
    assert can("processing", "edit", organisation.id, user=referent)
    assert not can("processing", "edit", other_organisation.id, user=referent)
    assert can("processing", "edit", user=referent)
    assert not can("processing", "validate", user=referent)


def test_can_combines_roles_per_organisation(session, make_user, organisation, other_organisation):
    from compliance.admin import services

    user = make_user("auditor", organisation)
    services.grant_role(session, user, other_organisation, "ciso", actor="test")
    assert can("incidents", "edit", other_organisation.id, user=user)
    assert not can("incidents", "edit", organisation.id, user=user)
    assert can("incidents", "export", organisation.id, user=user)


def test_expired_membership_grants_nothing(make_user, organisation):
    user = make_user("dpo", organisation, expires_at=utcnow() - timedelta(seconds=1))
    assert not can("dashboard", "read", organisation.id, user=user)
    assert not can("processing", "read", user=user)


def test_membership_expiring_later_still_counts(make_user, organisation):
    user = make_user("auditor", organisation, expires_at=utcnow() + timedelta(hours=1))
    assert can("processing", "read", organisation.id, user=user)


def test_inactive_user_can_do_nothing(make_user, organisation):
    user = make_user("admin", organisation)
    user.active = False
    assert not can("dashboard", "read", organisation.id, user=user)
