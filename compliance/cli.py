"""The `compliance` command: init, demo, serve, users, tokens, audit, keys, import, export."""

from __future__ import annotations

import getpass
import os
import sys

import click
from flask import Flask
from sqlmodel import select

from compliance import REGISTERS, create_app


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


class AppGroup(click.Group):
    """Runs each command inside an application context (made once per invocation)."""

    def invoke(self, ctx):
        if ctx.obj is None:
            ctx.obj = create_app()
        with ctx.obj.app_context():
            from compliance.db import begin_immediately

            begin_immediately()
            return super().invoke(ctx)


@click.group(cls=AppGroup)
def main():
    """Registre: GDPR records, incidents, breaches and the ANSSI roadmap of a shared service."""


def app() -> Flask:
    return click.get_current_context().find_root().obj


def _session():
    from compliance.db import get_session

    return get_session()


@main.command()
def init():
    """Create the database or upgrade it to the current schema."""
    from compliance.schema import upgrade

    upgrade(app())
    click.echo("Database ready.")


@main.command()
def demo():
    """Load the demo data (idempotent) and print the demo logins."""
    from compliance import demo as demo_data

    _require_current_schema()
    session = _session()
    logins = demo_data.load(session, _actor(), REGISTERS)
    session.commit()
    click.echo(f"Demo data loaded. Demo logins (password for all: {demo_data.DEMO_PASSWORD}):")
    for email, role, scope in logins:
        click.echo(f"  {email:<42} {role.value:<9} organisations: {scope}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host: str, port: int, threads: int):
    """Serve the application with a production WSGI server (waitress)."""
    from waitress import serve as waitress_serve

    _require_current_schema()
    click.echo(f"Serving on http://{host}:{port}/")
    waitress_serve(app(), host=host, port=port, threads=threads, ident="Registre")


def _require_current_schema() -> None:
    from compliance.schema import is_current

    if not is_current(app().extensions["db"].bind):
        raise click.ClickException(
            "The database is behind the code: run `compliance init` to upgrade it."
        )


# --- users and tokens -----------------------------------------------------------------------


@main.group()
def users():
    """Create, list and deactivate users; set passwords."""


def _read_password(confirm: bool = True) -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    line = sys.stdin.readline().rstrip("\n")
    if not line:
        raise click.ClickException("no password given on standard input")
    return line


def _organisations(slugs: tuple[str, ...]):
    from compliance.tenancy import Organisation

    session = _session()
    if "all" in slugs:
        return list(session.scalars(select(Organisation).order_by(Organisation.name)))
    found = []
    for slug in slugs:
        organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
        if organisation is None:
            raise click.ClickException(f"unknown organisation: {slug}")
        found.append(organisation)
    return found


@users.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option(
    "--role", required=True, type=click.Choice(["admin", "dpo", "ciso", "referent", "auditor"])
)
@click.option(
    "--org",
    "orgs",
    multiple=True,
    required=True,
    help="Organisation slug; repeat it, or 'all' for every organisation.",
)
@click.option("--language", default="fr", type=click.Choice(["fr", "en"]))
@click.option("--no-password", is_flag=True, help="Create the account without a password.")
def users_create(email, name, role, orgs, language, no_password):
    """Create a user with a role in one or more organisations (password from a prompt or stdin)."""
    from compliance.admin import services

    session = _session()
    organisations = _organisations(orgs)
    password = None if no_password else _read_password()
    try:
        user = services.create_user(
            session, email=email, name=name, language=language, password=password, actor=_actor()
        )
        for organisation in organisations:
            services.grant_role(session, user, organisation, role, actor=_actor())
    except services.ServiceError as error:
        session.rollback()
        raise click.ClickException(str(error)) from error
    session.commit()
    click.echo(f"Created {user.email}: {role} in {len(organisations)} organisation(s).")


@users.command("list")
def users_list():
    """List users with their roles."""
    from compliance.auth import Membership, User
    from compliance.tenancy import Organisation

    session = _session()
    rows = session.execute(
        select(User, Membership.role, Organisation.slug)
        .outerjoin(Membership, Membership.user_id == User.id)
        .outerjoin(Organisation, Organisation.id == Membership.organisation_id)
        .order_by(User.email, Membership.role, Organisation.slug)
    ).all()
    grouped: dict[int, tuple] = {}
    for user, role, slug in rows:
        entry = grouped.setdefault(user.id, (user, {}))
        if role is not None:
            entry[1].setdefault(role.value, []).append(slug)
    for user, roles in grouped.values():
        state = "active" if user.active else "inactive"
        described = "; ".join(f"{role}: {', '.join(slugs)}" for role, slugs in roles.items())
        click.echo(f"{user.email}\t{user.name}\t{state}\t{described or '-'}")


def _user(email: str):
    from compliance.admin import services

    user = services.find_user(_session(), email)
    if user is None:
        raise click.ClickException(f"unknown user: {email}")
    return user


@users.command("set-password")
@click.argument("email")
def users_set_password(email):
    """Set a user's password (from a prompt, or standard input when it is not a terminal)."""
    from compliance.admin import services

    session = _session()
    user = _user(email)
    try:
        services.set_password(session, user, _read_password(), actor=_actor())
    except services.ServiceError as error:
        raise click.ClickException(str(error)) from error
    session.commit()
    click.echo(f"Password of {user.email} changed.")


@users.command("deactivate")
@click.argument("email")
def users_deactivate(email):
    """Deactivate a user: no more logins, API tokens revoked."""
    from compliance.admin import services

    session = _session()
    user = _user(email)
    services.deactivate_user(session, user, actor=_actor())
    session.commit()
    click.echo(f"{user.email} deactivated.")


@main.group()
def tokens():
    """Personal API tokens."""


@tokens.command("create")
@click.argument("email")
@click.option("--name", default="cli", show_default=True)
def tokens_create(email, name):
    """Create an API token for a user; the token is printed alone on the last line."""
    from compliance.admin import services

    session = _session()
    user = _user(email)
    _token, secret = services.create_token(session, user, name, actor=_actor())
    session.commit()
    click.echo(f"Token {name!r} for {user.email} (shown once, keep it safe):")
    click.echo(secret)


# --- audit and keys -------------------------------------------------------------------------


@main.group("audit")
def audit_group():
    """The audit trail."""


@audit_group.command("verify")
def audit_verify():
    """Check the hash chain of the audit trail; exit 1 at the first bad entry."""
    from compliance.audit import verify

    result = verify(_session())
    if result.ok:
        click.echo(f"Audit trail intact: {result.checked} entries; head {result.head}")
        return
    click.echo(
        f"Audit trail BROKEN at entry {result.bad_seq}: {result.reason} "
        f"({result.checked} entries verified before it)",
        err=True,
    )
    sys.exit(1)


@main.group()
def keys():
    """Encryption keys."""


@keys.command("rotate")
def keys_rotate():
    """Add a new key to the instance key ring and re-encrypt every encrypted value with it."""
    from compliance import load_models
    from compliance.crypto import rotate_keys

    if os.environ.get("COMPLIANCE_ENCRYPTION_KEYS"):
        raise click.ClickException(
            "this command rotates the key ring kept in the instance folder; with "
            "COMPLIANCE_ENCRYPTION_KEYS set, put a new key first in that variable and keep the "
            "old ones after it"
        )
    session = _session()
    count = rotate_keys(app().config["INSTANCE_PATH"], session.connection(), load_models())
    session.commit()
    click.echo(f"New key in use; {count} value(s) re-encrypted.")


@main.command("verify-export")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def verify_export(file):
    """Say whether FILE is a document exported by Registre, unaltered; exit 1 if not."""
    from compliance.documents import describe_export, sha256_of, verify_document

    with open(file, "rb") as handle:
        data = handle.read()
    session = _session()
    record = verify_document(session, data)
    if record is None:
        click.echo(
            f"NOT AUTHENTIC: {file} is unknown or was altered after export "
            f"(no export has SHA-256 {sha256_of(data)}).",
            err=True,
        )
        sys.exit(1)
    details = describe_export(session, record)
    who = record.actor_label or "-"
    if details.actor_name and details.actor_name != who:
        who = f"{details.actor_name} <{who}>"
    click.echo(f"authentic: {record.reference}")
    click.echo(f"  document:     {record.title} ({record.document})")
    click.echo(f"  exported on:  {details.generated_at:%Y-%m-%d %H:%M} (Europe/Paris)")
    click.echo(f"  by:           {who}")
    click.echo(f"  organisation: {details.organisation_name or 'all organisations'}")
    click.echo(f"  file:         {record.filename} ({record.size} bytes)")
    click.echo(f"  sha256:       {record.sha256}")


@main.group("import")
def import_group():
    """Import data from files."""


@main.group("export")
def export_group():
    """Export Word documents."""


def _mount_register_commands() -> None:
    """Each register may add commands through registers/<name>/cli.py:register_commands."""
    import importlib
    import importlib.util

    for name in REGISTERS:
        if importlib.util.find_spec(f"registers.{name}.cli") is None:
            continue
        module = importlib.import_module(f"registers.{name}.cli")
        module.register_commands(import_group=import_group, export_group=export_group, main=main)


_mount_register_commands()
