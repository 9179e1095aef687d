"""The record of processing activities' commands: `compliance import processing --org SLUG FILE`,
`compliance export register --org SLUG [--version N] -o FILE.docx` and
`compliance export processor-register -o FILE.docx`.

Add a command by writing its function and naming it in the tuples at the end."""

from __future__ import annotations

from pathlib import Path

import click
from sqlmodel import select

from compliance import cli_support
from compliance.cli_options import max_rows_option, output_option
from compliance.db import get_session
from compliance.tenancy import Organisation
from registers.processing.export import export_processor_register as render_processor
from registers.processing.export import export_register as render_register
from registers.processing.importer import import_activities
from registers.processing.publish import find_version


@click.command("processing")
@click.option("--org", "slug", required=True, help="The organisation whose register it is.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@max_rows_option()
def import_processing(slug: str, file: Path, max_rows: int | None):
    """Import processing activities of one organisation from an XLSX or CSV file.

    One row per activity, with the columns of the register's spreadsheet export (reference,
    nom, service, finalites, categories_donnees, personnes, destinataires, mesures,
    applications, …). Several values in a cell are separated by ';', the parts of one value
    by '|'. A row whose reference exists updates that activity; other rows create drafts. A
    file with any bad row is rejected whole, every error given with its line.
    """
    cli_support.require_current_schema()
    session = get_session()
    organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise click.ClickException(f"unknown organisation: {slug}")
    result = import_activities(
        session,
        organisation,
        file.read_bytes(),
        file.name,
        actor=cli_support.actor(),
        max_rows=max_rows,
    )
    if not result.ok:
        session.rollback()
        for line, message in result.errors:
            click.echo(f"{file.name}, line {line}: {message}", err=True)
        raise click.ClickException(f"{len(result.errors)} error(s): nothing was imported.")
    session.commit()
    click.echo(
        f"Imported into {organisation.name}: {len(result.created)} created, "
        f"{len(result.updated)} updated, {len(result.unchanged)} unchanged."
    )


def _written(session, output: Path, data: bytes, record) -> None:
    cli_support.write_document(session, output, data, record)


@click.command("register")
@click.option("--org", "slug", required=True, help="The organisation whose register it is.")
@click.option(
    "--version",
    "number",
    type=click.IntRange(min=1),
    help="A published version (its frozen content) instead of the register as it is today.",
)
@click.option(
    "--validated-only",
    is_flag=True,
    help="Leave out the activities the DPO has not validated (drafts, awaiting validation) "
    "instead of putting them in an annex.",
)
@output_option()
def export_register(slug: str, number: int | None, validated_only: bool, output: Path):
    """Write the Word register of processing activities of one organisation: the controller
    and its DPO, the list of the activities in force (validated by the DPO) and one sheet per
    activity; the others follow in an annex (or are left out with --validated-only). The
    export is recorded, so the file can be verified later."""
    cli_support.require_current_schema()
    session = get_session()
    organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise click.ClickException(f"unknown organisation: {slug}")
    version = None
    if number is not None:
        version = find_version(session, organisation.id, number)
        if version is None:
            raise click.ClickException(f"{slug} has no published version {number}")
    data, record = render_register(
        session,
        organisation,
        actor=cli_support.actor(),
        version=version,
        include_pending=not validated_only,
    )
    _written(session, output, data, record)


@click.command("processor-register")
@output_option()
def export_processor_register(output: Path):
    """Write the Word processor's register (Art. 30(2)) of the organisation that hosts the
    shared applications, derived from the application map and the members' registers."""
    cli_support.require_current_schema()
    session = get_session()
    try:
        data, record = render_processor(session, actor=cli_support.actor())
    except LookupError as error:
        raise click.ClickException(str(error)) from None
    _written(session, output, data, record)


# Mounted by the kernel through this register's SPEC.
IMPORT_COMMANDS = (import_processing,)
EXPORT_COMMANDS = (export_register, export_processor_register)
