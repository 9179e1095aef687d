"""Options shared by the `compliance` commands of the kernel and of the registers."""

from __future__ import annotations

from pathlib import Path

import click

PDF_FLAG = "compliance.pdf"


def _remember_pdf(ctx: click.Context, _param, value: bool) -> bool:
    ctx.meta[PDF_FLAG] = bool(value)
    return value


def output_option(help: str = "The .docx file to write (a .pdf name, or --pdf, writes a PDF)."):
    """`-o/--output FILE`, required: the file a command writes; with `--pdf` (or a FILE ending
    in .pdf) a document command writes the PDF LibreOffice makes of the .docx
    (compliance.cli_support.write_document reads the choice)."""

    def decorate(command):
        command = click.option(
            "--pdf",
            is_flag=True,
            expose_value=False,
            callback=_remember_pdf,
            help="Write the PDF of the document (rendered by LibreOffice) instead of the .docx.",
        )(command)
        return click.option(
            "-o",
            "--output",
            required=True,
            type=click.Path(dir_okay=False, path_type=Path),
            help=help,
        )(command)

    return decorate


def max_rows_option():
    """`--max-rows N` of the import commands: raises COMPLIANCE_IMPORT_MAX_ROWS for one file."""
    return click.option(
        "--max-rows",
        type=click.IntRange(min=1),
        default=None,
        help="Accept up to this many rows (default: COMPLIANCE_IMPORT_MAX_ROWS).",
    )
