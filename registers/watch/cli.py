"""The security watch's commands: `compliance import advisories PATH` (a CSAF 2.0 document or
CVE JSON 5 record, or a folder of them) and `compliance export watch --from DATE --to DATE
[--organisation SLUG] -o FILE.docx` (the bulletin de veille)."""

from __future__ import annotations

from pathlib import Path

import click

from compliance import cli_support
from compliance.db import get_session
from registers.watch.importer import import_path


@click.command("advisories")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def import_advisories(path: Path):
    """Import security advisories from a JSON file or from every .json file of a folder:
    CSAF 2.0 documents (the reference is document.tracking.id) and CVE JSON 5 records (the
    CVE id). Each file is imported in its own transaction; a file whose reference is already
    recorded changes nothing; a malformed one is refused with the path in the JSON where it
    went wrong, and nothing of it is written. Each new advisory is matched against the
    application map."""
    cli_support.require_current_schema()
    session = get_session()
    outcomes = import_path(session, path, actor=cli_support.actor())
    for outcome in outcomes:
        click.echo(outcome.line(), err=outcome.status == "refused")
    created = sum(outcome.status == "created" for outcome in outcomes)
    refused = sum(outcome.status == "refused" for outcome in outcomes)
    click.echo(
        f"{created} imported, {len(outcomes) - created - refused} already present, "
        f"{refused} refused."
    )
    if refused:
        raise SystemExit(1)


# Mounted by the kernel through this register's SPEC.
IMPORT_COMMANDS = (import_advisories,)
