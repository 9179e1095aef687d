"""The audits register's commands: `compliance export review --id N -o FILE.docx` (a management
review, its figures frozen once held) and `compliance export audit --reference AUD-2026-001
-o FILE.docx` (an internal audit report)."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa

from compliance import cli_support
from compliance.cli_options import output_option
from compliance.db import get_session
from registers.audits.export import export_audit, export_review
from registers.audits.models import Audit, ManagementReview


@click.command("review")
@click.option("--id", "review_id", type=int, default=None, help="The review's id.")
@click.option("--reference", default=None, help="The review's reference (RD-2025-001).")
@output_option()
def export_review_command(review_id: int | None, reference: str | None, output: Path):
    """Write a management review: every register's inputs for its period (frozen once the
    review is held), the decisions and the actions decided. The export is recorded."""
    cli_support.require_current_schema()
    session = get_session()
    if review_id is not None:
        review = session.get(ManagementReview, review_id)
    elif reference:
        review = session.scalar(
            sa.select(ManagementReview).where(ManagementReview.reference == reference)
        )
    else:
        raise click.UsageError("give --id or --reference")
    if review is None:
        raise click.ClickException("unknown management review")
    data, record = export_review(session, review, actor=cli_support.actor())
    cli_support.write_document(session, output, data, record)


@click.command("audit")
@click.option("--reference", required=True, help="The audit's reference (AUD-2026-001).")
@output_option()
def export_audit_command(reference: str, output: Path):
    """Write an internal audit report: scope, criteria, auditor, findings and the corrective
    actions they opened. The export is recorded."""
    cli_support.require_current_schema()
    session = get_session()
    record = session.scalar(sa.select(Audit).where(Audit.reference == reference))
    if record is None:
        raise click.ClickException(f"unknown audit: {reference}")
    data, exported = export_audit(session, record, actor=cli_support.actor())
    cli_support.write_document(session, output, data, exported)


# Mounted by the kernel through this register's SPEC.
EXPORT_COMMANDS = (export_review_command, export_audit_command)
