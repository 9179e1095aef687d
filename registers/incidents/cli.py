"""The incident log's commands: `compliance export incident REF -o FILE.docx`,
`compliance export incidents [--from DATE] [--to DATE] -o FILE.docx`,
`compliance export corrective-actions -o FILE.docx`, and `compliance incidents reindex`.

The command line sees the whole log; every export is recorded, so the file can be verified."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from sqlmodel import select

from compliance import cli_support
from compliance.cli_options import output_option
from compliance.db import get_session
from registers.incidents import search
from registers.incidents.export import (
    export_action_log,
    export_incident_log,
    export_incident_report,
)
from registers.incidents.models import Incident
from registers.incidents.queries import incident_by_reference


def _session():
    cli_support.require_current_schema()
    return get_session()


def _written(session, output: Path, data: bytes, record) -> None:
    cli_support.write_document(session, output, data, record)


@click.command("incident")
@click.argument("reference")
@output_option()
def export_incident(reference: str, output: Path):
    """Write the report of the incident REFERENCE (e.g. INC-2023-001): summary, timeline,
    impact, external reports, corrective actions and lessons learnt."""
    session = _session()
    incident = incident_by_reference(reference)
    if incident is None:
        raise click.ClickException(f"unknown incident: {reference}")
    data, record = export_incident_report(session, incident, user=None, actor=cli_support.actor())
    _written(session, output, data, record)


def _day(_ctx, _param, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("expected a date YYYY-MM-DD") from None


@click.command("incidents")
@click.option("--from", "date_from", callback=_day, help="First day of detection (YYYY-MM-DD).")
@click.option("--to", "date_to", callback=_day, help="Last day of detection (YYYY-MM-DD).")
@output_option()
def export_incidents(date_from: date | None, date_to: date | None, output: Path):
    """Write the incident log of a period (by date of detection, Paris time)."""
    if date_from and date_to and date_from > date_to:
        raise click.BadParameter("--to precedes --from")
    session = _session()
    data, record = export_incident_log(
        session, user=None, actor=cli_support.actor(), date_from=date_from, date_to=date_to
    )
    _written(session, output, data, record)


@click.command("corrective-actions")
@output_option()
def export_corrective_actions(output: Path):
    """Write the corrective-action log: every nonconformity, its action and its effectiveness
    check (the evidence ISO/IEC 27001:2022 §10.2 asks for)."""
    session = _session()
    data, record = export_action_log(session, user=None, actor=cli_support.actor())
    _written(session, output, data, record)


@click.group("incidents")
def incidents_group():
    """The incident log."""


@incidents_group.command("reindex")
def reindex():
    """Rebuild the search index of the encrypted text (after a change of secret key)."""
    session = _session()
    count = 0
    for incident in session.scalars(select(Incident)):
        search.reindex(session, incident)
        count += 1
    session.commit()
    click.echo(f"Search index rebuilt for {count} incident(s).")


# Mounted by the kernel through this register's SPEC.
COMMANDS = (incidents_group,)
EXPORT_COMMANDS = (export_incident, export_incidents, export_corrective_actions)
