"""Entity schemas: one declaration of each entity's fields, checked the same way whichever door a
value comes in by (a form, the API, a spreadsheet import, the CLI).

A register declares, in its `schemas.py`, in the style of the SQLModel reference application:

    class IncidentBase(SQLModel):            # the shared fields, their types and constraints
        title: Line = Field(max_length=200)
        severity: Code[Severity] = Field(sa_type=str_enum(Severity, 16))
        occurred_at: Instant | None = Field(default=None, sa_type=UTCDateTime)

    class Incident(IncidentBase, table=True): ...      # in models.py: the table
    class IncidentCreate(IncidentBase, Input): ...     # what a write accepts
    IncidentUpdate = partial(IncidentCreate)           # the same, every field optional
    class IncidentRead(IncidentBase, Output): ...      # what the API answers
    class IncidentFilters(Query): ...                  # the list's filters

`validate(IncidentCreate, data)` returns the checked values or raises `FieldErrors` ({field:
message}, the API's 422 and the form's field errors); services take the checked schema and
apply `changes.model_dump(exclude_unset=True)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Optional, TypeVar, get_args

from flask_babel import gettext as _
from pydantic import ConfigDict, ValidationError, create_model, model_validator
from pydantic.fields import FieldInfo
from sqlmodel import SQLModel

from compliance.services import FieldErrors
from compliance.types import MESSAGES, is_blank

__all__ = [
    "FieldErrors",
    "FilterError",
    "Input",
    "Output",
    "Query",
    "field_errors",
    "partial",
    "validate",
    "validate_query",
]

S = TypeVar("S", bound=SQLModel)


class Input(SQLModel):
    """A write's values: unknown keys refused, blank text read as "not given"."""

    model_config = ConfigDict(extra="forbid", validate_default=False)
    # Fields a partial schema (an update) still refuses to blank.
    __required__: ClassVar[frozenset[str]] = frozenset()
    # Fields a partial schema refuses to set to None (an empty list is a value).
    __not_null__: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _blank_is_none(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            return {key: None if is_blank(value) else value for key, value in data.items()}
        return data


class Output(SQLModel):
    """What the API answers: read from a record's attributes."""

    model_config = ConfigDict(from_attributes=True)


class FilterError(ValueError):
    """A list filter that cannot be understood (the API's 400); `field` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Query(Input):
    """A list's filters, from a query string: every field optional."""

    # Fields that take several values (?status=a&status=b).
    __multiple__: ClassVar[frozenset[str]] = frozenset()
    # Fields whose refusal is named first when several values are refused.
    __first__: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_args(cls, args):
        """The filters of a query string (request.args); FilterError naming the first value
        refused otherwise."""
        try:
            return validate_query(cls, args)
        except FieldErrors as error:
            first = next((name for name in cls.__first__ if name in error.errors), None)
            first = first or next(iter(error.errors))
            raise FilterError(first, error.errors[first]) from None

    def as_args(self) -> dict:
        """The filters as query-string arguments, for links (those at their default left out)."""
        args = {}
        for name, info in type(self).model_fields.items():
            value = getattr(self, name)
            if value in (None, False, "", info.default):
                continue
            args[name] = "1" if value is True else str(getattr(value, "value", value))
        return args


def _accepts_none(annotation) -> bool:
    return annotation in (None, Any, type(None)) or type(None) in get_args(annotation)


def partial(schema: type[S], name: str | None = None) -> type[S]:
    """`schema` with every field optional (an update: what is not sent is not changed). A field
    required in `schema` may be left out, not blanked."""
    fields: dict[str, Any] = {}
    for field_name, info in schema.model_fields.items():
        copy = FieldInfo.merge_field_infos(info, default=None)
        copy.default_factory = None
        fields[field_name] = (Optional[info.annotation], copy)  # noqa: UP045
    # Required: never blanked, nor emptied. Holding a default but no None (a NOT NULL column,
    # a list): never None; an empty list stays a value.
    required = frozenset(
        field_name for field_name, info in schema.model_fields.items() if info.is_required()
    )
    not_null = frozenset(
        field_name
        for field_name, info in schema.model_fields.items()
        if not _accepts_none(info.annotation)
    )
    model = create_model(
        name or schema.__name__.replace("Create", "Update"),
        __base__=Input,
        __module__=schema.__module__,
        **fields,
    )
    model.__required__ = required
    model.__not_null__ = not_null - required
    model.__doc__ = f"{schema.__doc__ or schema.__name__} Every field optional."
    return model


def validate(schema: type[S], data: Mapping[str, Any], *, ignore: Iterable[str] = ()) -> S:
    """The checked values of `data`; FieldErrors otherwise. Keys in `ignore` (what a client may
    send back as it read it: ids, computed fields) are dropped unread."""
    if not isinstance(data, Mapping):
        raise FieldErrors({"__all__": str(MESSAGES["object"])})
    ignored = set(ignore)
    values = {key: value for key, value in data.items() if key not in ignored}
    try:
        checked = schema.model_validate(values)
    except ValidationError as error:
        raise FieldErrors(field_errors(error)) from None
    given = checked.model_fields_set
    blanked = {
        name: str(MESSAGES["required"])
        for name in getattr(schema, "__required__", ())
        if name in given and getattr(checked, name) in (None, [], "")
    }
    blanked.update(
        (name, str(MESSAGES["required"]))
        for name in getattr(schema, "__not_null__", ())
        if name in given and getattr(checked, name) is None
    )
    if blanked:
        raise FieldErrors(blanked)
    return checked


def validate_query(schema: type[S], args) -> S:
    """The checked filters of a query string (a werkzeug MultiDict or a dict); FieldErrors
    otherwise. Unknown parameters are left for the caller (paging, sorting)."""
    multiple = getattr(schema, "__multiple__", frozenset())
    values: dict[str, Any] = {}
    for name in schema.model_fields:
        if name not in args:
            continue
        if name in multiple and hasattr(args, "getlist"):
            values[name] = [item for item in args.getlist(name) if not is_blank(item)]
        else:
            values[name] = args.get(name)
    return validate(schema, values)


# --- messages --------------------------------------------------------------------------------

_BY_TYPE = {
    "string_type": "text",
    "int_type": "whole",
    "int_parsing": "whole",
    "int_from_float": "whole",
    "bool_type": "flag",
    "bool_parsing": "flag",
    "date_type": "day",
    "date_parsing": "day",
    "date_from_datetime_parsing": "day",
    "datetime_type": "instant",
    "datetime_parsing": "instant",
    "list_type": "list",
    "dict_type": "object",
    "model_type": "object",
    "model_attributes_type": "object",
    "extra_forbidden": "unknown",
    "missing": "required",
}


def _message(error: Mapping[str, Any]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    if kind == "missing" or (error.get("input") is None and kind not in ("extra_forbidden",)):
        return str(MESSAGES["required"])
    # An optional text's length is checked on the union (`too_long`): still characters.
    if kind == "string_too_long" or (kind == "too_long" and isinstance(error.get("input"), str)):
        return _("%(max)d caractères au plus", max=ctx["max_length"])
    if kind == "too_long":
        return _("%(max)d éléments au plus", max=ctx["max_length"])
    if kind in ("greater_than_equal", "greater_than"):
        return _("doit valoir au moins %(minimum)s", minimum=ctx.get("ge", ctx.get("gt")))
    if kind in ("less_than_equal", "less_than"):
        return _("doit valoir au plus %(maximum)s", maximum=ctx.get("le", ctx.get("lt")))
    if kind in ("enum", "literal_error"):
        allowed = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        return _("doit être l'une des valeurs : %(allowed)s", allowed=allowed)
    return str(MESSAGES[_BY_TYPE.get(kind, "invalid")])


def _location(loc: tuple) -> str:
    return ".".join(str(part) for part in loc) or "__all__"


def field_errors(error: ValidationError) -> dict[str, str]:
    """{field: message} of a validation error, one message a field (the first), in French or
    the user's language; a nested field is named by its path (`measures.0.title`)."""
    errors: dict[str, str] = {}
    for item in error.errors(include_url=False):
        errors.setdefault(_location(item["loc"]), _message(item))
    return errors
