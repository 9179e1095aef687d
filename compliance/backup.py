"""Backup and restore of a whole instance: one archive, encrypted with a passphrase.

The archive holds every table of the metadata as JSON lines (raw column values: encrypted
columns as their stored ciphertext, instants and dates in ISO 8601, binary in base64), the
Alembic revision, the instance's secrets (secret key, encryption key ring, audit keys: without
its key ring a database cannot be read) and the Word templates uploaded into the instance
folder. It is sealed with AES-256-GCM under a key derived from the passphrase by scrypt, so a
wrong passphrase or an altered byte is refused. Restoring needs an empty database, of either
engine: restoring a SQLite backup into PostgreSQL is how an instance moves to production.
"""

from __future__ import annotations

import base64
import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from alembic import command
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from compliance import audit, load_models
from compliance.crypto import EncryptedText, KeyRing, KeyRingError, check_sample, write_key_file
from compliance.documents import OVERRIDE_FOLDER
from compliance.schema import alembic_config, current_revisions, head_revisions

MAGIC = b"REGISTRE-BACKUP\n"
FORMAT = 1
# scrypt cost: about 32 MiB and a tenth of a second; a header may not ask for more than 2^20.
SCRYPT = {"n": 2**15, "r": 8, "p": 1}
MAX_SCRYPT_N = 2**20
# Instance secret files and the settings that hold the same value when given by variable.
SECRETS = {
    "secret_key": "SECRET_KEY",
    "encryption_keys": "ENCRYPTION_KEYS",
    "audit_keys": "AUDIT_KEYS",
}
# Environment variables never copied into the archive's record of the settings in use.
NOT_RECORDED = {"COMPLIANCE_DATABASE_URL", "COMPLIANCE_BACKUP_PASSPHRASE"}
INSERT_BATCH = 1000


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why and what to do."""


# --- the sealed envelope ---------------------------------------------------------------------
#
# MAGIC, a JSON header line (key derivation settings, salt, nonce prefix), then frames of at
# most CHUNK bytes, each `length (4 bytes) | AES-GCM(chunk)`. A frame's nonce is the prefix,
# its number and a last-frame flag, and every frame authenticates the header: a frame altered,
# dropped, moved or cut off at the end is refused. Archives are sealed and opened without
# holding them in memory.

CHUNK = 1024 * 1024
PREFIX_BYTES = 7


def _derive(passphrase: str, params: dict) -> bytes:
    n, r, p = int(params["n"]), int(params["r"]), int(params["p"])
    if not (2 <= n <= MAX_SCRYPT_N and 1 <= r <= 32 and 1 <= p <= 16):
        raise BackupError("this file's key derivation settings are not acceptable")
    salt = base64.b64decode(params["salt"])
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


def _nonce(prefix: bytes, number: int, last: bool) -> bytes:
    return prefix + number.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def seal_stream(source: BinaryIO, target: BinaryIO, passphrase: str) -> None:
    if not passphrase:
        raise BackupError("an empty passphrase is not accepted")
    prefix = os.urandom(PREFIX_BYTES)
    params = {
        "kdf": "scrypt",
        **SCRYPT,
        "salt": base64.b64encode(os.urandom(16)).decode(),
        "nonce": base64.b64encode(prefix).decode(),
        "chunk": CHUNK,
    }
    header = json.dumps(params, sort_keys=True).encode()
    aead = AESGCM(_derive(passphrase, params))
    target.write(MAGIC + header + b"\n")
    number, chunk = 0, source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        sealed = aead.encrypt(_nonce(prefix, number, not following), chunk, MAGIC + header)
        target.write(len(sealed).to_bytes(4, "big") + sealed)
        if not following:
            return
        number, chunk = number + 1, following


def unseal_stream(source: BinaryIO, target: BinaryIO, passphrase: str) -> None:
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupError("this file is not a Registre backup")
    header = source.readline(4096).rstrip(b"\n")
    try:
        params = json.loads(header)
        prefix = base64.b64decode(params["nonce"])
        key = _derive(passphrase, params)
        if len(prefix) != PREFIX_BYTES:
            raise ValueError("nonce")
    except (ValueError, KeyError, TypeError) as error:
        raise BackupError("this backup's header is damaged") from error
    aead = AESGCM(key)
    refused = BackupError("cannot open the backup: wrong passphrase, or the file was altered")
    number, size = 0, source.read(4)
    while True:
        length = int.from_bytes(size, "big")
        if len(size) != 4 or length > CHUNK + 16:
            raise refused
        sealed = source.read(length)
        size = source.read(4)
        try:
            target.write(aead.decrypt(_nonce(prefix, number, not size), sealed, MAGIC + header))
        except (InvalidTag, ValueError) as error:
            raise refused from error
        if not size:
            return
        number += 1


def seal(plaintext: bytes, passphrase: str) -> bytes:
    target = io.BytesIO()
    seal_stream(io.BytesIO(plaintext), target, passphrase)
    return target.getvalue()


def unseal(data: bytes, passphrase: str) -> bytes:
    target = io.BytesIO()
    unseal_stream(io.BytesIO(data), target, passphrase)
    return target.getvalue()


# --- values -------------------------------------------------------------------------------


def _portable_type(type_):
    """The column's type without decryption, and enums as their stored strings."""
    if isinstance(type_, EncryptedText):
        return sa.Text()
    if isinstance(type_, sa.Enum):
        return sa.String()
    return type_


