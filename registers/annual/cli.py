"""The report's command: `compliance export annual-report --org SLUG --year YYYY -o FILE.docx`
(`--org all`: the whole service)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
import sqlalchemy as sa

from compliance import cli_support
from compliance.cli_options import output_option
from compliance.db import get_session
from compliance.i18n import PARIS
from compliance.tenancy import Organisation
from registers.annual.export import export_annual_report
from registers.annual.queries import served_organisations
from registers.annual.report import host_organisation, member_report, service_report
from registers.annual.schemas import FIRST_YEAR, LAST_YEAR

ALL = "all"


@click.command("annual-report")
@click.option("--org", "slug", required=True, help="The member organisation (its slug), or 'all'.")
@click.option(
    "--year",
    type=click.IntRange(FIRST_YEAR, LAST_YEAR),
    help="The civil year reported on (default: the current one).",
)
@output_option()
def export_annual(slug: str, year: int | None, output: Path):
    """Write the DPO's annual report (bilan annuel) of a member, or with --org all of the
    whole service (every figure the sum of the members'): processing activities, breaches,
    rights requests, awareness sessions, recommendations and charts. The export is recorded,
    so the file can be verified later."""
    cli_support.require_current_schema()
    session = get_session()
    year = year or datetime.now(PARIS).year
    if slug == ALL:
        host = host_organisation(session)
        if host is None:
            raise click.ClickException("no organisation hosts the service")
        organisations = served_organisations(session, year)
        report = service_report(session, host, organisations, year)
    else:
        organisation = session.scalar(sa.select(Organisation).where(Organisation.slug == slug))
        if organisation is None:
            raise click.ClickException(f"unknown organisation: {slug}")
        report = member_report(session, organisation, year)
    data, record = export_annual_report(session, report, actor=cli_support.actor())
    cli_support.write_document(session, output, data, record)


# Mounted by the kernel through this register's SPEC.
EXPORT_COMMANDS = (export_annual,)
