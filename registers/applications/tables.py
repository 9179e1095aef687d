"""Reading a spreadsheet as French public bodies send it: CSV with commas or semicolons, in UTF-8
(with or without BOM) or Windows-1252, or an XLSX workbook (its first sheet)."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app, has_app_context
from flask_babel import gettext as _

XLSX_MAGIC = b"PK\x03\x04"
DELIMITERS = (";", ",", "\t")


@dataclass
class Table:
    """The header and the rows of a file, each row with its line number (the header is line 1
    of a CSV file, or the first row of the sheet)."""

    header: list[str] = field(default_factory=list)
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def read_table(data: bytes, filename: str = "", *, max_rows: int | None = None) -> Table:
    """Read CSV or XLSX bytes (XLSX is recognised by its content, whatever the file name).

    A file of more than `max_rows` data rows (by default the IMPORT_MAX_ROWS setting) is
    refused as soon as the row past the limit is read: one request must not hold the database
    for minutes."""
    if max_rows is None:
        max_rows = default_max_rows()
    if data.startswith(XLSX_MAGIC) or filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data, max_rows)
    text, error = decode(data)
    if error is not None:
        return Table(errors=[error])
    return _read_csv(text, max_rows)


def default_max_rows() -> int | None:
    if has_app_context():
        return current_app.config.get("IMPORT_MAX_ROWS")
    return None


def _too_many(table: Table, line: int, max_rows: int | None) -> bool:
    """Whether the table now holds more rows than allowed; if so it keeps only the error."""
    if max_rows is None or len(table.rows) <= max_rows:
        return False
    table.rows = []
    table.errors = [
        (
            line,
            _(
                "le fichier dépasse la limite de %(max)d lignes par import : découpez-le en "
                "plusieurs fichiers (limite réglée par COMPLIANCE_IMPORT_MAX_ROWS)",
                max=max_rows,
            ),
        )
    ]
    return True


def _line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def decode(data: bytes) -> tuple[str, tuple[int, str] | None]:
    """The text of the file: UTF-8 (BOM or not), else Windows-1252; otherwise an error on the
    line of the first byte neither can read."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        return "", (
            _line_of(data, error.start),
            _("encodage illisible (ni UTF-8 ni Windows-1252)"),
        )
    if "\x00" in text:
        # UTF-16 or a binary file: Windows-1252 "reads" it as text full of NUL characters.
        return "", (
            _line_of(data, data.index(b"\x00")),
            _("encodage illisible (ni UTF-8 ni Windows-1252)"),
        )
    return text, None


def sniff_delimiter(header_line: str) -> str:
    """The delimiter of the header line: the most frequent of semicolon, comma and tab."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(text: str, max_rows: int | None = None) -> Table:
    if not text.strip():
        return Table(errors=[(1, _("le fichier est vide"))])
    header_line = text.lstrip("\r\n").split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(header_line))
    table = Table()
    next_line = 1
    try:
        for record in reader:
            line, next_line = next_line, reader.line_num + 1
            if not table.header:
                table.header = [cell.strip() for cell in record]
                continue
            if any(cell.strip() for cell in record):
                table.rows.append((line, [cell.strip() for cell in record]))
                if _too_many(table, line, max_rows):
                    return table
    except csv.Error as error:
        table.errors.append((next_line, _("CSV illisible : %(error)s", error=error)))
    return table


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_xlsx(data: bytes, max_rows: int | None = None) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        return Table(errors=[(1, _("classeur XLSX illisible : %(error)s", error=error))])
    try:
        table = Table()
        sheet = workbook.worksheets[0]
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell(value) for value in values]
            if not table.header:
                if any(cells):
                    table.header = cells
                continue
            if any(cells):
                table.rows.append((line, cells))
                if _too_many(table, line, max_rows):
                    return table
        if not table.header:
            table.errors.append((1, _("le fichier est vide")))
        return table
    finally:
        workbook.close()
