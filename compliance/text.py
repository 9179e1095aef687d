"""Input hygiene: which characters and JSON types a submitted text value may hold, and how text
already stored is made safe for XML (Word) and spreadsheet (XLSX) output.

Every door a value comes in by (forms, the API converters, the importers, and a last check of
the session before it writes) refuses the same characters through `clean_text`/`check_text`, so
no register can forget it. Refused: control characters (tab, line feed and carriage return
aside), Unicode non-characters (U+FFFE, U+FFFF, U+FDD0-U+FDEF and the last two code points of
every plane) and lone surrogates. In a one-line field, tabs and line breaks are folded into one
space, as a browser does for a one-line input.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from compliance.services import FieldErrors

# The largest number an INTEGER column holds, on every backend.
INT_MAX = 2**31 - 1
# The largest id: ids are INTEGER columns, and PostgreSQL refuses to compare one with a larger
# number ("integer out of range") where SQLite overflows past 2^63 - 1. A larger id names no
# record.
MAX_ID = INT_MAX
# Text fields of at most this many characters are one line (names, titles, references).
ONE_LINE = 300

_NON_CHARACTERS = "\ufdd0-\ufdef\ufffe\uffff"
_SURROGATES = "\ud800-\udfff"
# Refused in any text: C0 controls but tab, LF and CR; DEL and the C1 controls.
_FORBIDDEN = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_NON_CHARACTERS}{_SURROGATES}]")
_LINE_BREAKS = re.compile(r"[\t\r\n]+")
# What XML 1.0 cannot carry at all (or docxtpl would read as a paragraph or page break), and
# what openpyxl refuses in a cell: removed from stored text on its way into a document.
_XML_INVALID = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_NON_CHARACTERS}{_SURROGATES}]")
# The last two code points of planes 1 to 16 are non-characters too. A class of characters
# beyond the first plane makes a pattern about ten times slower, so it runs only on text that
# holds such a character at all.
_BEYOND_FIRST_PLANE = re.compile("[\U00010000-\U0010ffff]")
_PLANE_ENDS = re.compile(
    "["
    + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(1, 17))
    + "]"
)

INVALID_CHARACTER = _l("contient un caractère interdit (caractère de contrôle ou non-caractère)")
NOT_TEXT = _l("doit être du texte")


def forbidden_character(value: str) -> str | None:
    """The first character `value` may not hold, or None."""
    match = _FORBIDDEN.search(value)
    if match is None and _BEYOND_FIRST_PLANE.search(value):
        match = _PLANE_ENDS.search(value)
    return match.group() if match else None


def check_text(value: str, *, field: str) -> None:
    """Raise FieldErrors({field: ...}) when `value` holds a refused character."""
    if forbidden_character(value) is not None:
        raise FieldErrors({field: INVALID_CHARACTER})


def text_value(value: Any, *, multiline: bool = True) -> str | None:
    """A submitted text value, checked: None stays None; a number becomes its text (a
    spreadsheet cell holding a version number); a list, an object or a boolean is refused, as is
    a refused character (ValueError with the message). One-line fields fold tabs and line
    breaks into one space; line ends become LF."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError(str(NOT_TEXT))
    value = value if isinstance(value, str) else str(value)
    if forbidden_character(value) is not None:
        raise ValueError(str(INVALID_CHARACTER))
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        value = _LINE_BREAKS.sub(" ", value)
    return value


def clean_text(value: Any, *, field: str, multiline: bool = True) -> str | None:
    """`text_value`, raising FieldErrors({field: message}) instead."""
    try:
        return text_value(value, multiline=multiline)
    except ValueError as error:
        raise FieldErrors({field: str(error)}) from None


def xml_safe(value: str) -> str:
    """Stored text with what XML and spreadsheets cannot hold removed (text written before
    these checks existed, or by another program)."""
    value = _XML_INVALID.sub("", value)
    if _BEYOND_FIRST_PLANE.search(value):
        value = _PLANE_ENDS.sub("", value)
    return value


def xml_safe_data(value: Any) -> Any:
    """`xml_safe` applied to every string inside dicts, lists and tuples (a document's context)."""
    if isinstance(value, str):
        cleaned = xml_safe(value)
        if cleaned is value or cleaned == value:
            return value
        return type(value)(cleaned) if type(value) is not str else cleaned
    if isinstance(value, dict):
        return {key: xml_safe_data(item) for key, item in value.items()}
    if isinstance(value, list):
        return [xml_safe_data(item) for item in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(xml_safe_data(item) for item in value)
    return value


def bounded_id(value: Any) -> int | None:
    """An id from a URL, a query string or a body: an int between 1 and MAX_ID, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isascii() or not value.isdigit():
            return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 1 <= number <= MAX_ID else None


def _elides(text: str) -> bool:
    """True when French elides before `text`: it starts with a vowel or a (mute) h."""
    first = unicodedata.normalize("NFD", text[:1]).lower()[:1]
    return bool(first) and first in "aeiouyh"


def de(name: Any) -> str:
    """'de' before a name as French writes it: « d'Ivry-sur-Seine », « de Vitry-sur-Seine »,
    « du Kremlin-Bicêtre » (Le …), « des Lilas » (Les …), « de La Courneuve »."""
    text = str(name or "").strip()
    if text.startswith("Le "):
        return f"du {text[3:]}"
    if text.startswith("Les "):
        return f"des {text[4:]}"
    return f"d'{text}" if _elides(text) else f"de {text}"
