"""The project's value types, declared once and used by every register's schemas.

Each type is an annotated type: the Python type a column holds, with the converter that turns a
submitted value (a Python value from a form, text from a spreadsheet, JSON from the API) into it
or refuses it with a French message (translated through gettext). A blank value (None, or text
of only spaces) means "not given": `compliance.schemas.Input` turns it into None before these
converters run, so a required field left blank is refused as "est obligatoire" and an optional
one becomes None. Length, minimum and maximum are constraints of the field
(`Field(max_length=200)`, `Field(ge=1, le=4)`), so a column and its check say it once.

- `Line`, `Text`: text that refuses control characters; `Line` folds line breaks (one line).
- `Instant`: a moment, stored in UTC; ISO 8601 text or a naive datetime is read as Paris time.
- `Day`: a date, ISO 8601 (2026-01-31) or French (31/01/2026).
- `Flag`: a boolean, from a boolean or French and English words (oui/non, vrai/faux, x...).
- `WholeNumber`, `Euros`: whole numbers (amounts are whole euros: a plan is budgeted to the euro).
- `Id`, `Ids`: a record id (what an INTEGER column holds), a list of distinct ids.
- `Code[E]`: a value of the enumeration E, given as its code.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from annotated_types import Ge, Le
from flask_babel import lazy_gettext as _l
from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from compliance.i18n import PARIS
from compliance.text import INT_MAX, MAX_ID, text_value

__all__ = [
    "Code",
    "Day",
    "Euros",
    "Flag",
    "Id",
    "Ids",
    "Instant",
    "Line",
    "Text",
    "WholeNumber",
    "as_utc",
    "is_blank",
    "parse_day",
    "parse_flag",
    "parse_instant",
]

MESSAGES = {
    "required": _l("est obligatoire"),
    "unknown": _l("champ inconnu"),
    "text": _l("doit être du texte"),
    "day": _l("doit être une date (AAAA-MM-JJ)"),
    "instant": _l("doit être une date et une heure (AAAA-MM-JJTHH:MM)"),
    "flag": _l("doit valoir vrai ou faux"),
    "whole": _l("doit être un nombre entier"),
    "id": _l("doit être un identifiant"),
    "ids": _l("doit être une liste d'identifiants"),
    "list": _l("doit être une liste"),
    "object": _l("doit être un objet"),
    "invalid": _l("valeur invalide"),
}


def is_blank(value: Any) -> bool:
    """None, or text holding only spaces: a value not given."""
    return value is None or (isinstance(value, str) and not value.strip())


def _text(multiline: bool):
    def convert(value):
        if is_blank(value):
            return None
        value = text_value(value, multiline=multiline).strip()
        return value or None

    return convert


def as_utc(value: datetime | None) -> datetime | None:
    """An aware instant in UTC; a naive one is read as Paris time (what people type)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=PARIS)
    return value.astimezone(UTC)


def parse_instant(value):
    """An aware datetime, or ISO 8601 text; without an offset it is Paris time."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return as_utc(value)
    if not isinstance(value, str):
        raise ValueError(str(MESSAGES["instant"]))
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(str(MESSAGES["instant"])) from None
    return as_utc(parsed)


_DAY_PATTERNS = (
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), "ymd"),
    (re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})"), "dmy"),
)


def parse_day(value):
    """A date: a date, ISO 8601 text (2022-01-31) or French text (31/01/2022)."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        raw = value.strip()
        for pattern, order in _DAY_PATTERNS:
            match = pattern.fullmatch(raw)
            if match:
                parts = dict(zip(order, map(int, match.groups()), strict=True))
                try:
                    return date(parts["y"], parts["m"], parts["d"])
                except ValueError:
                    break
    raise ValueError(str(MESSAGES["day"]))


TRUE_WORDS = frozenset({"1", "true", "yes", "y", "oui", "o", "vrai", "x"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "non", "faux"})


