"""Alembic from code: upgrade the database, and refuse to serve one behind the code."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app, render_template

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(app, connection=None) -> None:
    config = alembic_config(app.config["DATABASE_URL"])
    if connection is not None:
        config.attributes["connection"] = connection
    # Data migrations that encrypt existing values use the application's key ring.
    config.attributes["keyring"] = app.extensions.get("keyring")
    command.upgrade(config, "head")


def head_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return set(script.get_heads())


def current_revisions(bind) -> set[str]:
    if hasattr(bind, "connect") and not hasattr(bind, "in_transaction"):
        with bind.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())
    return set(MigrationContext.configure(bind).get_current_heads())


def is_current(bind) -> bool:
    return current_revisions(bind) == head_revisions()


def init_schema_check(app) -> None:
    state = {"ok": False}

    @app.before_request
    def _refuse_outdated_schema():
        if state["ok"] or current_app.config.get("SKIP_SCHEMA_CHECK"):
            return None
        if is_current(current_app.extensions["db"].bind):
            state["ok"] = True
            return None
        return render_template("errors/schema.html"), 503
