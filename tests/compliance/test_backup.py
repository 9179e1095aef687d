"""Backup and restore: SQLite -> SQLite and SQLite -> PostgreSQL round trips of demo data
(encrypted incidents, breaches, an export registered, the audit trail, an uploaded template),
wrong passphrase and altered file refused, non-empty target and different keys refused."""

from __future__ import annotations

import os
import shutil

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlmodel import func, select

from compliance import create_app, load_models
from compliance.admin import services as admin
from compliance.audit import verify
from compliance.backup import CHUNK, BackupError, seal, unseal
from compliance.cli import main
from compliance.demo import DEMO_DOMAIN, DEMO_PASSWORD
from compliance.documents import OVERRIDE_FOLDER, default_template_path
from compliance.schema import current_revisions, head_revisions

PASSPHRASE = "une phrase de passe assez longue"
ENV = {"COMPLIANCE_BACKUP_PASSPHRASE": PASSPHRASE}


def make_app(url: str, instance) -> object:
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(instance),
            "SESSION_COOKIE_SECURE": False,
            "WTF_CSRF_ENABLED": False,
        }
    )


def run(app, *args, env=ENV):
    return CliRunner().invoke(main, list(args), obj=app, env=env)


def _dispose(app) -> None:
    app.extensions["db"].engine.dispose()


def _incident_id(app, reference: str) -> int:
    from registers.incidents.models import Incident

    with app.app_context():
        session = app.extensions["db"].new_session()
        try:
            return session.scalar(select(Incident.id).where(Incident.reference == reference))
        finally:
            session.close()


def _state(app) -> dict:
    """What must read the same after a restore: counts, decrypted text, the audit head."""
    from registers.breaches.models import PersonalDataBreach
    from registers.incidents.models import Incident

    with app.app_context():
        session = app.extensions["db"].new_session()
        try:
            counts = {
                table.name: session.scalar(select(func.count()).select_from(table))
                for table in load_models().sorted_tables
            }
            incidents = {
                i.reference: (i.description, i.reported_by)
                for i in session.scalars(select(Incident))
            }
            breaches = {
                b.reference: (b.contact, b.description)
                for b in session.scalars(select(PersonalDataBreach))
            }
            result = verify(session)
            return {
                "counts": counts,
                "incidents": incidents,
                "breaches": breaches,
                "audit": (result.ok, result.checked, result.head),
            }
        finally:
            session.close()


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """An embedded (SQLite) instance with the demo, an export and an uploaded template, and
    its backup."""
    folder = tmp_path_factory.mktemp("source")
    app = make_app(f"sqlite:///{folder / 'source.db'}", folder / "instance")
    try:
        assert run(app, "init").exit_code == 0
        result = run(app, "demo")
        assert result.exit_code == 0, result.output
        exported = folder / "incidents.docx"
        result = run(app, "export", "incidents", "-o", str(exported))
        assert result.exit_code == 0, result.output
        template = folder / "instance" / OVERRIDE_FOLDER / "ivry-sur-seine" / "incident-log.docx"
        template.parent.mkdir(parents=True)
        shutil.copy(default_template_path("incident-log"), template)
        state = _state(app)
        archive = folder / "registre.backup"
        result = run(app, "backup", "-o", str(archive))
        assert result.exit_code == 0, result.output
        assert "secrets: audit_keys, encryption_keys, secret_key" in result.output
        assert archive.stat().st_mode & 0o777 == 0o600
        keys = app.config["ENCRYPTION_KEYS"]
        # The backup itself is in the trail (after the dump, so not in the archive).
        after = _state(app)["audit"]
        assert after[0] and after[1] == state["audit"][1] + 1
    finally:
        _dispose(app)
    assert state["incidents"] and state["breaches"] and state["audit"][0]
    assert any(contact for contact, _ in state["breaches"].values())
    return {
        "archive": archive,
        "exported": exported,
        "template": template.read_bytes(),
        "state": state,
        "keys": keys,
    }


def test_round_trip_reads_as_before(source, empty_database_url, tmp_path):
    instance = tmp_path / "instance"
    target = make_app(empty_database_url, instance)
    try:
        result = run(target, "restore", str(source["archive"]))
        assert result.exit_code == 0, result.output
        assert "Restored" in result.output
    finally:
        _dispose(target)
    # The next process starts on the restored instance folder: its keys, its templates.
    assert (instance / "encryption_keys").read_text().strip() == source["keys"]
    assert (instance / "secret_key").stat().st_mode & 0o777 == 0o600
    copy = instance / OVERRIDE_FOLDER / "ivry-sur-seine" / "incident-log.docx"
    assert copy.read_bytes() == source["template"]
    restored = make_app(empty_database_url, instance)
    try:
        assert current_revisions(restored.extensions["db"].engine) == head_revisions()
        assert _state(restored) == source["state"]
        result = run(restored, "audit", "verify")
        assert result.exit_code == 0 and "intact" in result.output
        result = run(restored, "verify-export", str(source["exported"]))
        assert result.exit_code == 0, result.output
        assert "authentic" in result.output
        # New rows get new ids (PostgreSQL sequences continue after the restored rows).
        with restored.app_context():
            session = restored.extensions["db"].new_session()
            organisation = admin.create_organisation(session, {"name": "Nouvelle"}, actor="t")
            session.commit()
            assert organisation.id > max(1, source["state"]["counts"]["organisation"])
            session.close()
        # An incident page decrypts, for a user of the demo.
        reference, (description, _by) = sorted(source["state"]["incidents"].items())[0]
        client = restored.test_client()
        email = f"rssi@{DEMO_DOMAIN}"
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302
        response = client.get(f"/incidents/{_incident_id(restored, reference)}")
        assert response.status_code == 200
        assert description.split("\n")[0][:40] in response.get_data(as_text=True)
    finally:
        _dispose(restored)


