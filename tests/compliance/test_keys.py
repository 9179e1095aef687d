"""Key rotation that loses nothing, running processes that follow it, and a database without
its key ring refused at start."""

from __future__ import annotations

import gc
import threading
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from cryptography.fernet import Fernet

from compliance import create_app
from compliance.audit import AuditEntry, verify
from compliance.cli import main
from compliance.crypto import EncryptedText, KeyRing, KeyRingError, reencrypt_all
from compliance.db import utcnow
from compliance.keys import rotate_keys
from compliance.schema import upgrade

# A throwaway table on its own metadata: never part of the application's schema.
metadata = sa.MetaData()
notes = sa.Table(
    "rotation_note",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("body", EncryptedText),
)


def make_app(url, instance, **config):
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "test-secret-key",
            "SESSION_COOKIE_SECURE": False,
            **config,
        }
    )


@pytest.fixture
def own_app(empty_database_url, tmp_path):
    """An application on its own database, which commits for real (rotation commits)."""
    app = make_app(empty_database_url, tmp_path / "instance")
    upgrade(app)
    yield app
    app.extensions["db"].engine.dispose()


def _incident(app, description: str) -> int:
    from compliance.admin import services as admin
    from registers.incidents import incidents as services

    with app.app_context():
        session = app.extensions["db"].new_session()
        name = f"Commune {uuid.uuid4().hex[:8]}"
        host = admin.create_organisation(session, {"name": name}, actor="t")
        incident = services.create_incident(
            session,
            {
                "title": "Poste infecté",
                "organisation_id": host.id,
                "category": "malware",
                "severity": "2",
                "detection_source": "internal",
                "detected_at": utcnow() - timedelta(hours=1),
                "description": description,
            },
            actor="t",
        )
        session.commit()
        incident_id = incident.id
        session.close()
    return incident_id


def _read_description(app, incident_id: int) -> str:
    from registers.incidents.models import Incident

    with app.app_context():
        session = app.extensions["db"].new_session()
        try:
            return session.get(Incident, incident_id).description
        finally:
            session.close()


def _raw(engine, table: str, column: str, row_id: int) -> str:
    with engine.connect() as connection:
        statement = sa.text(f"SELECT {column} FROM {table} WHERE id = :id")
        return connection.execute(statement, {"id": row_id}).scalar_one()


def test_rotation_puts_a_new_key_first_and_re_encrypts(own_app):
    incident_id = _incident(own_app, "Signalé par Mme Dupont")
    engine = own_app.extensions["db"].engine
    key_file = own_app.config["ENCRYPTION_KEYS_FILE"]
    old_key = own_app.config["ENCRYPTION_KEYS"]
    before = _raw(engine, "incident", "description", incident_id)
    with own_app.app_context():
        result, ring = rotate_keys(own_app, actor="cli:test", batch_size=2)
    assert result.re_encrypted >= 1 and result.changed_meanwhile == 0
    with open(key_file) as handle:
        new_key, kept = handle.read().strip().split(",")
    assert ring == [new_key, kept] and kept == old_key
    after = _raw(engine, "incident", "description", incident_id)
    assert after != before
    assert KeyRing([new_key]).decrypt(after) == "Signalé par Mme Dupont"
    with pytest.raises(KeyRingError):
        KeyRing([old_key]).decrypt(after)
    assert _read_description(own_app, incident_id) == "Signalé par Mme Dupont"
    # Audited once, with counts and never a key.
    with own_app.app_context():
        session = own_app.extensions["db"].new_session()
        entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "rotate_keys"))
        (entry,) = list(entries)
        assert entry.changes["re_encrypted"] == result.re_encrypted
        assert entry.changes["source"] == "instance file"
        assert new_key not in str(entry.changes) and old_key not in str(entry.changes)
        assert verify(session).ok
        session.close()
    # Running it again re-encrypts nothing new: everything is already under the first key.
    with own_app.app_context():
        again, _ = rotate_keys(own_app, actor="cli:test", new_key=new_key)
    assert again.re_encrypted == 0 and again.already_current >= 1