def _raw_table(table: sa.Table) -> sa.Table:
    return sa.Table(
        table.name,
        sa.MetaData(),
        *[
            sa.Column(column.name, _portable_type(column.type), primary_key=column.primary_key)
            for column in table.columns
        ],
    )


def _encode(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, Enum):
        return value.value
    return value


def _decoder(type_):
    base = type_.impl if isinstance(type_, sa.types.TypeDecorator) else type_
    if isinstance(type_, EncryptedText) or base is None:
        return None
    if isinstance(base, sa.DateTime):
        return _instant
    if isinstance(base, sa.Date):
        return date.fromisoformat
    if isinstance(base, sa.Numeric) and not isinstance(base, sa.Float):
        return Decimal
    if isinstance(base, sa.LargeBinary):
        return base64.b64decode
    return None


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# --- backup -------------------------------------------------------------------------------


@dataclass
class Summary:
    revision: str | None = None
    tables: dict[str, int] = field(default_factory=dict)
    templates: int = 0
    secrets: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def _secrets(app) -> dict[str, str]:
    """The secrets in use, whether given by variable or kept in the instance folder."""
    instance = Path(app.config["INSTANCE_PATH"])
    ring = app.extensions["keyring"]
    # The ring as it is now, read after the rows: a rotation writes its key file before it
    # re-encrypts, so every key a dumped value needs is in it.
    ring.refresh()
    found = {"encryption_keys": ",".join(ring.keys)}
    for name, setting in SECRETS.items():
        if name in found:
            continue
        value = app.config.get(setting)
        if not value and (instance / name).is_file():
            value = (instance / name).read_text().strip()
        if value:
            found[name] = value if isinstance(value, str) else ",".join(value)
    return found


def _template_files(app) -> list[Path]:
    folder = Path(app.config["INSTANCE_PATH"]) / OVERRIDE_FOLDER
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.rglob("*") if path.is_file())


def _dump_tables(connection, metadata, archive: zipfile.ZipFile, summary: Summary) -> None:
    for table in metadata.sorted_tables:
        raw = _raw_table(table)
        order = list(raw.primary_key.columns) or list(raw.columns)
        # Streamed (a server-side cursor on PostgreSQL): a table is never held whole.
        rows = connection.execute(
            sa.select(raw).order_by(*order), execution_options={"yield_per": 2000}
        )
        count = 0
        with archive.open(f"tables/{table.name}.jsonl", "w") as handle:
            for row in rows:
                record = {key: _encode(value) for key, value in row._mapping.items()}
                handle.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")
                count += 1
        summary.tables[table.name] = count


def create_backup(app, passphrase: str, target: BinaryIO, *, actor=None) -> Summary:
    """Write the sealed archive of the application's database, secrets and uploaded templates
    into `target`; the trail records who took the whole database away (after the dump)."""
    with tempfile.TemporaryFile() as buffer:
        summary = _write_archive(app, buffer)
        buffer.seek(0)
        seal_stream(buffer, target, passphrase)
    session = app.extensions["db"].new_session()
    try:
        audit.record(
            session,
            action="backup",
            actor=actor,
            object_type="Instance",
            summary=f"backup: {summary.rows} rows, {summary.templates} template(s)",
            changes={"rows": summary.rows, "tables": len(summary.tables)},
        )
        session.commit()
    finally:
        session.close()
    return summary