def parse_flag(value):
    """True, False, or None when not given (unknown)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if not word:
            return None
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise ValueError(str(MESSAGES["flag"]))


def _whole(message_key: str):
    def convert(value):
        if is_blank(value):
            return None
        if isinstance(value, bool):
            raise ValueError(str(MESSAGES[message_key]))
        try:
            if isinstance(value, str):
                number = float(value.strip().replace(",", ".").replace(" ", ""))
            elif isinstance(value, int | float | Decimal):
                number = value
            else:
                raise TypeError
            if number != int(number):
                raise ValueError
            return int(number)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(str(MESSAGES[message_key])) from None

    return convert


def _id(value):
    number = _whole("id")(value)
    if number is not None and not 1 <= number <= MAX_ID:
        raise ValueError(str(MESSAGES["id"]))
    return number


def _ids(value):
    if is_blank(value):
        return []
    if not isinstance(value, list | tuple | set | frozenset):
        raise ValueError(str(MESSAGES["ids"]))
    return sorted({_id(item) for item in value if not is_blank(item)})


def _code(value):
    if isinstance(value, str):
        return value.strip() or None
    return getattr(value, "value", value)


Line = Annotated[str, BeforeValidator(_text(multiline=False))]
Text = Annotated[str, BeforeValidator(_text(multiline=True))]
Instant = Annotated[datetime, BeforeValidator(parse_instant)]
Day = Annotated[date, BeforeValidator(parse_day)]
Flag = Annotated[bool, BeforeValidator(parse_flag)]
# Without a stated maximum, what an INTEGER column holds.
WholeNumber = Annotated[int, BeforeValidator(_whole("whole")), Le(INT_MAX)]
Euros = Annotated[int, BeforeValidator(_whole("whole")), Ge(0), Le(INT_MAX)]
Id = Annotated[int, BeforeValidator(_id)]
Ids = Annotated[list[int], BeforeValidator(_ids)]

E = TypeVar("E")
Code = Annotated[E, BeforeValidator(_code)]


# --- names compared by a normalised key, country codes ---------------------------------------
# The application map's vendors and applications are compared by a key that ignores accents,
# case, punctuation and spaces; the registers that cite them (processing activities, incidents,
# the roadmap) compare names the same way.

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_COUNTRY = re.compile(r"[A-Z]{2}")

MESSAGES["key"] = _l("doit contenir des lettres ou des chiffres")
MESSAGES["country"] = _l("doit être un code pays ISO 3166 à deux lettres")


def normalise_key(text: str | None) -> str:
    """Lowercase ASCII letters and digits only: accents, case, punctuation and spaces ignored,
    so that `BERGER-LEVRAULT` and `Berger Levrault` give the same key."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_LIGATURES))
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "", ascii_text.lower())


def _vendor_name(value):
    name = _text(multiline=False)(value)
    if name is not None and not normalise_key(name):
        raise ValueError(str(MESSAGES["key"]))
    return name


def _country(value):
    if is_blank(value):
        return None
    code = str(value).strip().upper()
    if not _COUNTRY.fullmatch(code):
        raise ValueError(str(MESSAGES["country"]))
    return code


# A vendor's name: one line, holding at least a letter or a digit (its key is not empty).
VendorName = Annotated[str, BeforeValidator(_vendor_name)]
# An ISO 3166-1 alpha-2 country code, upper case (fr -> FR).
Country = Annotated[str, BeforeValidator(_country)]

__all__ += ["Country", "VendorName", "normalise_key"]


# --- answers and list filters -----------------------------------------------------------------

SWITCH_WORDS = frozenset({"1", "true", "yes", "on", "oui"})


def _switch(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in SWITCH_WORDS


# A list filter's box: on when it says so (1, true, yes, on, oui), off otherwise, never an error.
Switch = Annotated[bool, BeforeValidator(_switch)]
# An instant as the API has always written it: ISO 8601 with its offset (…T10:00:00+00:00).
Stamp = Annotated[
    datetime,
    PlainSerializer(lambda value: value.isoformat(), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]

__all__ += ["Stamp", "Switch"]


# --- reasons that must say something ----------------------------------------------------------
# A reason the law asks for (why a notification is late, why a breach is not one or is not
# notified, why an activity is validated all the same) is read by the supervisory authority or
# an auditor: "x" or "RAS" is not a reason. At least a few words.

SENTENCE_MIN_LETTERS = 20
SENTENCE_MIN_WORDS = 3
MESSAGES["sentence"] = _l(
    "doit être rédigé en une phrase au moins (%(words)s mots et %(letters)s lettres minimum)",
    words=SENTENCE_MIN_WORDS,
    letters=SENTENCE_MIN_LETTERS,
)


def says_something(text: str | None) -> bool:
    """Whether a written reason is a sentence: a few words of two letters or more."""
    text = (text or "").strip()
    words = re.findall(r"[^\W\d_]{2,}", text)
    letters = sum(1 for character in text if character.isalpha())
    return len(words) >= SENTENCE_MIN_WORDS and letters >= SENTENCE_MIN_LETTERS


def _sentence(value):
    text = _text(multiline=True)(value)
    if text is None:
        return None
    if not says_something(text):
        raise ValueError(str(MESSAGES["sentence"]))
    return text


# Multi-line text that says something: at least a few words (a reason, a justification). For
# input schemas only: a stored value is read back as `Text`.
Sentence = Annotated[str, BeforeValidator(_sentence)]

__all__ += ["Sentence", "says_something"]
