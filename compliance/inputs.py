"""Input hygiene at the application's edges, once for every register: ids in URLs bounded to what
a database holds, no NUL byte (nor lone surrogate) in a query string, a form or a JSON body, and a
last check of every text the session is about to write."""

from __future__ import annotations

import re
from itertools import chain
from typing import Any

import sqlalchemy as sa
from flask import Flask, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter

from compliance.errors import error_response
from compliance.services import FieldErrors
from compliance.text import INVALID_CHARACTER, MAX_ID, forbidden_character

# Tables that copy text already stored (the audit trail records before and after values): what
# they hold was checked when it was first written, and refusing it would make a record written
# before these checks impossible to correct.
UNCHECKED_TABLES = frozenset({"audit_entry"})


# Query-string arguments that are free text (a search may be a long number); every other
# argument holding a whole number is an id, a page or a count.
FREE_TEXT_ARGUMENTS = frozenset({"q", "next"})
_WHOLE_NUMBER = re.compile(r"\s*[-+]?\d+\s*")
_UNUSABLE = re.compile("[\x00\ud800-\udfff]")


def _out_of_range(value: str) -> bool:
    if _WHOLE_NUMBER.fullmatch(value) is None:
        return False
    digits = value.strip().lstrip("+-").lstrip("0")
    # Python refuses to parse very long numbers: their length alone says they are too large.
    return len(digits) > len(str(MAX_ID)) or int(digits or 0) > MAX_ID


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` in a URL: an id larger than any database holds is 404, not an overflow."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)


def _unusable(value: str) -> bool:
    """A NUL byte, which PostgreSQL cannot store or compare, or a lone surrogate, which no
    encoding can carry."""
    return _UNUSABLE.search(value) is not None


def _json_path_with_bad_text(value: Any, path: str = "") -> str | None:
    if isinstance(value, str):
        return path or "_" if _unusable(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and _unusable(key):
                return path or "_"
            found = _json_path_with_bad_text(item, f"{path}.{key}" if path else str(key))
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _json_path_with_bad_text(item, f"{path}[{index}]")
            if found:
                return found
    return None


def refuse_unusable_characters():
    """Before any view: a NUL byte in a query string or form value is 400 (422 naming the field
    in a JSON body), before it can reach SQL."""
    # A slug or name in the path with a NUL byte names nothing (and PostgreSQL cannot compare it).
    if any(isinstance(v, str) and _unusable(v) for v in (request.view_args or {}).values()):
        return error_response(404)
    for source in (request.args, request.form):
        for key, values in source.lists():
            if _unusable(key) or any(_unusable(value) for value in values):
                return error_response(
                    400, _("Un paramètre contient un caractère interdit (octet nul).")
                )
    for key, value in request.args.items(multi=True):
        if key not in FREE_TEXT_ARGUMENTS and _out_of_range(value):
            return error_response(400, _("Le paramètre « %(name)s » est hors limites.", name=key))
    if request.is_json:
        body = request.get_json(silent=True)
        field = _json_path_with_bad_text(body)
        if field is not None:
            response = jsonify(
                error="invalid",
                message=_("Certaines valeurs sont invalides."),
                errors={field: str(INVALID_CHARACTER)},
            )
            response.status_code = 422
            return response
    return None


def _texts(value: Any):
    """Every string in a column value (a JSON column holds lists and objects of them)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(key)
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def check_session_text(session: Session, _flush_context=None, _instances=None) -> None:
    """Before every flush: no new or changed text may hold a refused character, whichever
    service wrote it. A record already holding one can still have its other fields edited."""
    errors: dict[str, str] = {}
    new = set(map(id, session.new))
    for instance in chain(session.new, session.dirty):
        state = sa.inspect(instance)
        mapper = state.mapper
        if mapper.local_table.name in UNCHECKED_TABLES:
            continue
        is_new = id(instance) in new
        for attribute in mapper.column_attrs:
            if is_new:
                values = [state.dict.get(attribute.key)]
            else:
                values = state.attrs[attribute.key].history.added or ()
            for value in values:
                if any(forbidden_character(text) for text in _texts(value)):
                    errors[attribute.key] = str(INVALID_CHARACTER)
    if errors:
        raise FieldErrors(errors)


def init_app(app: Flask) -> None:
    # Before the blueprints: a rule compiles its converters when it is added.
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(refuse_unusable_characters)
    if not event.contains(Session, "before_flush", check_session_text):
        event.listen(Session, "before_flush", check_session_text)
