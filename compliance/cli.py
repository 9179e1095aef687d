"""The `compliance` command: init, demo, serve, users, tokens, audit, keys, backup, restore,
notify, import, export."""

from __future__ import annotations

import contextlib
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import click
import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlmodel import select

from compliance import REGISTERS, audit, create_app, load_models, mfa
from compliance import demo as demo_data
from compliance import notify as notifier
from compliance.admin import services
from compliance.auth import Membership, User
from compliance.backup import BackupError, create_backup, restore_backup
from compliance.cli_options import output_option
from compliance.cli_support import actor, app, require_current_schema
from compliance.crypto import KeyRingError, check_sample
from compliance.db import begin_immediately, get_session
from compliance.documents import describe_export, sha256_of, verify_document
from compliance.heap import settle
from compliance.keys import rotate_keys
from compliance.mail import Mailer, MailServerError, parse_smtp_url
from compliance.mount import mount_commands, register_specs
from compliance.schema import upgrade
from compliance.tenancy import Organisation


class AppGroup(click.Group):
    """Runs each command inside an application context (made once per invocation)."""

    def invoke(self, ctx):
        if ctx.obj is None:
            ctx.obj = create_app()
        with ctx.obj.app_context():
            begin_immediately()
            return super().invoke(ctx)


@click.group(cls=AppGroup)
def main():
    """Registre: GDPR records, incidents, breaches and the ANSSI roadmap of a shared service."""


def _session():
    return get_session()


@main.command()
def init():
    """Create the database or upgrade it to the current schema."""
    _require_readable_keys()
    upgrade(app())
    click.echo("Database ready.")


@main.command()
def demo():
    """Load the demo data (idempotent) and print the demo logins."""
    require_current_schema()
    session = _session()
    logins = demo_data.load(session, actor(), REGISTERS)
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
    from waitress import serve as waitress_serve  # looked up when serving (tests replace it)

    require_current_schema()
    _require_readable_keys()
    application = app()
    settle()  # the start-up's objects out of the collector's full collections
    click.echo(f"Serving on http://{host}:{port}/")
    waitress_serve(application, host=host, port=port, threads=threads, ident="Registre")


# --- users and tokens -----------------------------------------------------------------------


@main.group()
def users():
    """Create, list and deactivate users; set passwords; remove a second factor."""


def _read_password(confirm: bool = True) -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    line = sys.stdin.readline().rstrip("\n")
    if not line:
        raise click.ClickException("no password given on standard input")
    return line


def _organisations(slugs: tuple[str, ...]):
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
    session = _session()
    organisations = _organisations(orgs)
    password = None if no_password else _read_password()
    try:
        user = services.create_user(
            session, email=email, name=name, language=language, password=password, actor=actor()
        )
        for organisation in organisations:
            services.grant_role(session, user, organisation, role, actor=actor())
    except services.ServiceError as error:
        session.rollback()
        raise click.ClickException(str(error)) from error
    session.commit()
    click.echo(f"Created {user.email}: {role} in {len(organisations)} organisation(s).")


@users.command("list")
def users_list():
    """List users with their roles."""
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
    user = services.find_user(_session(), email)
    if user is None:
        raise click.ClickException(f"unknown user: {email}")
    return user


@contextmanager
def _changing_user(email: str):
    """The session and the user of `email`, committed after the block; a change the service
    refuses is an error message and nothing is written."""
    session = _session()
    user = _user(email)
    try:
        yield session, user
    except services.ServiceError as error:
        raise click.ClickException(str(error)) from error
    session.commit()


@users.command("set-password")
@click.argument("email")
def users_set_password(email):
    """Set a user's password (from a prompt, or standard input when it is not a terminal)."""
    with _changing_user(email) as (session, user):
        services.set_password(session, user, _read_password(), actor=actor())
    click.echo(f"Password of {user.email} changed.")


@users.command("deactivate")
@click.argument("email")
def users_deactivate(email):
    """Deactivate a user: no more logins, API tokens revoked."""
    with _changing_user(email) as (session, user):
        services.deactivate_user(session, user, actor=actor())
    click.echo(f"{user.email} deactivated.")


