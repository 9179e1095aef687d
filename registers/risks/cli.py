"""The risk register's command: `compliance export risks --org SLUG -o FILE.docx`, the risk
treatment plan of one organisation (the syndicate or a member)."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa

from compliance import cli_support
from compliance.cli_options import output_option
from compliance.db import get_session
from compliance.tenancy import Organisation
from registers.risks.export import export_plan


@click.command("risks")
@click.option("--org", "slug", required=True, help="The organisation (its slug).")
@output_option()
def export_risks(slug: str, output: Path):
    """Write the risk treatment plan of one organisation: the heat maps before and after
    treatment, and each risk with its treatment, measures, owner, residual level and
    acceptance. The export is recorded."""
    cli_support.require_current_schema()
    session = get_session()
    organisation = session.scalar(sa.select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise click.ClickException(f"unknown organisation: {slug}")
    data, record = export_plan(session, organisation, actor=cli_support.actor())
    cli_support.write_document(session, output, data, record)


# Mounted by the kernel through this register's SPEC.
EXPORT_COMMANDS = (export_risks,)
