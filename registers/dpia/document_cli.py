"""The DPIA register's document commands: `compliance export dpia ID -o FILE.docx` (or `--pdf`, or
`--format pia-json -o FILE.json`, the CNIL PIA software's file) and
`compliance import dpia FILE --activity REF [--org SLUG]`, which starts a DPIA of that
activity from such a file.

The command line sees every organisation; every Word export is recorded, so the file can be
verified."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from sqlmodel import select

from compliance import cli_support
from compliance.cli_options import output_option
from compliance.db import get_session
from compliance.tenancy import Organisation
from registers.dpia import pia_json
from registers.dpia.export import export_dpia
from registers.dpia.models import Dpia
from registers.dpia.queries import OPTIONS
from registers.dpia.services import WorkflowError
from registers.processing.models import ProcessingActivity

WORD, PIA_JSON = "docx", "pia-json"


def _session():
    cli_support.require_current_schema()
    return get_session()


def _organisation(session, slug: str | None) -> Organisation | None:
    if slug is None:
        return None
    organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise click.ClickException(f"unknown organisation: {slug}")
    return organisation


def find_dpia(session, identifier: str, slug: str | None = None) -> Dpia:
    """A DPIA by its id, or by its reference (AIPD-001) within --org when several share it."""
    statement = select(Dpia).options(*OPTIONS)
    if identifier.isdigit():
        statement = statement.where(Dpia.id == int(identifier))
    else:
        statement = statement.where(Dpia.reference == identifier.strip().upper())
    organisation = _organisation(session, slug)
    if organisation is not None:
        statement = statement.where(Dpia.organisation_id == organisation.id)
    found = list(session.scalars(statement.limit(2)))
    if not found:
        raise click.ClickException(f"unknown DPIA: {identifier}")
    if len(found) > 1:
        raise click.ClickException(f"several DPIAs are {identifier}: name the organisation (--org)")
    return found[0]


@click.command("dpia")
@click.argument("identifier")
@click.option("--org", "slug", default=None, help="The organisation, when a reference is shared.")
@click.option(
    "--format",
    "kind",
    type=click.Choice([WORD, PIA_JSON]),
    default=WORD,
    show_default=True,
    help="docx: the Word document (or its PDF); pia-json: the CNIL PIA software's file.",
)
@output_option(help="The file to write (.docx; a .pdf name or --pdf writes a PDF; .json).")
def export_dpia_command(identifier: str, slug: str | None, kind: str, output: Path):
    """Write the DPIA IDENTIFIER (its id, or its reference AIPD-001): the Word document in the
    CNIL method's structure, with the risk map and the action plan, or the PIA software's file."""
    session = _session()
    dpia = find_dpia(session, identifier, slug)
    if kind == PIA_JSON:
        data = pia_json.export_pia(session, dpia, actor=cli_support.actor())
        session.commit()
        output.write_bytes(data)
        click.echo(f"Written {output} ({len(data)} bytes), CNIL PIA file of {dpia.reference}.")
        return
    data, record = export_dpia(session, dpia, actor=cli_support.actor())
    cli_support.write_document(session, output, data, record)


def find_activity(session, reference: str, slug: str | None) -> ProcessingActivity:
    statement = select(ProcessingActivity).where(
        sa.func.upper(ProcessingActivity.reference) == reference.strip().upper()
    )
    organisation = _organisation(session, slug)
    if organisation is not None:
        statement = statement.where(ProcessingActivity.organisation_id == organisation.id)
    found = list(session.scalars(statement.limit(2)))
    if not found:
        raise click.ClickException(f"unknown processing activity: {reference}")
    if len(found) > 1:
        raise click.ClickException(
            f"several activities are {reference}: name the organisation (--org)"
        )
    return found[0]


@click.command("dpia")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--activity", "reference", required=True, help="The processing activity's reference.")
@click.option("--org", "slug", default=None, help="The organisation, when a reference is shared.")
def import_dpia_command(file: Path, reference: str, slug: str | None):
    """Start a DPIA of the activity REF from FILE, a PIA exported by the CNIL's PIA software
    (or by this register). Nothing is written when the file cannot be read."""
    session = _session()
    activity = find_activity(session, reference, slug)
    try:
        dpia, content = pia_json.import_pia(
            session, file.read_bytes(), activity, actor=cli_support.actor()
        )
    except (pia_json.PiaFileError, WorkflowError) as error:
        session.rollback()
        raise click.ClickException(str(error)) from None
    session.commit()
    click.echo(f"DPIA {dpia.reference} (id {dpia.id}) created as a draft: {dpia.title}.")
    if content["ignored_answers"]:
        click.echo(f"{content['ignored_answers']} answer(s) outside the CNIL structure ignored.")
    if content["comments"]:
        click.echo(f"{content['comments']} comment(s) of the PIA software not imported.")


EXPORT_COMMANDS = (export_dpia_command,)
IMPORT_COMMANDS = (import_dpia_command,)
