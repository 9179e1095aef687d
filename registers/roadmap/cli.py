"""The roadmap's command: `compliance export roadmap --org SLUG -o FILE.docx`."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa

from compliance import cli_support
from compliance.cli_options import output_option
from compliance.db import get_session
from compliance.tenancy import Organisation
from registers.roadmap.export import export_roadmap_report
from registers.roadmap.models import Roadmap


@click.command("roadmap")
@click.option("--org", "slug", required=True, help="The organisation whose roadmap (its slug).")
@click.option("--roadmap", "roadmap_id", type=int, help="Which roadmap, when it has several.")
@output_option()
def export_roadmap(slug: str, roadmap_id: int | None, output: Path):
    """Write the Word report "Feuille de route de cybersécurité" of an organisation: summary,
    progress and budget charts, actions by theme, what is late and why, hygiene-measure
    coverage. The export is recorded, so the file can be verified later."""
    cli_support.require_current_schema()
    session = get_session()
    organisation = session.scalar(sa.select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise click.ClickException(f"unknown organisation: {slug}")
    statement = sa.select(Roadmap).where(Roadmap.organisation_id == organisation.id)
    if roadmap_id is not None:
        statement = statement.where(Roadmap.id == roadmap_id)
    else:
        statement = statement.where(Roadmap.archived_at.is_(None))
    roadmap = session.scalar(statement.order_by(Roadmap.end_on.desc(), Roadmap.id.desc()).limit(1))
    if roadmap is None:
        raise click.ClickException(f"{organisation.name} has no such roadmap")
    data, record = export_roadmap_report(session, roadmap, actor=cli_support.actor())
    cli_support.write_document(session, output, data, record)


# Mounted by the kernel through this register's SPEC.
EXPORT_COMMANDS = (export_roadmap,)
