"""Encrypted columns with a rotating key ring (Fernet: AES-128-CBC with HMAC-SHA256)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app, has_app_context


class KeyRingError(RuntimeError):
    """A value cannot be decrypted with any key of the ring: refuse, never show garbage."""


class KeyRing:
    def __init__(self, keys: list[str]):
        if not keys:
            raise KeyRingError("the encryption key ring is empty")
        try:
            self._fernets = [Fernet(k.encode() if isinstance(k, str) else k) for k in keys]
        except (ValueError, TypeError) as error:
            raise KeyRingError(f"invalid encryption key: {error}") from error
        self._multi = MultiFernet(self._fernets)

    @classmethod
    def from_config(cls, value: str) -> KeyRing:
        return cls([k.strip() for k in value.replace("\n", ",").split(",") if k.strip()])

    def encrypt(self, plaintext: str) -> str:
        return self._multi.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._multi.decrypt(token.encode()).decode()
        except InvalidToken as error:
            raise KeyRingError(
                "cannot decrypt a stored value with the configured keys "
                "(COMPLIANCE_ENCRYPTION_KEYS or instance/encryption_keys)"
            ) from error

    def rotate(self, token: str) -> str:
        return self._multi.rotate(token.encode()).decode()


_state: dict[str, KeyRing] = {}


def keyring() -> KeyRing:
    # The current application's ring first: several applications (tests, a CLI next to a
    # server) may live in one process, each with its own keys.
    if has_app_context() and "keyring" in current_app.extensions:
        return current_app.extensions["keyring"]
    try:
        return _state["ring"]
    except KeyError:
        raise KeyRingError("no encryption key ring configured") from None


def init_app(app) -> None:
    app.extensions["keyring"] = _state["ring"] = KeyRing.from_config(app.config["ENCRYPTION_KEYS"])


class EncryptedText(sa.types.TypeDecorator):
    """Text encrypted at rest; Python code sees the plaintext."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None or value == "":
            return value
        return keyring().encrypt(value)

    def process_result_value(self, value, dialect):
        if value is None or value == "":
            return value
        return keyring().decrypt(value)


def encrypted_columns(metadata) -> list[tuple[sa.Table, sa.Column]]:
    return [
        (table, column)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText)
    ]


def rotate_keys(instance_path: str, connection, metadata) -> int:
    """Put a new key first in the instance key file and re-encrypt every encrypted value.

    Returns the number of values re-encrypted. Only for keys kept in the instance folder; a
    ring given by COMPLIANCE_ENCRYPTION_KEYS is rotated by its owner.
    """
    path = Path(instance_path) / "encryption_keys"
    old = path.read_text().strip()
    new_ring_text = Fernet.generate_key().decode() + "," + old
    ring = KeyRing.from_config(new_ring_text)
    count = 0
    for table, column in encrypted_columns(metadata):
        pk = next(iter(table.primary_key.columns))
        raw = sa.table(table.name, sa.column(pk.name), sa.column(column.name))
        rows = connection.execute(
            sa.select(raw.c[pk.name], raw.c[column.name]).where(raw.c[column.name].isnot(None))
        ).all()
        for row_id, token in rows:
            if not token:
                continue
            connection.execute(
                raw.update()
                .where(raw.c[pk.name] == row_id)
                .values({column.name: ring.rotate(token)})
            )
            count += 1
    path.write_text(new_ring_text + "\n")
    _state["ring"] = ring
    if has_app_context():
        current_app.extensions["keyring"] = ring
    return count
