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
