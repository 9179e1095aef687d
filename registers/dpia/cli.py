"""The DPIA register's commands: `compliance dpia review`, run daily (cron or a timer), sends
every validated DPIA whose review date has passed to revision."""

from __future__ import annotations

import click

from compliance import cli_support
from compliance.db import get_session
from registers.dpia import services


@click.group("dpia")
def dpia_group():
    """Data protection impact assessments (AIPD)."""


@dpia_group.command("review")
def review():
    """Send the validated DPIAs whose review date has passed to revision."""
    cli_support.require_current_schema()
    session = get_session()
    revised = services.revise_overdue(session)
    session.commit()
    click.echo(f"{len(revised)} DPIA(s) to revise.")


# Mounted by the kernel through this register's SPEC.
COMMANDS = (dpia_group,)