@users.command("reset-mfa")
@click.argument("email")
def users_reset_mfa(email):
    """Remove a user's second factor (lost phone and recovery codes); their sessions end."""
    with _changing_user(email) as (session, user):
        mfa.reset(session, user, actor=actor())
    click.echo(f"Second factor of {user.email} removed; the user enrols again after logging in.")


@main.group()
def tokens():
    """Personal API tokens."""


@tokens.command("create")
@click.argument("email")
@click.option("--name", default="cli", show_default=True)
def tokens_create(email, name):
    """Create an API token for a user; the token is printed alone on the last line."""
    session = _session()
    user = _user(email)
    _token, secret = services.create_token(session, user, name, actor=actor())
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
    result = audit.verify(_session())
    if result.ok:
        click.echo(f"Audit trail intact: {result.checked} entries; head {result.head}")
        return
    click.echo(
        f"Audit trail BROKEN at entry {result.bad_seq}: {result.reason} "
        f"({result.checked} entries verified before it)",
        err=True,
    )
    sys.exit(1)


@audit_group.command("rekey")
@click.option(
    "--unkeyed",
    is_flag=True,
    help="Also accept the entries written before the keyed chain (once, after the upgrade).",
)
def audit_rekey(unkeyed):
    """Verify the trail as it stands, then re-seal it with the newest audit key (to retire an
    old key, or once after upgrading a trail written before the keyed chain)."""
    session = _session()
    try:
        result = audit.rekey(session, unkeyed=unkeyed)
    except ValueError as error:
        session.rollback()
        raise click.ClickException(str(error)) from error
    summary = f"{result.count} entries re-sealed"
    if result.unkeyed_head:
        seq, head = result.unkeyed_head
        summary += f"; unkeyed entries accepted up to entry {seq}, hash {head}"
    audit.record(session, action="audit_rekey", actor=actor(), summary=summary)
    session.commit()
    click.echo(f"Audit trail re-sealed with the newest key: {summary}.")
    if result.unkeyed_head:
        click.echo("Compare that hash with the head `compliance audit verify` gave before.")


@main.group()
def keys():
    """Encryption keys."""


@keys.command("generate")
def keys_generate():
    """Print a new encryption key (to add to COMPLIANCE_ENCRYPTION_KEYS)."""
    click.echo(Fernet.generate_key().decode())


@keys.command("rotate")
@click.option(
    "--key",
    "new_key",
    help="The key to encrypt with from now on (default: a new one; with "
    "COMPLIANCE_ENCRYPTION_KEYS, a key already in that ring, or its first key).",
)
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(min=1))
def keys_rotate(new_key, batch_size):
    """Put a key first in the ring and re-encrypt every encrypted value with it.

    Concurrent updates are kept (compare-and-set, row by row), each batch is committed, and
    running processes that read the instance key file follow it without a restart."""
    require_current_schema()
    _require_readable_keys()
    try:
        result, ring = rotate_keys(app(), actor=actor(), new_key=new_key, batch_size=batch_size)
    except KeyRingError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"{result.re_encrypted} value(s) re-encrypted, {result.already_current} already under "
        f"the first key, {result.changed_meanwhile} changed meanwhile and retried "
        f"({len(result.columns)} columns, {result.passes} pass(es))."
    )
    if app().config.get("ENCRYPTION_KEYS_FILE"):
        click.echo(f"New key first in {app().config['ENCRYPTION_KEYS_FILE']}; older keys kept.")
        return
    click.echo("Every value is now encrypted with the first key of this ring; set it on every")
    click.echo("process (newest first), then drop the older keys once all use it:")
    click.echo(f"COMPLIANCE_ENCRYPTION_KEYS={','.join(ring)}")


def _require_readable_keys() -> None:
    """Refuse to work on a database that the configured key ring cannot read."""
    with app().extensions["db"].engine.connect() as connection:
        try:
            check_sample(connection, load_models(), app().extensions["keyring"])
        except KeyRingError as error:
            raise click.ClickException(str(error)) from error


# --- backup and restore ---------------------------------------------------------------------


