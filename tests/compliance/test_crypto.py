"""Encrypted columns: round trip, nothing readable at rest, wrong keys refused (rotation:
test_keys.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from compliance.crypto import EncryptedText, KeyRing, KeyRingError

SECRET = "Mme Dupont, 12 rue de la Paix : signalement de violences"

# A throwaway table on its own metadata: never part of the application's schema.
metadata = sa.MetaData()
notes = sa.Table(
    "test_encrypted_note",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("body", EncryptedText),
)


@pytest.fixture
def connection(app, session):
    connection = session.connection()
    metadata.create_all(connection)
    return connection


def _insert(connection, body) -> int:
    return connection.execute(notes.insert().values(body=body)).inserted_primary_key[0]


def _raw(connection, note_id) -> str:
    statement = sa.text("SELECT body FROM test_encrypted_note WHERE id = :id")
    return connection.execute(statement, {"id": note_id}).scalar_one()


def _read(connection, note_id) -> str:
    return connection.execute(sa.select(notes.c.body).where(notes.c.id == note_id)).scalar_one()


def test_round_trip(connection):
    note_id = _insert(connection, SECRET)
    assert _read(connection, note_id) == SECRET


def test_ciphertext_reveals_nothing(connection):
    note_id = _insert(connection, SECRET)
    stored = _raw(connection, note_id)
    assert SECRET not in stored
    assert "Dupont" not in stored
    assert _raw(connection, _insert(connection, SECRET)) != stored  # random IV each time


@pytest.mark.parametrize("value", [None, ""])
def test_empty_values_stay_empty(connection, value):
    assert _raw(connection, _insert(connection, value)) == value


def test_wrong_key_is_refused(connection, app, monkeypatch):
    note_id = _insert(connection, SECRET)
    monkeypatch.setitem(app.extensions, "keyring", KeyRing([Fernet.generate_key().decode()]))
    with pytest.raises(KeyRingError):
        _read(connection, note_id)


def test_key_ring_refuses_bad_configuration():
    with pytest.raises(KeyRingError):
        KeyRing.from_config(" , ")
    with pytest.raises(KeyRingError):
        KeyRing(["not-a-fernet-key"])


def test_older_keys_still_decrypt():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = KeyRing([old]).encrypt(SECRET)
    assert KeyRing.from_config(f"{new},\n{old}").decrypt(token) == SECRET