def _write_archive(app, buffer: BinaryIO) -> Summary:
    metadata = load_models()
    summary = Summary(secrets=[])
    engine = app.extensions["db"].engine
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        options = {}
        if engine.dialect.name == "postgresql":
            options["isolation_level"] = "REPEATABLE READ"  # one snapshot for every table
        with engine.connect().execution_options(**options) as connection:
            revisions = current_revisions(connection)
            if revisions != head_revisions():
                raise BackupError("the database is behind the code: run `compliance init` first")
            summary.revision = next(iter(revisions))
            _dump_tables(connection, metadata, archive, summary)
            connection.rollback()
        secrets = _secrets(app)
        summary.secrets = sorted(secrets)
        archive.writestr("secrets.json", json.dumps(secrets, indent=1))
        instance = Path(app.config["INSTANCE_PATH"])
        for path in _template_files(app):
            archive.write(path, f"templates/{path.relative_to(instance / OVERRIDE_FOLDER)}")
            summary.templates += 1
        settings = {
            name: value
            for name, value in sorted(os.environ.items())
            if name.startswith("COMPLIANCE_") and name not in NOT_RECORDED
        }
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "revision": summary.revision,
            "dialect": engine.dialect.name,
            "tables": summary.tables,
            "templates": summary.templates,
            "environment": settings,
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False))
    return summary


# --- restore ------------------------------------------------------------------------------


def _open(buffer: BinaryIO) -> tuple[zipfile.ZipFile, dict, dict[str, str]]:
    try:
        archive = zipfile.ZipFile(buffer)
        manifest = json.loads(archive.read("manifest.json"))
        secrets = json.loads(archive.read("secrets.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise BackupError("the backup's content is damaged") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    # Only the known secret files are ever written into the instance folder.
    secrets = {name: str(value) for name, value in secrets.items() if name in SECRETS}
    return archive, manifest, secrets


def _check_empty(engine) -> None:
    tables = sa.inspect(engine).get_table_names()
    if tables:
        raise BackupError(
            f"the target database is not empty ({len(tables)} tables, e.g. {sorted(tables)[0]}): "
            "restore into a new, empty database"
        )


def _check_secret_files(app, secrets: dict[str, str], force: bool) -> None:
    """Refuse to replace different keys already kept in the instance folder: data elsewhere
    may need them. Files this very process just generated do not count."""
    instance = Path(app.config["INSTANCE_PATH"])
    generated = set(app.config.get("GENERATED_SECRETS") or ())
    for name, value in secrets.items():
        path = instance / name
        if force or name in generated or not path.is_file():
            continue
        if path.read_text().strip() != value:
            raise BackupError(
                f"{path} already holds a different key (perhaps generated by an earlier command "
                "on this new instance folder); if no database needs it, move it away or pass "
                "--force to replace it with the backup's"
            )


def _check_template_files(app, archive: zipfile.ZipFile, force: bool) -> list[tuple[str, Path]]:
    folder = Path(app.config["INSTANCE_PATH"]) / OVERRIDE_FOLDER
    files = []
    for name in archive.namelist():
        if not name.startswith("templates/") or name.endswith("/"):
            continue
        relative = Path(name[len("templates/") :])
        if relative.is_absolute() or ".." in relative.parts:
            raise BackupError(f"the backup holds a template with a bad path: {name}")
        target = folder / relative
        if target.is_file() and not force and target.read_bytes() != archive.read(name):
            raise BackupError(f"{target} already exists and differs; pass --force to replace it")
        files.append((name, target))
    return files


def _insert_table(connection, table: sa.Table, lines) -> int:
    raw = _raw_table(table)
    decoders = {c.name: _decoder(c.type) for c in table.columns}
    decoders = {name: decode for name, decode in decoders.items() if decode is not None}
    # A column that points into its own table is set once every row exists.
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    later: list[dict] = []
    count = 0
    batch: list[dict] = []
    for line in lines:
        if not line.strip():
            continue
        row = json.loads(line)
        for name, decode in decoders.items():
            if row.get(name) is not None:
                row[name] = decode(row[name])
        if self_refs and any(row.get(name) is not None for name in self_refs):
            later.append({name: row[name] for name in (*self_refs, *_pk_names(raw))})
            row.update(dict.fromkeys(self_refs))
        batch.append(row)
        count += 1
        if len(batch) >= INSERT_BATCH:
            connection.execute(raw.insert(), batch)
            batch = []
    if batch:
        connection.execute(raw.insert(), batch)
    for values in later:
        keys = _pk_names(raw)
        connection.execute(
            raw.update()
            .where(*[raw.c[k] == values[k] for k in keys])
            .values({name: values[name] for name in self_refs})
        )
    return count


def _known_revision(revision: str | None) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    try:
        return revision is not None and script.get_revision(revision) is not None
    except (RevisionError, CommandError):
        return False


def _pk_names(table: sa.Table) -> list[str]:
    return [column.name for column in table.primary_key.columns]


def _reset_sequences(connection, metadata) -> None:
    """PostgreSQL's identity sequences continue after the restored ids."""
    if connection.dialect.name != "postgresql":
        return
    quote = connection.dialect.identifier_preparer.quote
    for table in metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, sa.Integer):
            continue
        name, column = quote(table.name), quote(pk[0].name)
        connection.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"COALESCE(MAX({column}), 1), MAX({column}) IS NOT NULL) FROM {name}"
            ),
            {"table": name, "column": pk[0].name},
        )