def _passphrase(confirm: bool) -> str:
    passphrase = os.environ.get("COMPLIANCE_BACKUP_PASSPHRASE")
    if passphrase:
        return passphrase
    if not sys.stdin.isatty():
        raise click.ClickException(
            "no passphrase: set COMPLIANCE_BACKUP_PASSPHRASE or run in a terminal"
        )
    return click.prompt("Backup passphrase", hide_input=True, confirmation_prompt=confirm)


@main.command()
@output_option("The archive to write.")
def backup(output: Path):
    """Write the whole instance (database, key ring and secrets, uploaded templates) into one
    archive encrypted with a passphrase (COMPLIANCE_BACKUP_PASSPHRASE or a prompt)."""
    passphrase = _passphrase(confirm=True)
    # Written beside the target and renamed at the end: an earlier backup of the same name
    # survives a failed one.
    partial = output.with_name(f".{output.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            summary = create_backup(app(), passphrase, handle, actor=actor())
        os.replace(partial, output)
    except BackupError as error:
        partial.unlink(missing_ok=True)
        raise click.ClickException(str(error)) from error
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    click.echo(
        f"Backup written to {output}: {summary.rows} rows in {len(summary.tables)} tables "
        f"(schema {summary.revision}), {summary.templates} uploaded template(s), secrets: "
        f"{', '.join(summary.secrets)}. Keep the passphrase: without it the file is useless."
    )


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace different keys or templates in the instance.")
def restore(file: Path, force: bool):
    """Restore a backup into an empty database (SQLite or PostgreSQL) and the instance folder."""
    passphrase = _passphrase(confirm=False)
    try:
        with file.open("rb") as handle:
            summary = restore_backup(app(), handle, passphrase, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    except sa.exc.OperationalError as error:
        raise click.ClickException(f"cannot reach the target database: {error.orig}") from error
    click.echo(
        f"Restored {summary.rows} rows in {len(summary.tables)} tables (schema "
        f"{summary.revision}, now current), {summary.templates} template(s); written to "
        f"{app().config['INSTANCE_PATH']}: {', '.join(summary.secrets)}."
    )
    for warning in summary.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo("Check it with `compliance audit verify`.")


@main.command()
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and log nothing.")
@click.option("--now", "now_text", metavar="ISO-INSTANT", help="Run as at this instant (tests).")
def notify(dry_run: bool, now_text: str | None):
    """Send the e-mail reminders that are due (run it every few minutes from cron or a timer)."""
    require_current_schema()
    config = app().config
    if not dry_run and not notifier.mail_configured(config):
        click.echo("Mail is not configured (COMPLIANCE_SMTP_URL, COMPLIANCE_MAIL_FROM): none sent.")
        return
    try:
        now = notifier.parse_now(now_text)
        settings = None if dry_run else parse_smtp_url(config["SMTP_URL"])
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    session = _session()
    with contextlib.ExitStack() as stack:
        mailer = None if dry_run else stack.enter_context(Mailer(settings))
        try:
            summary = notifier.run(app(), session, now=now, mailer=mailer, actor=actor())
        except MailServerError as error:
            raise click.ClickException(f"{error}; nothing more sent, run again later") from error
    for line in summary.lines:
        click.echo(line)
    for line in summary.errors:
        click.echo(line, err=True)
    click.echo(f"{'Dry run: ' if dry_run else ''}{summary.line(dry_run)}.")


@main.command("verify-export")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def verify_export(file):
    """Say whether FILE is a document exported by Registre, unaltered; exit 1 if not."""
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
    if record.pdf_sha256 == sha256_of(data):
        click.echo(f"  file:         PDF of {record.filename} ({record.pdf_size} bytes)")
        click.echo(f"  sha256:       {record.pdf_sha256}")
    else:
        click.echo(f"  file:         {record.filename} ({record.size} bytes)")
        click.echo(f"  sha256:       {record.sha256}")


@main.group("import")
def import_group():
    """Import data from files."""


@main.group("export")
def export_group():
    """Export Word documents."""


mount_commands(
    register_specs(REGISTERS), main=main, import_group=import_group, export_group=export_group
)