def test_wrong_passphrase_and_altered_file_are_refused(source, empty_database_url, tmp_path):
    target = make_app(empty_database_url, tmp_path / "instance")
    try:
        result = run(
            target,
            "restore",
            str(source["archive"]),
            env={"COMPLIANCE_BACKUP_PASSPHRASE": "pas la bonne"},
        )
        assert result.exit_code == 1
        assert "wrong passphrase, or the file was altered" in result.output
        altered = tmp_path / "altered.backup"
        data = bytearray(source["archive"].read_bytes())
        data[len(data) // 2] ^= 0x01
        altered.write_bytes(bytes(data))
        result = run(target, "restore", str(altered))
        assert result.exit_code == 1
        assert "wrong passphrase, or the file was altered" in result.output
        not_a_backup = tmp_path / "x.backup"
        not_a_backup.write_bytes(b"PK\x03\x04 something else")
        result = run(target, "restore", str(not_a_backup))
        assert result.exit_code == 1 and "not a Registre backup" in result.output
        # Nothing was written.
        assert sa.inspect(target.extensions["db"].engine).get_table_names() == []
    finally:
        _dispose(target)


@pytest.mark.parametrize("size", [0, 10, CHUNK, 2 * CHUNK + 5])
def test_sealing_round_trips_in_frames(size):
    data = os.urandom(size)
    assert unseal(seal(data, PASSPHRASE), PASSPHRASE) == data


def test_header_frames_and_end_are_authenticated(monkeypatch):
    monkeypatch.setattr("compliance.backup.CHUNK", 16)
    data = b"0123456789abcdef" * 3 + b"fin"
    sealed = seal(data, PASSPHRASE)
    assert unseal(sealed, PASSPHRASE) == data
    header_end = sealed.index(b"\n", len(b"REGISTRE-BACKUP\n")) + 1
    frame = 4 + 16 + 16
    altered = [
        sealed.replace(b'"r": 8', b'"r": 9'),  # the header
        sealed[: header_end + frame] + sealed[header_end + 2 * frame :],  # a frame dropped
        sealed[: header_end + 3 * frame],  # cut after a full frame
        sealed[:-1],  # cut inside the last frame
        sealed + b"\x00\x00\x00\x00",  # an empty frame added
    ]
    for tampered in altered:
        with pytest.raises(BackupError):
            unseal(tampered, PASSPHRASE)
    with pytest.raises(BackupError, match="wrong passphrase"):
        unseal(sealed, "une autre phrase")
    with pytest.raises(BackupError):
        seal(b"x", "")


def test_a_non_empty_target_is_refused(source, empty_database_url, tmp_path):
    target = make_app(empty_database_url, tmp_path / "instance")
    try:
        assert run(target, "init").exit_code == 0
        result = run(target, "restore", str(source["archive"]))
        assert result.exit_code == 1
        assert "the target database is not empty" in result.output
    finally:
        _dispose(target)


def test_different_keys_in_the_instance_are_kept_unless_forced(
    source, empty_database_url, tmp_path
):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "encryption_keys").write_text(
        "ZmRlMmY5N2QwYjQ5NDFkMmJhZjM3MmRjODk1NDliYzU=\n"
    )  # a key of another database
    target = make_app(empty_database_url, instance)
    try:
        result = run(target, "restore", str(source["archive"]))
        assert result.exit_code == 1
        assert "already holds a different key" in result.output and "--force" in result.output
        assert sa.inspect(target.extensions["db"].engine).get_table_names() == []
        result = run(target, "restore", str(source["archive"]), "--force")
        assert result.exit_code == 0, result.output
    finally:
        _dispose(target)
    assert (instance / "encryption_keys").read_text().strip() == source["keys"]


def test_a_backup_of_a_newer_schema_is_refused(empty_database_url, tmp_path):
    import io
    import json
    import zipfile

    from cryptography.fernet import Fernet

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.json", json.dumps({"format": 1, "revision": "9999"}))
        archive.writestr(
            "secrets.json", json.dumps({"encryption_keys": Fernet.generate_key().decode()})
        )
    path = tmp_path / "future.backup"
    path.write_bytes(seal(buffer.getvalue(), PASSPHRASE))
    target = make_app(empty_database_url, tmp_path / "instance")
    try:
        result = run(target, "restore", str(path))
        assert result.exit_code == 1
        assert "made by a newer version of Registre (schema 9999)" in result.output
        assert sa.inspect(target.extensions["db"].engine).get_table_names() == []
    finally:
        _dispose(target)


def test_a_failed_backup_keeps_the_earlier_one(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'behind.db'}", tmp_path / "instance")
    earlier = tmp_path / "registre.backup"
    earlier.write_bytes(b"an earlier backup")
    try:
        result = run(app, "backup", "-o", str(earlier))  # the database is not initialised
        assert result.exit_code == 1
        assert "run `compliance init` first" in result.output
    finally:
        _dispose(app)
    assert earlier.read_bytes() == b"an earlier backup"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []
