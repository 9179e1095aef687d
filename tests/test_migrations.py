"""Migrations: one head, upgrade from nothing, no drift from the models, outdated DB refused."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from compliance import create_app, load_models, search
from compliance.db import make_engine
from compliance.schema import alembic_config, current_revisions, head_revisions, upgrade


def _drift(engine: sa.Engine) -> list:
    with engine.connect() as connection:
        opts = {
            "compare_type": True,
            "include_name": search.include_name,
            "include_object": search.include_object,
        }
        context = MigrationContext.configure(connection, opts=opts)
        return compare_metadata(context, load_models())


def _fresh_app(url: str, tmp_path):
    return create_app(
        {"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "TESTING": True}
    )


def test_exactly_one_head():
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, heads


def test_session_database_is_at_head_without_drift(base_app):
    engine = base_app.extensions["db"].engine
    assert current_revisions(engine) == head_revisions()
    assert _drift(engine) == []


def test_upgrade_from_empty_database(empty_database_url, tmp_path):
    app = _fresh_app(empty_database_url, tmp_path)
    engine = app.extensions["db"].engine
    assert current_revisions(engine) == set()
    upgrade(app)
    try:
        assert current_revisions(engine) == head_revisions()
        assert {"organisation", "user", "membership", "audit_entry"} <= set(
            sa.inspect(engine).get_table_names()
        )
        assert _drift(engine) == []
    finally:
        engine.dispose()


def test_upgrade_is_idempotent(empty_database_url, tmp_path):
    app = _fresh_app(empty_database_url, tmp_path)
    upgrade(app)
    upgrade(app)
    engine = app.extensions["db"].engine
    assert current_revisions(engine) == head_revisions()
    engine.dispose()


def test_app_refuses_a_database_behind_the_code(tmp_path):
    app = _fresh_app(f"sqlite:///{tmp_path / 'behind.db'}", tmp_path)
    response = app.test_client().get("/login")
    assert response.status_code == 503
    assert b"compliance init" in response.data
    app.extensions["db"].engine.dispose()


def test_app_serves_once_upgraded(tmp_path):
    url = f"sqlite:///{tmp_path / 'current.db'}"
    app = _fresh_app(url, tmp_path)
    upgrade(app)
    assert app.test_client().get("/login").status_code == 200
    engine = make_engine(url)
    assert current_revisions(engine) == head_revisions()
    engine.dispose()
    app.extensions["db"].engine.dispose()


def test_every_upgrade_keeps_existing_rows(empty_database_url, tmp_path):
    """Upgrading a database that holds data loses none of it (a table rebuild on SQLite would
    cascade-delete the rows that point at the rebuilt table)."""
    from alembic import command

    app = _fresh_app(empty_database_url, tmp_path)
    engine = app.extensions["db"].engine
    config = alembic_config(empty_database_url)
    command.upgrade(config, "0002")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO organisation (id, version, created_at, updated_at, name, slug, kind, "
            "is_host, is_active) VALUES (1, 1, '2026-01-01 00:00:00+00:00', "
            "'2026-01-01 00:00:00+00:00', 'Ivry', 'ivry', 'commune', false, true)"
        )
        connection.exec_driver_sql(
            'INSERT INTO "user" (id, version, created_at, updated_at, email, name, active, '
            "language) VALUES (1, 1, '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00', "
            "'a@ivry.example', 'A', true, 'fr')"
        )
        connection.exec_driver_sql(
            "INSERT INTO membership (id, user_id, organisation_id, role, created_at) "
            "VALUES (1, 1, 1, 'dpo', '2026-01-01 00:00:00+00:00')"
        )
    try:
        upgrade(app)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM membership").scalar() == 1
            token = connection.exec_driver_sql('SELECT session_token FROM "user"').scalar()
        assert token and len(token) == 32
    finally:
        engine.dispose()


def test_upgrade_encrypts_existing_contacts(empty_database_url, tmp_path):
    """Migration 0013 encrypts the clear breach contacts and report notes it finds."""
    from alembic import command

    from compliance.crypto import KeyRing

    app = _fresh_app(empty_database_url, tmp_path)
    engine = app.extensions["db"].engine
    command.upgrade(alembic_config(empty_database_url), "0009")
    now = "'2026-01-01 00:00:00+00:00'"
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO organisation (id, version, created_at, updated_at, name, slug, kind, "
            f"is_host, is_active) VALUES (1, 1, {now}, {now}, 'Ivry', 'ivry', 'commune', false, "
            "true)"
        )
        connection.exec_driver_sql(
            "INSERT INTO personal_data_breach (id, version, created_at, updated_at, reference, "
            "reference_year, reference_number, title, organisation_id, status, is_ongoing, "
            "awareness_at, notification_deadline, confidentiality, integrity, availability, "
            "subject_categories, data_categories, special_categories, nir_concerned, "
            f"criminal_data, contact) VALUES (1, 1, {now}, {now}, 'VIO-2026-001', 2026, 1, 'T', "
            f"1, 'being_assessed', false, {now}, {now}, true, false, false, '[]', '[]', '[]', "
            "false, false, 'Mme Durand, 01 02 03 04 05')"
        )
        connection.exec_driver_sql(
            "INSERT INTO incident (id, version, created_at, updated_at, reference, "
            "reference_year, reference_number, title, organisation_id, category, severity, "
            "detection_source, status, detected_at, reported_at, description) "
            f"VALUES (1, 1, {now}, {now}, 'INC-2026-001', 2026, 1, 'T', 1, 'other', '1', "
            f"'internal', 'reported', {now}, {now}, 'x')"
        )
        connection.exec_driver_sql(
            "INSERT INTO incident_external_report (id, incident_id, kind, made_on, notes, "
            f"created_at) VALUES (1, 1, 'police', '2026-01-02', 'Plainte de M. Martin', {now})"
        )
    try:
        upgrade(app)
        ring = KeyRing.from_config(app.config["ENCRYPTION_KEYS"])
        with engine.connect() as connection:
            read = connection.exec_driver_sql
            contact = read("SELECT contact FROM personal_data_breach").scalar()
            notes = read("SELECT notes FROM incident_external_report").scalar()
        assert "Durand" not in contact and "Martin" not in notes
        assert ring.decrypt(contact) == "Mme Durand, 01 02 03 04 05"
        assert ring.decrypt(notes) == "Plainte de M. Martin"
        assert _drift(engine) == []
        # And back: the downgrade decrypts them.
        config = alembic_config(empty_database_url)
        config.attributes["keyring"] = ring
        command.downgrade(config, "0009")
        with engine.connect() as connection:
            read = connection.exec_driver_sql
            assert read("SELECT contact FROM personal_data_breach").scalar() == (
                "Mme Durand, 01 02 03 04 05"
            )
            assert read("SELECT notes FROM incident_external_report").scalar() == (
                "Plainte de M. Martin"
            )
    finally:
        engine.dispose()
