"""The rights requests register's command: `compliance export rights-requests --org SLUG
[--year YYYY] -o FILE.docx`, the request log of one controller."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa

from compliance import cli_support
from compliance.cli_options import output_option
from compliance.db import get_session
from compliance.tenancy import Organisation
from registers.rights.export import export_log


@click.command("rights-requests")
@click.option("--org", "slug", required=True, help="The organisation (its slug).")
@click.option(
    "--year",
    type=click.IntRange(1900, 9999),
    default=None,
    help="Only the requests received that year (default: every request).",
)
@output_option()
def export_rights_requests(slug: str, year: int | None, output: Path):
    """Write the log of the rights requests one organisation received: reference, receipt,
    right, channel, due dates, status, outcome and whether it was on time, with the counts by
    right and outcome. The people are named by their request's reference only. The export is
    recorded."""
    cli_support.require_current_schema()
    session = get_session()
    organisation = session.scalar(sa.select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise click.ClickException(f"unknown organisation: {slug}")
    data, record = export_log(session, organisation, year, actor=cli_support.actor())
    cli_support.write_document(session, output, data, record)


# Mounted by the kernel through this register's SPEC.
EXPORT_COMMANDS = (export_rights_requests,)
