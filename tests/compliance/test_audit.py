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
from compliance.db import utcnow
from compliance.tenancy import Organisation


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


# --- what never enters an entry ---------------------------------------------------------------


def test_user_creation_records_no_session_token(session, admin):
    user = services.create_user(
        session,
        email="eve@ivry.example",
        name="Eve",
        password="Tram-9-Vitry-sur-Seine",
        actor=admin,
    )
    created = _last(session)
    assert (created.action, created.object_id) == ("create", str(user.id))
    assert created.changes["email"]["after"] == "eve@ivry.example"
    trail = json.dumps([e.changes for e in _entries(session)])
    assert "session_token" not in trail and user.session_token not in trail
    assert "password_hash" not in trail


@pytest.mark.parametrize(
    "column",
    ["session_token", "password_hash", "token_hash", "mfa_secret", "recovery_codes", "version"],
)
def test_columns_named_like_secrets_are_hidden_by_the_kernel(column):
    from compliance.auth import User

    assert audit._hidden(User, column)
    assert not audit._hidden(User, "email")


def test_an_api_token_touch_and_its_prefix_stay_out_of_the_trail(session, admin):
    token, secret = services.create_token(session, admin, "robot", actor=admin)
    created = _last(session)
    assert created.action == "create" and "prefix" not in (created.changes or {})
    assert secret[:10] not in json.dumps(created.changes)
    count = len(_entries(session))
    token.last_used_at = utcnow()
    session.commit()
    assert len(_entries(session)) == count


# --- recorded from the session ------------------------------------------------------------------


def test_a_change_without_any_service_is_recorded_with_the_context_actor(
    session, admin, organisation
):
    with audit.acting_as(session, admin):
        organisation.address = "Esplanade Georges Marrane"
        session.commit()
    entry = _last(session)
    assert (entry.action, entry.object_type) == ("update", "Organisation")
    assert entry.changes == {"address": {"before": None, "after": "Esplanade Georges Marrane"}}
    assert entry.actor_id == admin.id


def test_an_explicit_entry_names_the_change_instead_of_adding_one(session, admin, make_user):
    user = make_user()
    session.commit()
    count = len(_entries(session))
    services.deactivate_user(session, user, actor=admin)
    session.commit()
    entries = _entries(session)[count:]
    assert [(e.action, e.object_type) for e in entries] == [("deactivate", "User")]


def test_a_rollback_drops_the_pending_entries(session, admin, organisation):
    session.commit()
    count = len(_entries(session))
    services.update_organisation(session, organisation, {"name": "Ivry"}, actor=admin)
    session.rollback()
    session.commit()
    assert len(_entries(session)) == count


def test_a_rolled_back_savepoint_drops_only_its_own_entries(session, admin, organisation):
    count = len(_entries(session))
    services.update_organisation(session, organisation, {"address": "Esplanade"}, actor=admin)
    savepoint = session.begin_nested()
    services.update_organisation(session, organisation, {"name": "Ivry"}, actor=admin)
    savepoint.rollback()
    session.commit()
    entries = _entries(session)[count:]
    assert [list(e.changes) for e in entries] == [["address"]]


