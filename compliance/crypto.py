"""Encrypted columns with a rotating key ring (Fernet: AES-128-CBC with HMAC-SHA256)."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app, has_app_context

KEY_FILE = "encryption_keys"
# Every Fernet token starts with its version byte 0x80, "gAAAAA" once base64-encoded.
TOKEN_PREFIX = "gAAAAA"


class KeyRingError(RuntimeError):
    """A value cannot be decrypted with any key of the ring: refuse, never show garbage."""


def parse_keys(value: str) -> list[str]:
    return [k.strip() for k in value.replace("\n", ",").split(",") if k.strip()]


class KeyRing:
    """The keys that decrypt, the first of which encrypts.

    A ring read from the instance key file (`path`) follows that file: it is read again when
    the file changes, and once more before a value is declared undecryptable, so that a
    running process reads values re-encrypted by `compliance keys rotate` without a restart.
    """

    def __init__(self, keys: list[str], path: Path | str | None = None):
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._stamp = self._file_stamp()
        self._load(keys)

    @classmethod
    def from_config(cls, value: str, path: Path | str | None = None) -> KeyRing:
        return cls(parse_keys(value), path)

    @classmethod
    def from_file(cls, path: Path | str) -> KeyRing:
        return cls(parse_keys(Path(path).read_text()), path)

    def _load(self, keys: list[str]) -> None:
        if not keys:
            raise KeyRingError("the encryption key ring is empty")
        try:
            fernets = [Fernet(k.encode() if isinstance(k, str) else k) for k in keys]
        except (ValueError, TypeError) as error:
            raise KeyRingError(f"invalid encryption key: {error}") from error
        self.keys = [k if isinstance(k, str) else k.decode() for k in keys]
        self._first = fernets[0]
        self._multi = MultiFernet(fernets)

    def _file_stamp(self) -> tuple[int, int] | None:
        if self.path is None:
            return None
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def refresh(self, force: bool = False) -> bool:
        """Read the key file again if it changed (or when forced); whether the ring changed."""
        if self.path is None:
            return False
        stamp = self._file_stamp()
        if not force and stamp == self._stamp:
            return False
        with self._lock:
            try:
                keys = parse_keys(self.path.read_text())
            except OSError:
                return False
            if keys == self.keys:
                self._stamp = stamp
                return False
            self._load(keys)
            self._stamp = stamp
            return True

    def encrypt(self, plaintext: str) -> str:
        self.refresh()
        return self._multi.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        self.refresh()
        try:
            return self._multi.decrypt(token.encode()).decode()
        except InvalidToken:
            pass
        # Another process may just have rotated the ring: read it once more before failing.
        if self.refresh(force=True):
            try:
                return self._multi.decrypt(token.encode()).decode()
            except InvalidToken:
                pass
        raise KeyRingError(
            "cannot decrypt a stored value with the configured keys "
            "(COMPLIANCE_ENCRYPTION_KEYS or instance/encryption_keys)"
        )

    def rotate(self, token: str) -> str:
        return self._multi.rotate(token.encode()).decode()

    def is_current(self, token: str) -> bool:
        """Whether the token is encrypted with the first key of the ring."""
        try:
            self._first.decrypt(token.encode())
        except InvalidToken:
            return False
        return True


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
    path = app.config.get("ENCRYPTION_KEYS_FILE")
    ring = KeyRing.from_config(app.config["ENCRYPTION_KEYS"], path)
    app.extensions["keyring"] = _state["ring"] = ring


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


def check_sample(connection, metadata, ring: KeyRing) -> None:
    """Decrypt one stored value of the first encrypted column that holds one; KeyRingError
    when it cannot be, naming what is missing. Clear values (a column not yet migrated) and
    tables not yet created are passed over."""
    inspector = sa.inspect(connection)
    existing = set(inspector.get_table_names())
    for table, column in encrypted_columns(metadata):
        if table.name not in existing:
            continue
        if column.name not in {c["name"] for c in inspector.get_columns(table.name)}:
            continue
        raw = sa.table(table.name, sa.column(column.name))
        statement = sa.select(raw.c[column.name]).where(raw.c[column.name].like(TOKEN_PREFIX + "%"))
        token = connection.execute(statement.limit(1)).scalar()
        if token is None:
            continue
        try:
            ring.decrypt(token)
        except KeyRingError:
            raise KeyRingError(
                f"the encryption key ring does not open the stored data (first found in "
                f"{table.name}.{column.name}): restore the key ring this database was encrypted "
                f"with (COMPLIANCE_ENCRYPTION_KEYS or <instance>/{KEY_FILE}, saved in every "
                f"backup)"
            ) from None
        return


# --- rotation -------------------------------------------------------------------------------


@dataclass
class Rotation:
    """What a rotation did, by count (never a key)."""

    re_encrypted: int = 0
    already_current: int = 0
    changed_meanwhile: int = 0
    passes: int = 0
    columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "re_encrypted": self.re_encrypted,
            "already_current": self.already_current,
            "changed_meanwhile": self.changed_meanwhile,
            "passes": self.passes,
            "columns": len(self.columns),
        }


def _rotate_value(connection, raw, pk, column: str, row_id, token, ring, result) -> None:
    """Compare-and-set one value: a row updated since it was read is read again and retried,
    so that a concurrent update is never overwritten."""
    while token:
        if ring.is_current(token):
            result.already_current += 1
            return
        changed = connection.execute(
            raw.update()
            .where(raw.c[pk] == row_id, raw.c[column] == token)
            .values({column: ring.rotate(token)})
        ).rowcount
        if changed:
            result.re_encrypted += 1
            return
        result.changed_meanwhile += 1
        token = connection.execute(sa.select(raw.c[column]).where(raw.c[pk] == row_id)).scalar()


def _rotate_column(engine, table, column, ring, result, batch_size: int) -> int:
    pk = next(iter(table.primary_key.columns)).name
    raw = sa.table(table.name, sa.column(pk), sa.column(column.name))
    before = result.re_encrypted
    last = None
    while True:
        with engine.begin() as connection:  # one transaction (one commit) per batch
            if connection.dialect.name == "sqlite":
                # Take the write lock before reading: in WAL mode a transaction that read and
                # then finds a newer commit cannot write at all (SQLITE_BUSY_SNAPSHOT). Writers
                # wait for the batch (busy_timeout); PostgreSQL relies on the compare-and-set.
                connection.execute(raw.update().where(sa.false()).values({column.name: None}))
            statement = sa.select(raw.c[pk], raw.c[column.name]).where(
                raw.c[column.name].isnot(None), raw.c[column.name] != ""
            )
            if last is not None:
                statement = statement.where(raw.c[pk] > last)
            rows = connection.execute(statement.order_by(raw.c[pk]).limit(batch_size)).all()
            for row_id, token in rows:
                _rotate_value(connection, raw, pk, column.name, row_id, token, ring, result)
        if len(rows) < batch_size:
            return result.re_encrypted - before
        last = rows[-1][0]


def reencrypt_all(
    engine, metadata, ring: KeyRing, *, batch_size: int = 500, max_passes: int = 3
) -> Rotation:
    """Re-encrypt every encrypted value under the ring's first key, in batches committed one
    by one. Values already under that key are left alone, so the work can be resumed or run
    again; a pass that re-encrypted something is followed by another one, which catches a
    value written meanwhile by a process that had not read the new ring yet."""
    result = Rotation()
    columns = encrypted_columns(metadata)
    result.columns = [f"{table.name}.{column.name}" for table, column in columns]
    already_current = 0
    for _ in range(max_passes):
        result.passes += 1
        done = sum(
            _rotate_column(engine, table, column, ring, result, batch_size)
            for table, column in columns
        )
        if result.passes == 1:
            already_current = result.already_current  # later passes see the same ones again
        if not done:
            break
    result.already_current = already_current
    return result


def write_key_file(path: Path, keys: list[str]) -> None:
    """Replace the key file atomically (owner-only), so a process never reads half a ring."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(",".join(keys) + "\n")
    os.replace(temporary, path)


def new_ring(current: list[str], new_key: str | None) -> list[str]:
    """The ring with `new_key` (or a generated one) first, every other key kept after it."""
    key = new_key or Fernet.generate_key().decode()
    try:
        Fernet(key.encode())
    except (ValueError, TypeError) as error:
        raise KeyRingError(f"invalid encryption key: {error}") from error
    return [key, *[k for k in current if k != key]]
