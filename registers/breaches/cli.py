"""The breach register's commands: `compliance export breaches --org SLUG -o FILE.docx` (the
register of one organisation) and `compliance export breach ID -o FILE.docx` (a breach's
notification dossier, or with --letter its letter to the people concerned)."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa

from compliance import cli_support
from compliance.cli_options import output_option
from compliance.db import get_session
from compliance.tenancy import Organisation
from registers.breaches.export import export_dossier, export_letter, export_register
from registers.breaches.models import PersonalDataBreach


def _written(session, output: Path, data: bytes, record) -> None:
    cli_support.write_document(session, output, data, record)


@click.command("breaches")
@click.option("--org", "slug", required=True, help="The organisation (its slug).")
@output_option()
def export_breach_register(slug: str, output: Path):
    """Write the breach register of one organisation (Art. 33(5)): every breach, notified or
    not, with its facts, effects, remedial action and decisions. The export is recorded."""
    cli_support.require_current_schema()
    session = get_session()
    organisation = session.scalar(sa.select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise click.ClickException(f"unknown organisation: {slug}")
    data, record = export_register(session, organisation, actor=cli_support.actor())
    _written(session, output, data, record)


@click.command("breach")
@click.argument("breach")
@click.option("--letter", is_flag=True, help="The letter to the people concerned (Art. 34).")
@output_option()
def export_breach(breach: str, letter: bool, output: Path):
    """Write the notification dossier of BREACH (its id or its reference, VDP-2026-001), laid
    out as the CNIL's online form asks; with --letter, the letter to the people concerned."""
    cli_support.require_current_schema()
    session = get_session()
    column = PersonalDataBreach.id if breach.isdigit() else PersonalDataBreach.reference
    value = int(breach) if breach.isdigit() else breach.strip().upper()
    record = session.scalar(sa.select(PersonalDataBreach).where(column == value))
    if record is None:
        raise click.ClickException(f"unknown breach: {breach}")
    export = export_letter if letter else export_dossier
    data, exported = export(session, record, actor=cli_support.actor())
    _written(session, output, data, exported)


# Mounted by the kernel through this register's SPEC.
EXPORT_COMMANDS = (export_breach_register, export_breach)
