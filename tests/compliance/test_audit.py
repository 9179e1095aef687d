"""The audit trail: what is written, the hash chain, and `compliance audit verify`."""

from __future__ import annotations

import itertools
import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlmodel import select

from compliance import audit
from compliance.admin import services
from compliance.audit import AuditEntry, entry_digest
from compliance.auth import Membership
from compliance.cli import main


def _entries(session) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def _last(session) -> AuditEntry:
    return _entries(session)[-1]


@pytest.fixture
def admin(make_user, organisation):
    return make_user("admin", organisation, email="alice@siim94.example")


def test_creation_is_recorded_with_its_fields(session, admin):
    organisation = services.create_organisation(
        session, {"name": "Valdevy", "siren": "219400413"}, actor=admin
    )
    entry = _last(session)
    assert (entry.action, entry.object_type) == ("create", "Organisation")
    assert (entry.object_id, entry.organisation_id) == (str(organisation.id), organisation.id)
    assert (entry.actor_id, entry.actor_label) == (admin.id, "alice@siim94.example")
    assert entry.changes["siren"] == {"before": None, "after": "219400413"}
    assert entry.at.tzinfo is not None


def test_update_records_before_and_after_of_changed_fields_only(session, admin, organisation):
    services.update_organisation(
        session, organisation, {"name": "Ivry", "address": "Esplanade"}, actor=admin
    )
    entry = _last(session)
    assert entry.action == "update"
    assert entry.changes == {
        "name": {"before": "Ivry-sur-Seine", "after": "Ivry"},
        "address": {"before": None, "after": "Esplanade"},
    }


def test_update_without_change_writes_nothing(session, admin, organisation):
    count = len(_entries(session))
    services.update_organisation(session, organisation, {"name": organisation.name}, actor=admin)
    assert len(_entries(session)) == count


def test_grant_and_revoke_are_recorded(session, admin, make_user, organisation):
    user = make_user(email="bob@ivry.example")
    membership = services.grant_role(session, user, organisation, "referent", actor=admin)
    grant = _last(session)
    assert (grant.action, grant.organisation_id) == ("grant", organisation.id)
    assert grant.changes["role"] == {"before": None, "after": "referent"}
    assert "bob@ivry.example" in grant.summary
    services.revoke_membership(session, membership, actor=admin)
    revoke = _last(session)
    assert revoke.action == "revoke"
    assert revoke.changes["role"] == {"before": "referent", "after": None}
    assert session.scalar(select(Membership).where(Membership.user_id == user.id)) is None


def test_deactivation_is_recorded(session, admin, make_user):
    user = make_user()
    services.deactivate_user(session, user, actor=admin)
    assert _last(session).action == "deactivate"
    assert _last(session).changes == {"active": {"before": True, "after": False}}


def test_login_failure_and_logout_are_recorded(client, session, make_user):
    from tests.conftest import PASSWORD

    user = make_user("referent", email="carole@ivry.example")
    session.commit()
    client.post("/login", data={"email": user.email, "password": "not-the-password"})
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    client.post("/logout")
    tail = _entries(session)[-3:]
    assert [e.action for e in tail] == ["login_failed", "login", "logout"]
    assert all(e.address == "127.0.0.1" for e in tail)
    assert [e.actor_id for e in tail] == [user.id] * 3


def test_password_hashes_never_reach_the_trail(session, admin, make_user):
    user = make_user(email="dana@ivry.example")
    services.set_password(session, user, "another-long-password", actor=admin)
    trail = json.dumps([e.changes for e in _entries(session)])
    assert "password_hash" not in trail
    assert user.password_hash not in trail
    assert "$argon2" not in trail


def test_entries_form_a_hash_chain(session, admin, organisation):
    services.update_organisation(session, organisation, {"name": "Ivry"}, actor=admin)
    entries = _entries(session)
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == audit.GENESIS
    for previous, entry in itertools.pairwise(entries):
        assert entry.prev_hash == previous.hash
        assert entry.hash == entry_digest(entry, audit.current_keys()[entry.key_id])


# --- verification ---------------------------------------------------------------------------


def _verify(app):
    return CliRunner().invoke(main, ["audit", "verify"], obj=app)


@pytest.fixture
def trail(session, admin, organisation):
    """At least five entries."""
    for name in ("Ivry", "Ivry-sur-Seine", "Ivry"):
        services.update_organisation(session, organisation, {"name": name}, actor=admin)
    assert len(_entries(session)) >= 5
    session.commit()


def test_verify_accepts_an_intact_chain(app, trail):
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


def test_verify_names_an_altered_entry(app, session, trail):
    session.execute(sa.text("UPDATE audit_entry SET summary = 'nothing happened' WHERE seq = 3"))
    session.commit()
    result = _verify(app)
    assert result.exit_code != 0
    assert "entry 3" in result.output
    assert audit.verify(session).bad_seq == 3


def test_verify_detects_altered_changes(app, session, trail):
    entry = _entries(session)[3]
    session.execute(
        sa.update(AuditEntry).where(AuditEntry.seq == entry.seq).values(changes={"forged": 1})
    )
    session.commit()
    assert audit.verify(session).bad_seq == entry.seq


def test_verify_names_a_deleted_middle_entry(app, session, trail):
    session.execute(sa.text("DELETE FROM audit_entry WHERE seq = 2"))
    session.commit()
    result = _verify(app)
    assert result.exit_code != 0
    assert "entry 2" in result.output


def test_verify_detects_a_rehashed_entry(session, trail):
    # Recomputing an altered entry's own hash is not enough: the next entry still points at
    # the old one.
    entry = _entries(session)[1]
    entry.summary = "rewritten"
    entry.hash = entry_digest(entry, audit.current_keys()[entry.key_id])
    session.commit()
    result = audit.verify(session)
    assert not result.ok
    assert result.bad_seq == 3
