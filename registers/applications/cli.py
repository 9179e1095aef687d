"""The application map's commands: `compliance import applications FILE [--dry-run]` and
`compliance export application-map [--org SLUG] -o FILE.docx`.

Add a command by writing its function and naming it in the tuples at the end."""

from __future__ import annotations

from pathlib import Path

import click
from sqlmodel import select

from compliance import cli_support
from compliance.cli_options import max_rows_option, output_option
from compliance.db import get_session
from compliance.tenancy import Organisation
from registers.applications.export import export_application_map as export_map
from registers.applications.importer import apply_import, plan_file


@click.command("applications")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@max_rows_option()
def import_applications(file: Path, dry_run: bool, max_rows: int | None):
    """Import the application catalogue from a CSV or XLSX file.

    Columns: domaine, fonctionnalite, logiciel, fournisseur (required), and optionally
    description, version, statut, responsable, hebergement, pays, disponibilite, integrite,
    confidentialite, tracabilite, rto, rpo, notes, organisation (slug or name) and depuis.
    A file with any bad row is rejected whole; re-importing a file changes nothing.
    """
    cli_support.require_current_schema()
    session = get_session()
    plan = plan_file(session, file.read_bytes(), file.name, max_rows=max_rows)
    if not plan.ok:
        for line, message in plan.errors:
            click.echo(f"{file.name}, line {line}: {message}", err=True)
        raise click.ClickException(f"{len(plan.errors)} error(s): nothing was imported.")
    for line in plan.summary():
        click.echo(line)
    for item in plan.items:
        if item.action == "update":
            described = "; ".join(
                f"{name}: {old!r} -> {new!r}" for name, (old, new) in item.changes.items()
            )
            click.echo(f"  update {item.kind} {item.label}: {described}")
    if dry_run:
        click.echo("Dry run: nothing was written.")
        return
    if not plan.has_changes:
        click.echo("Nothing to change: the register already matches the file.")
        return
    result = apply_import(session, plan, actor=cli_support.actor(), source=file.name)
    session.commit()
    click.echo(f"Imported: {result.total_created} created, {result.total_updated} updated.")


@click.command("application-map")
@click.option("--org", "slug", help="Only this member organisation's applications (its slug).")
@output_option()
def export_application_map(slug: str | None, output: Path):
    """Write the Word document "Cartographie applicative": the whole catalogue, or one member's
    applications with --org. The export is recorded, so the file can be verified later."""
    cli_support.require_current_schema()
    session = get_session()
    organisation = None
    if slug:
        organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
        if organisation is None:
            raise click.ClickException(f"unknown organisation: {slug}")
    data, record = export_map(
        session, user=None, actor=cli_support.actor(), organisation=organisation
    )
    cli_support.write_document(session, output, data, record)


# Mounted by the kernel through this register's SPEC.
IMPORT_COMMANDS = (import_applications,)
EXPORT_COMMANDS = (export_application_map,)
