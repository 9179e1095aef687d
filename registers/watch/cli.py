"""The security watch's commands: `compliance import advisories PATH` (a CSAF 2.0 document or
CVE JSON 5 record, or a folder of them) and `compliance export watch --from DATE --to DATE
[--organisation SLUG] -o FILE.docx` (the bulletin de veille)."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from sqlalchemy.orm import Session

from compliance import cli_support
from compliance.cli_options import output_option
from compliance.db import get_session
from compliance.tenancy import Organisation
from registers.watch.export import export_bulletin
from registers.watch.importer import Outcome, documents_at, import_document


def import_path(session: Session, path: Path, *, actor) -> list[Outcome]:
    """Import a file or each JSON file of a folder, one transaction per file: a refused file
    writes nothing and does not stop the others."""
    outcomes = []
    for file in documents_at(path):
        outcome = import_document(session, file.read_bytes(), file.name, actor=actor)
        if outcome.status == "refused":
            session.rollback()
        else:
            session.commit()
        outcomes.append(outcome)
    return outcomes


@click.command("advisories")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def import_advisories(path: Path):
    """Import security advisories from a JSON file or from every .json file of a folder:
    CSAF 2.0 documents (the reference is document.tracking.id) and CVE JSON 5 records (the
    CVE id). Each file is imported in its own transaction; a file whose reference is already
    recorded changes nothing unless it is a later revision (a CSAF document's tracking.version
    and current_release_date, a CVE record's dateUpdated), which updates the advisory, its
    treatments kept; a malformed one is refused with the path in the JSON where it went
    wrong, and nothing of it is written. Each new or updated advisory is matched against the
    application map."""
    cli_support.require_current_schema()
    session = get_session()
    outcomes = import_path(session, path, actor=cli_support.actor())
    for outcome in outcomes:
        click.echo(outcome.line(), err=outcome.status == "refused")
    counts = dict.fromkeys(("created", "updated", "present", "refused"), 0)
    for outcome in outcomes:
        counts[outcome.status] += 1
    click.echo(
        f"{counts['created']} imported, {counts['updated']} updated, "
        f"{counts['present']} already present, {counts['refused']} refused."
    )
    if counts["refused"]:
        raise SystemExit(1)


# Mounted by the kernel through this register's SPEC.
IMPORT_COMMANDS = (import_advisories,)


@click.command("watch")
@click.option(
    "--from",
    "start",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="First day of the period (YYYY-MM-DD).",
)
@click.option(
    "--to",
    "end",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="Last day of the period (YYYY-MM-DD).",
)
@click.option(
    "--organisation",
    "slug",
    default=None,
    help="Only this member's exposure (its slug); default: every member.",
)
@output_option()
def export_watch(start, end, slug: str | None, output: Path):
    """Write the Word "bulletin de veille": the advisories published in the period, the members
    exposed and the state of their treatments. The export is recorded."""
    cli_support.require_current_schema()
    if start > end:
        raise click.ClickException("--from must not be after --to")
    session = get_session()
    organisation = None
    if slug:
        organisation = session.scalar(sa.select(Organisation).where(Organisation.slug == slug))
        if organisation is None:
            raise click.ClickException(f"unknown organisation: {slug}")
    data, record = export_bulletin(
        session, start.date(), end.date(), organisation, actor=cli_support.actor()
    )
    cli_support.write_document(session, output, data, record)


EXPORT_COMMANDS = (export_watch,)
