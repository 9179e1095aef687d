"""Settings from COMPLIANCE_* variables; secrets generated once into the instance folder."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from compliance import create_app
from compliance.config import ensure_secrets, load_settings


def test_defaults_use_a_sqlite_file_in_the_instance_folder(tmp_path):
    settings = load_settings({"COMPLIANCE_INSTANCE_PATH": str(tmp_path)})
    assert settings["INSTANCE_PATH"] == str(tmp_path.resolve())
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path.resolve() / 'compliance.db'}"
    assert settings["RATELIMIT_STORAGE"] == "memory"
    assert settings["LOGIN_MAX_PER_ACCOUNT"] == 5
    assert settings["SECRET_KEY"] is None


def test_variables_are_read():
    settings = load_settings(
        {
            "COMPLIANCE_DATABASE_URL": "postgresql+psycopg://app@db/registre",
            "COMPLIANCE_SECRET_KEY": "s3cret",
            "COMPLIANCE_RATELIMIT_STORAGE": "redis://cache:6379/0",
            "COMPLIANCE_LOGIN_MAX_PER_ACCOUNT": "3",
            "COMPLIANCE_LOGIN_MAX_PER_ADDRESS": "7",
            "COMPLIANCE_LOGIN_WINDOW_SECONDS": "60",
            "COMPLIANCE_DEFAULT_LOCALE": "en",
            "COMPLIANCE_TRUSTED_PROXIES": "1",
        }
    )
    assert settings["DATABASE_URL"] == "postgresql+psycopg://app@db/registre"
    assert settings["SECRET_KEY"] == "s3cret"
    assert settings["RATELIMIT_STORAGE"] == "redis://cache:6379/0"
    assert (settings["LOGIN_MAX_PER_ACCOUNT"], settings["LOGIN_MAX_PER_ADDRESS"]) == (3, 7)
    assert settings["LOGIN_WINDOW_SECONDS"] == 60
    assert settings["BABEL_DEFAULT_LOCALE"] == "en"
    assert settings["TRUSTED_PROXIES"] == 1


def test_subsidy_ceilings_per_programme():
    assert load_settings({})["ROADMAP_SUBSIDY_CEILINGS"] == {}
    value = "Parcours de cybersécurité = 90 000 ; FEDER=250000,"
    assert load_settings({"COMPLIANCE_ROADMAP_SUBSIDY_CEILINGS": value})[
        "ROADMAP_SUBSIDY_CEILINGS"
    ] == {"Parcours de cybersécurité": 90_000, "FEDER": 250_000}
    for bad in ("Parcours de cybersécurité", "=90000", "FEDER=beaucoup"):
        with pytest.raises(ValueError, match="COMPLIANCE_ROADMAP_SUBSIDY_CEILINGS"):
            load_settings({"COMPLIANCE_ROADMAP_SUBSIDY_CEILINGS": bad})


def test_environment_reaches_create_app(monkeypatch, tmp_path):
    monkeypatch.setenv("COMPLIANCE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("COMPLIANCE_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("COMPLIANCE_LOGIN_MAX_PER_ACCOUNT", "2")
    app = create_app()
    assert app.secret_key == "from-the-environment"
    assert app.extensions["login_throttle"].max_per_account == 2
    assert not (tmp_path / "secret_key").exists()
    app.extensions["db"].engine.dispose()


def test_cookies_are_secure_unless_debug():
    assert load_settings({})["SESSION_COOKIE_SECURE"] is True
    assert load_settings({"COMPLIANCE_DEBUG": "1"})["SESSION_COOKIE_SECURE"] is False
    assert load_settings({"COMPLIANCE_SECURE_COOKIES": "0"})["SESSION_COOKIE_SECURE"] is False


def test_secret_key_is_generated_once_owner_only_and_reused(tmp_path):
    first = {"INSTANCE_PATH": str(tmp_path / "instance")}
    ensure_secrets(first)
    path = Path(first["INSTANCE_PATH"]) / "secret_key"
    assert len(first["SECRET_KEY"]) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((path.parent / "encryption_keys").stat().st_mode) == 0o600
    second = {"INSTANCE_PATH": first["INSTANCE_PATH"]}
    ensure_secrets(second)
    assert second["SECRET_KEY"] == first["SECRET_KEY"]
    assert second["ENCRYPTION_KEYS"] == first["ENCRYPTION_KEYS"]


def test_two_apps_on_one_instance_share_the_generated_key(tmp_path):
    config = {"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    first, second = create_app(dict(config)), create_app(dict(config))
    assert first.secret_key == second.secret_key
    assert first.secret_key in (tmp_path / "secret_key").read_text()
    for app in (first, second):
        app.extensions["db"].engine.dispose()


def test_audit_keys_are_generated_once_owner_only_unless_given(tmp_path):
    first = {"INSTANCE_PATH": str(tmp_path)}
    ensure_secrets(first)
    path = tmp_path / "audit_keys"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first["AUDIT_KEYS"]) >= 32 and first["AUDIT_KEYS"] in path.read_text()
    second = {"INSTANCE_PATH": str(tmp_path)}
    ensure_secrets(second)
    assert second["AUDIT_KEYS"] == first["AUDIT_KEYS"]
    given = load_settings(
        {"COMPLIANCE_INSTANCE_PATH": str(tmp_path / "other"), "COMPLIANCE_AUDIT_KEYS": "new,old"}
    )
    ensure_secrets(given)
    assert given["AUDIT_KEYS"] == "new,old"
    assert not (tmp_path / "other" / "audit_keys").exists()


def test_every_variable_is_in_the_readme_configuration_table():
    from pathlib import Path

    from compliance.config import VARIABLES

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in VARIABLES if f"| `{name}` |" not in table]
    assert missing == []
    # One table: a blank line inside it would cut the rows after it out of the table.
    rows = next(part for part in table.split("\n\n") if part.startswith("| variable |"))
    assert [name for name in VARIABLES if f"| `{name}` |" not in rows] == []
