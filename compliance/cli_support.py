"""What the `compliance` commands of the kernel and of the registers share: the application of
the invocation, the actor the audit trail names, and the schema check."""

from __future__ import annotations

import getpass

import click
from flask import Flask

from compliance.schema import is_current


def actor() -> str:
    """The audit trail's actor of a command: the system user who ran it."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def app() -> Flask:
    """The application of this invocation (made once by the root group)."""
    return click.get_current_context().find_root().obj


def require_current_schema() -> None:
    """Refuse to work on a database whose schema is behind the code."""
    if not is_current(app().extensions["db"].bind):
        raise click.ClickException(
            "The database is behind the code: run `compliance init` to upgrade it."
        )
