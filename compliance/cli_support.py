"""What the `compliance` commands of the kernel and of the registers share: the application of
the invocation, the actor the audit trail names, and the schema check."""

from __future__ import annotations

import getpass
from pathlib import Path

import click
from flask import Flask

from compliance.cli_options import PDF_FLAG
from compliance.documents import export_pdf
from compliance.pdf import PdfUnavailable, soffice_path
from compliance.schema import is_current


def actor() -> str:
    """The audit trail's actor of a command: the system user who ran it."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def app() -> Flask:
    """The application of this invocation (made once by the root group)."""
    return click.get_current_context().find_root().obj


def require_current_schema() -> None:
    """Refuse to work on a database whose schema is behind the code."""
    if not is_current(app().extensions["db"].bind):
        raise click.ClickException(
            "The database is behind the code: run `compliance init` to upgrade it."
        )


def wants_pdf(output: Path) -> bool:
    """The command was asked for a PDF: `--pdf`, or an output file named .pdf."""
    context = click.get_current_context(silent=True)
    flag = bool(context and context.meta.get(PDF_FLAG))
    return flag or output.suffix.lower() == ".pdf"


def write_document(session, output: Path, data: bytes, record) -> None:
    """Keep the export and write it: the .docx, or its PDF (made by LibreOffice from the same
    .docx and recorded with it) when the command was asked for one."""
    if wants_pdf(output):
        if soffice_path() is None:
            session.rollback()
            raise click.ClickException(
                "LibreOffice is not installed on this machine (soffice): no PDF. "
                "Install it with `make system-deps` (Debian's libreoffice-writer-nogui)."
            )
        try:
            data = export_pdf(session, data, record, actor())
        except PdfUnavailable as error:
            session.rollback()
            raise click.ClickException(f"LibreOffice could not make the PDF: {error}") from None
    session.commit()
    output.write_bytes(data)
    click.echo(f"Written {output} ({len(data)} bytes), export {record.reference}.")
    click.echo(f"SHA-256 {record.pdf_sha256 if wants_pdf(output) else record.sha256}")