def test_a_running_app_follows_the_rotated_key_file(own_app):
    """Another process (here another app on the same instance folder) rotates; the running
    one reads the re-encrypted values, and writes with the new key, without a restart."""
    incident_id = _incident(own_app, "Témoin : M. Martin")
    assert _read_description(own_app, incident_id) == "Témoin : M. Martin"
    other = make_app(own_app.config["DATABASE_URL"], own_app.config["INSTANCE_PATH"])
    try:
        with other.app_context():
            _result, ring = rotate_keys(other, actor="cli:test")
    finally:
        other.extensions["db"].engine.dispose()
    assert _read_description(own_app, incident_id) == "Témoin : M. Martin"
    assert own_app.extensions["keyring"].keys == ring
    second = _incident(own_app, "Nouveau")
    token = _raw(own_app.extensions["db"].engine, "incident", "description", second)
    assert KeyRing([ring[0]]).decrypt(token) == "Nouveau"


def test_a_failed_decryption_reads_the_key_file_once_more(tmp_path):
    path = tmp_path / "encryption_keys"
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    path.write_text(old + "\n")
    ring = KeyRing.from_file(path)
    token = KeyRing([new]).encrypt("x")
    # Same size, mtime forced back: only the reload on failure can see the change.
    stat = path.stat()
    path.write_text(new + "\n")
    import os

    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert ring.decrypt(token) == "x"
    with pytest.raises(KeyRingError):
        ring.decrypt(KeyRing([Fernet.generate_key().decode()]).encrypt("y"))


def test_updates_committed_during_a_rotation_are_kept(own_app):
    """A writer commits from another connection while the rotation works: never overwritten."""
    engine = own_app.extensions["db"].engine
    old_ring = own_app.extensions["keyring"]
    metadata.create_all(engine)
    with own_app.app_context(), engine.begin() as connection:
        connection.execute(notes.insert(), [{"id": i, "body": f"avant {i}"} for i in range(1, 7)])
    new_ring = KeyRing([Fernet.generate_key().decode(), *old_ring.keys])
    writer_engine = sa.create_engine(own_app.config["DATABASE_URL"])
    writes = []

    def write(note_id: int) -> None:
        # A process that has not read the new ring yet: it encrypts with the old key.
        with writer_engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE rotation_note SET body = :body WHERE id = :id"),
                {"body": old_ring.encrypt(f"après {note_id}"), "id": note_id},
            )
        writes.append(note_id)

    started = []

    def after_select(conn, cursor, statement, parameters, context, executemany):
        # Right after the rotation reads, a concurrent update of a row of the first batches.
        reading = statement.lstrip().upper().startswith("SELECT") and "rotation_note" in statement
        if reading and len(started) < 3:
            note_id = [1, 3, 5][len(started)]
            thread = threading.Thread(target=write, args=(note_id,))
            started.append(thread)
            thread.start()
            # PostgreSQL: the writer commits now. SQLite: it waits for the batch to commit.
            thread.join(10 if engine.dialect.name == "postgresql" else 0.5)

    sa.event.listen(engine, "after_cursor_execute", after_select)
    try:
        result = reencrypt_all(engine, metadata, new_ring, batch_size=1)
    finally:
        sa.event.remove(engine, "after_cursor_execute", after_select)
        for thread in started:
            thread.join()
    assert sorted(writes) == [1, 3, 5]
    with engine.connect() as connection:
        rows = dict(connection.execute(sa.text("SELECT id, body FROM rotation_note")).all())
    plain = {note_id: new_ring.decrypt(token) for note_id, token in rows.items()}
    assert plain == {
        1: "après 1",
        2: "avant 2",
        3: "après 3",
        4: "avant 4",
        5: "après 5",
        6: "avant 6",
    }
    # The others end under the new first key (a concurrent writer that still used the old key
    # may land after the last pass: its value stays readable, the old key being kept).
    assert all(new_ring.is_current(rows[note_id]) for note_id in (2, 4, 6))
    assert result.re_encrypted >= 6
    if engine.dialect.name == "postgresql":  # no lock there: the compare-and-set caught them
        assert result.changed_meanwhile >= 1
    writer_engine.dispose()
    metadata.drop_all(engine)