def test_pending_entries_touch_neither_the_trail_nor_its_lock_before_commit(
    session, admin, organisation
):
    statements = []

    def capture(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = session.get_bind().engine
    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        services.update_organisation(session, organisation, {"name": "Ivry"}, actor=admin)
        session.flush()
        before_commit = list(statements)
        session.commit()
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    assert before_commit, "the update was flushed"
    assert not [s for s in before_commit if "audit_entry" in s or "advisory" in s]
    assert [s for s in statements[len(before_commit) :] if "INSERT INTO audit_entry" in s]


# --- the keyed chain --------------------------------------------------------------------------


def _rechain(session, digest, *, start: int = 1) -> None:
    """Rewrite every entry from `start` through Core, recomputing each seal with `digest`:
    what someone with write access to the database could do."""
    rows = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    previous = rows[start - 2].hash if start > 1 else audit.GENESIS
    table = AuditEntry.__table__
    for entry in rows[start - 1 :]:
        session.expunge(entry)
        entry.prev_hash = previous
        entry.hash = previous = digest(entry)
        session.execute(
            table.update()
            .where(table.c.id == entry.id)
            .values(prev_hash=entry.prev_hash, hash=entry.hash, key_id=entry.key_id)
        )
    session.commit()


def _forge(session, seq: int) -> None:
    session.execute(
        sa.update(AuditEntry).where(AuditEntry.seq == seq).values(summary="nothing happened")
    )


def test_recomputed_plain_hashes_are_detected(app, session, trail):
    _forge(session, 2)
    _rechain(session, lambda e: entry_digest(e), start=2)
    result = audit.verify(session)
    assert not result.ok and result.bad_seq == 2
    assert _verify(app).exit_code != 0


def test_recomputed_hashes_under_another_key_are_detected(session, trail):
    _forge(session, 2)
    _rechain(session, lambda e: entry_digest(e, "a-guessed-key"), start=2)
    assert audit.verify(session).bad_seq == 2


def test_only_the_key_holder_can_reseal_an_altered_chain(session, trail):
    _forge(session, 2)
    keys = audit.current_keys()
    _rechain(session, lambda e: entry_digest(e, keys[e.key_id]), start=2)
    assert audit.verify(session).ok


def test_an_entry_naming_an_unknown_key_fails(session, trail):
    session.execute(sa.update(AuditEntry).where(AuditEntry.seq == 3).values(key_id="00000000"))
    session.commit()
    result = audit.verify(session)
    assert (result.ok, result.bad_seq) == (False, 3)
    assert "unknown audit key" in result.reason


def test_key_rotation_keeps_the_old_entries_verifiable(app, session, admin, organisation, trail):
    old_keys = app.config["AUDIT_KEYS"]
    app.config["AUDIT_KEYS"] = f"a-brand-new-audit-key,{old_keys}"
    try:
        services.update_organisation(session, organisation, {"name": "Ivry (2)"}, actor=admin)
        session.commit()
        entries = _entries(session)
        assert entries[-1].key_id == audit.key_id("a-brand-new-audit-key")
        assert entries[0].key_id == audit.key_id(old_keys)
        assert audit.verify(session).ok
        # Without the old key its entries cannot be checked: re-seal them before retiring it.
        assert "unknown audit key" in audit.verify(session, audit.parse_keys("x")).reason
        app.config["AUDIT_KEYS"] = "a-brand-new-audit-key"
        assert not audit.verify(session).ok
        app.config["AUDIT_KEYS"] = f"a-brand-new-audit-key,{old_keys}"
        assert audit.rekey(session).count == len(entries)
        session.commit()
        app.config["AUDIT_KEYS"] = "a-brand-new-audit-key"
        assert audit.verify(session).ok
    finally:
        app.config["AUDIT_KEYS"] = old_keys


def _make_legacy(session) -> None:
    """The trail as an earlier version wrote it: no key id, plain SHA-256 seals."""
    session.execute(sa.update(AuditEntry).values(key_id=None))
    session.commit()
    _rechain(session, lambda e: entry_digest(e))


def test_an_unkeyed_chain_is_refused_until_rekeyed(app, session, trail):
    _make_legacy(session)
    head = _entries(session)[-1]
    result = audit.verify(session)
    assert (result.ok, result.bad_seq) == (False, 1)
    assert "rekey --unkeyed" in result.reason
    # Unkeyed entries are accepted only when asked (anyone could forge such a chain)...
    refused = CliRunner().invoke(main, ["audit", "rekey"], obj=app)
    assert refused.exit_code != 0 and "entry 1 is not keyed" in refused.output
    # ... and the head accepted is printed, to compare with one recorded before the upgrade.
    rekeyed = CliRunner().invoke(main, ["audit", "rekey", "--unkeyed"], obj=app)
    assert rekeyed.exit_code == 0, rekeyed.output
    assert f"up to entry {head.seq}, hash {head.hash}" in rekeyed.output
    session.expire_all()
    assert audit.verify(session).ok
    assert _verify(app).exit_code == 0


def test_rekey_refuses_a_broken_unkeyed_chain(app, session, trail):
    _make_legacy(session)
    _forge(session, 2)
    session.commit()
    result = CliRunner().invoke(main, ["audit", "rekey", "--unkeyed"], obj=app)
    assert result.exit_code != 0
    assert "entry 2 was altered" in result.output
    session.expire_all()
    assert {e.key_id for e in _entries(session)} == {None}


def test_an_unkeyed_entry_after_keyed_ones_is_refused_by_rekey(session, trail):
    session.execute(sa.update(AuditEntry).where(AuditEntry.seq == 4).values(key_id=None))
    session.commit()
    _rechain(session, lambda e: entry_digest(e), start=4)
    with pytest.raises(ValueError, match="follows keyed entries"):
        audit.rekey(session, unkeyed=True)


# --- the chain lock is held for the commit only ---------------------------------------------


def test_an_open_transaction_does_not_block_other_audited_writes(committed_app):
    db = committed_app.extensions["db"]
    with db.new_session() as setup:
        first_org = services.create_organisation(setup, {"name": "Ivry"}, actor="setup")
        second_org = services.create_organisation(setup, {"name": "Gentilly"}, actor="setup")
        setup.commit()
        ids = first_org.id, second_org.id
    long_running, other = db.new_session(), db.new_session()
    try:
        # A long import: audited changes pending in an open transaction. (SQLite lets one
        # writer at a time, so there it only holds an explicit entry, which writes nothing.)
        audit.record(long_running, action="import", actor="import", summary="catalogue")
        if db.engine.dialect.name == "postgresql":
            long_running.get(Organisation, ids[0]).address = "Esplanade"
            long_running.flush()
            other.execute(sa.text("SET lock_timeout = '3s'"))
        services.update_organisation(
            other, other.get(Organisation, ids[1]), {"address": "Mairie"}, actor="api"
        )
        other.commit()
        long_running.commit()
    finally:
        long_running.close()
        other.close()
    with db.new_session() as session:
        labels = [e.actor_label for e in _entries(session)[2:]]
        assert labels[0] == "api" and set(labels[1:]) == {"import"}
        assert audit.verify(session).ok