def restore_backup(app, source: BinaryIO, passphrase: str, *, force: bool = False) -> Summary:
    """Load a sealed archive into the application's empty database and instance folder."""
    with tempfile.TemporaryFile() as buffer:
        unseal_stream(source, buffer, passphrase)
        buffer.seek(0)
        return _restore(app, buffer, force)


def _restore(app, buffer: BinaryIO, force: bool) -> Summary:
    archive, manifest, secrets = _open(buffer)
    engine = app.extensions["db"].engine
    _check_empty(engine)
    _check_secret_files(app, secrets, force)
    templates = _check_template_files(app, archive, force)
    if "encryption_keys" not in secrets:
        raise BackupError("the backup holds no encryption key ring: its data could not be read")
    ring = KeyRing.from_config(secrets["encryption_keys"])
    summary = Summary(revision=manifest["revision"], secrets=sorted(secrets))
    if not _known_revision(summary.revision):
        raise BackupError(
            f"this backup was made by a newer version of Registre (schema {summary.revision}): "
            "restore it with that version or a later one"
        )

    url = app.config["DATABASE_URL"]
    config = alembic_config(url)
    config.attributes["keyring"] = ring
    metadata = load_models()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        # The schema as it was when the backup was made, the rows, then the current schema.
        command.upgrade(config, manifest["revision"])
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        # Reference data seeded by the migrations comes back from the backup, as it was.
        for table in reversed(metadata.sorted_tables):
            connection.execute(sa.table(table.name).delete())
        for table in metadata.sorted_tables:
            name = f"tables/{table.name}.jsonl"
            if name not in archive.namelist():
                continue
            with archive.open(name) as handle:
                summary.tables[table.name] = _insert_table(
                    connection, table, io.TextIOWrapper(handle, encoding="utf-8")
                )
        _reset_sequences(connection, metadata)
        command.upgrade(config, "head")
        try:
            check_sample(connection, metadata, ring)
        except KeyRingError as error:
            raise BackupError(str(error)) from error

    instance = Path(app.config["INSTANCE_PATH"])
    for name, value in secrets.items():
        write_key_file(instance / name, [value])
    for name, target in templates:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(archive.read(name))
        summary.templates += 1
    summary.warnings = _variables_that_differ(app, secrets)
    return summary


def _variables_that_differ(app, secrets: dict[str, str]) -> list[str]:
    """Settings given by variable override the restored files: say which no longer fit."""
    warnings = []
    for name, setting in SECRETS.items():
        variable = f"COMPLIANCE_{setting}"
        value = os.environ.get(variable)
        if value and name in secrets and value.strip() != secrets[name]:
            warnings.append(
                f"{variable} is set and differs from the restored {name}: give it the value "
                f"now in {Path(app.config['INSTANCE_PATH']) / name} on every process"
            )
    return warnings