def test_rotate_with_the_ring_in_the_environment(own_app, monkeypatch):
    incident_id = _incident(own_app, "Mme Leroy")
    old = own_app.config["ENCRYPTION_KEYS"]
    new = Fernet.generate_key().decode()
    env_app = make_app(
        own_app.config["DATABASE_URL"], own_app.config["INSTANCE_PATH"], ENCRYPTION_KEYS=old
    )
    try:
        runner = CliRunner()
        # A key not yet deployed to every process is refused.
        result = runner.invoke(main, ["keys", "rotate", "--key", new], obj=env_app)
        assert result.exit_code == 1 and "COMPLIANCE_ENCRYPTION_KEYS" in result.output
        # Deployed second (every process reads it), then made first by the command.
        env_app.extensions["keyring"] = KeyRing([old, new])
        result = runner.invoke(main, ["keys", "rotate", "--key", new], obj=env_app)
        assert result.exit_code == 0, result.output
        assert f"COMPLIANCE_ENCRYPTION_KEYS={new},{old}" in result.output
    finally:
        env_app.extensions["db"].engine.dispose()
    # The instance file was left alone, and the value is under the new key.
    with open(own_app.config["ENCRYPTION_KEYS_FILE"]) as handle:
        assert handle.read().strip() == old
    token = _raw(own_app.extensions["db"].engine, "incident", "description", incident_id)
    assert KeyRing([new]).decrypt(token) == "Mme Leroy"


def test_keys_generate_prints_a_key(own_app):
    result = CliRunner().invoke(main, ["keys", "generate"], obj=own_app)
    assert result.exit_code == 0
    KeyRing([result.output.strip()])


def test_init_and_serve_refuse_a_database_without_its_key_ring(own_app, monkeypatch):
    _incident(own_app, "Mme Dupont")
    stranger = make_app(
        own_app.config["DATABASE_URL"],
        own_app.config["INSTANCE_PATH"],
        ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )
    served = []
    monkeypatch.setattr("waitress.serve", lambda *a, **k: served.append(a))
    try:
        for command in (["init"], ["serve"], ["keys", "rotate"]):
            result = CliRunner().invoke(main, command, obj=stranger)
            assert result.exit_code == 1, result.output
            assert "encryption key ring does not open the stored data" in result.output
            assert "incident.description" in result.output
    finally:
        stranger.extensions["db"].engine.dispose()
    assert served == []
    # With the right ring, both start.
    result = CliRunner().invoke(main, ["init"], obj=own_app)
    assert result.exit_code == 0, result.output
    try:
        result = CliRunner().invoke(main, ["serve"], obj=own_app)
        assert result.exit_code == 0, result.output
        assert len(served) == 1
        # Served with the start-up's objects frozen out of the collector's full collections.
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_keys_rotate_command_with_the_instance_key_file(own_app):
    incident_id = _incident(own_app, "Mme Dupont")
    result = CliRunner().invoke(main, ["keys", "rotate", "--batch-size", "1"], obj=own_app)
    assert result.exit_code == 0, result.output
    assert "New key first in" in result.output and "older keys kept" in result.output
    assert "value(s) re-encrypted, 0 already under the first key" in result.output
    assert own_app.config["ENCRYPTION_KEYS"] not in result.output  # keys are never printed
    assert _read_description(own_app, incident_id) == "Mme Dupont"
