"""Options shared by the `compliance` commands of the kernel and of the registers."""

from __future__ import annotations

from pathlib import Path

import click


def output_option(help: str = "The .docx file to write."):
    """`-o/--output FILE`, required: the file a command writes."""
    return click.option(
        "-o",
        "--output",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help=help,
    )


def max_rows_option():
    """`--max-rows N` of the import commands: raises COMPLIANCE_IMPORT_MAX_ROWS for one file."""
    return click.option(
        "--max-rows",
        type=click.IntRange(min=1),
        default=None,
        help="Accept up to this many rows (default: COMPLIANCE_IMPORT_MAX_ROWS).",
    )
