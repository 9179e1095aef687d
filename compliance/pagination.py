"""Pages of a SELECT: LIMIT/OFFSET and one COUNT, both in SQL (the HTML pages), or keyset
pages that follow a cursor (the API)."""

from __future__ import annotations

import base64
import json
import math
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

import sqlalchemy as sa
from flask import request
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from compliance.text import MAX_ID


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int
    # The query parameter that holds this page's number: two lists on one page page apart.
    param: str = "page"

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_number(default: int = 1, *, param: str = "page") -> int:
    try:
        return max(1, int(request.args.get(param, default)))
    except (TypeError, ValueError):
        return default


def paginate(
    session,
    statement,
    *,
    page: int = 1,
    per_page: int = 50,
    param: str = "page",
    rows: bool = False,
) -> Page:
    """A page of `statement`: its first column's objects, or with rows=True its whole rows
    (an object and figures computed with it, such as a GROUP BY's counts)."""
    # Past the last page is an empty page, never an OFFSET the database cannot hold.
    page = max(1, min(page, MAX_ID // max(1, per_page)))
    total = session.scalar(
        sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())
    )
    limited = statement.limit(per_page).offset((page - 1) * per_page)
    items = list(session.execute(limited).all() if rows else session.scalars(limited))
    return Page(items=items, total=total or 0, page=page, per_page=per_page, param=param)


def paginate_param(
    session, statement, param: str, *, per_page: int = 50, rows: bool = False
) -> Page:
    """A page of `statement` whose number is read from the query parameter `param`."""
    return paginate(
        session,
        statement,
        page=page_number(param=param),
        per_page=per_page,
        param=param,
        rows=rows,
    )


# --- keyset pages (the API) -------------------------------------------------------------------
#
# A keyset page is read after the last row of the page before it: the statement is ordered by its
# sort keys and the id (the tie-breaker that makes the order total), and filtered to the rows that
# come after the cursor's values in that order. Page N then costs what page 1 costs: no OFFSET to
# walk, and no COUNT unless the total is asked for.

_DIRECTIONS = {operators.desc_op: True, operators.asc_op: False}
_NULLS = {operators.nulls_first_op: False, operators.nulls_last_op: True}
# Where each database puts NULL in an ascending order when the ORDER BY does not say.
_NULLS_HIGH = {"postgresql", "oracle"}


class CursorError(ValueError):
    """A cursor that does not come from this list (malformed, or of another sort)."""


@dataclass(frozen=True)
class Key:
    expression: sa.ColumnElement
    descending: bool
    nulls_last: bool | None  # None: where the database puts NULL by default
    nullable: bool

    def nulls_after(self, dialect: str) -> bool:
        """True when NULL comes after every value in this key's order."""
        if self.nulls_last is not None:
            return self.nulls_last
        high = dialect in _NULLS_HIGH
        return high != self.descending


@dataclass
class KeysetPage:
    items: list
    per_page: int
    after: str | None  # the cursor of the next page, None on the last one


def sort_keys(statement) -> list[Key]:
    """The ORDER BY of `statement`, as keys, ending with the primary entity's id (added when
    the order does not already end with it, so that the order is total)."""
    entity = statement.column_descriptions[0]["entity"]
    table = entity.__table__
    identifier = entity.id
    keys = []
    for clause in statement._order_by_clauses:
        descending, nulls_last, element = False, None, clause
        while isinstance(element, UnaryExpression) and (
            element.modifier in _DIRECTIONS or element.modifier in _NULLS
        ):
            if element.modifier in _DIRECTIONS:
                descending = _DIRECTIONS[element.modifier]
            else:
                nulls_last = _NULLS[element.modifier]
            element = element.element
        # A column of an outer-joined table can be NULL whatever it declares: only the primary
        # table's NOT NULL columns are trusted.
        nullable = not (
            isinstance(element, sa.Column) and element.table is table and not element.nullable
        )
        keys.append(Key(element, descending, nulls_last, nullable))
    if not keys or not keys[-1].expression.compare(identifier.expression):
        keys.append(Key(identifier.expression, False, None, False))
    return keys


def _fingerprint(keys: list[Key]) -> str:
    """A short digest of the order, so that a cursor of another sort is refused."""
    text = "|".join(f"{key.expression}:{key.descending}:{key.nulls_last}" for key in keys)
    return format(zlib.crc32(text.encode()), "08x")


def _encode_value(value):
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    return value


def _decode_value(value, key: Key):
    if isinstance(value, dict) and len(value) == 1:
        ((tag, text),) = value.items()
        parse = {"t": datetime.fromisoformat, "d": date.fromisoformat, "n": Decimal}.get(tag)
        if parse is None or not isinstance(text, str):
            raise CursorError
        try:
            value = parse(text)
        except (ValueError, ArithmeticError):
            raise CursorError from None
    elif not (value is None or isinstance(value, str | int | float | bool)):
        raise CursorError
    if value is None:
        return None
    try:
        expected = key.expression.type.python_type
    except NotImplementedError:
        return value
    if issubclass(expected, Enum):
        try:
            return expected(value)
        except ValueError:
            raise CursorError from None
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if expected is datetime and not isinstance(value, datetime):
        raise CursorError
    if not isinstance(value, expected) or (expected is date and isinstance(value, datetime)):
        raise CursorError
    return value


def encode_cursor(keys: list[Key], values) -> str:
    data = {"o": _fingerprint(keys), "k": [_encode_value(value) for value in values]}
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(keys: list[Key], cursor: str) -> list:
    """The values of the row a cursor points after; CursorError when it is not one of
    `keys`' cursors."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (ValueError, TypeError):
        raise CursorError from None
    if not isinstance(data, dict) or data.get("o") != _fingerprint(keys):
        raise CursorError
    values = data.get("k")
    if not isinstance(values, list) or len(values) != len(keys):
        raise CursorError
    decoded = [_decode_value(value, key) for key, value in zip(keys, values, strict=True)]
    identifier = decoded[-1]
    if not isinstance(identifier, int) or isinstance(identifier, bool):
        raise CursorError
    return decoded


def _strictly_after(key: Key, value, dialect: str):
    nulls_after = key.nulls_after(dialect)
    if value is None:
        return sa.false() if nulls_after else key.expression.is_not(None)
    condition = key.expression < value if key.descending else key.expression > value
    if nulls_after and key.nullable:
        condition = sa.or_(condition, key.expression.is_(None))
    return condition


def _equal(key: Key, value):
    return key.expression.is_(None) if value is None else key.expression == value


def after_condition(keys: list[Key], values: list, dialect: str):
    """The SQL condition of the rows that come after `values` in the order of `keys`:
    `(k1, k2, id) > (v1, v2, i)` written out so that each key may have its own direction and
    its NULLs where the database puts them. The trailing keys that share one direction and hold
    no NULL become one row-value comparison (which SQLite and PostgreSQL seek on an index)."""
    tail = len(keys) - 1
    while (
        tail > 0
        and not keys[tail - 1].nullable
        and values[tail - 1] is not None
        and keys[tail - 1].descending == keys[-1].descending
    ):
        tail -= 1
    if tail == len(keys) - 1:
        condition = _strictly_after(keys[-1], values[-1], dialect)
    else:
        row = sa.tuple_(*(key.expression for key in keys[tail:]))
        bound = sa.tuple_(
            *(
                sa.literal(v, key.expression.type)
                for key, v in zip(keys[tail:], values[tail:], strict=True)
            )
        )
        condition = row < bound if keys[-1].descending else row > bound
    for key, value in reversed(list(zip(keys[:tail], values[:tail], strict=True))):
        condition = sa.or_(
            _strictly_after(key, value, dialect), sa.and_(_equal(key, value), condition)
        )
    return condition


def keyset_page(
    session, statement, *, after: str | None = None, per_page: int = 50, offset: int = 0
) -> KeysetPage:
    """The `per_page` rows of `statement` that follow the cursor `after` (the first ones without
    it; or, for the compatibility of `page=`, those after `offset` rows), and the cursor of the
    next page, read with the rows (one more row tells whether there is a next page).
    CursorError for a cursor not of this statement."""
    keys = sort_keys(statement)
    dialect = session.get_bind().dialect.name
    statement = statement.order_by(None).order_by(*_order(keys))
    if after is not None:
        statement = statement.where(after_condition(keys, decode_cursor(keys, after), dialect))
    labelled = [key.expression.label(f"_key{index}") for index, key in enumerate(keys)]
    statement = statement.add_columns(*labelled).limit(per_page + 1)
    if offset:
        statement = statement.offset(min(offset, MAX_ID))
    rows = list(session.execute(statement))
    following = None
    if len(rows) > per_page:
        rows = rows[:per_page]
        following = encode_cursor(keys, rows[-1][1:])
    return KeysetPage(items=[row[0] for row in rows], per_page=per_page, after=following)


def count(session, statement) -> int:
    """How many rows `statement` selects (one COUNT, in SQL)."""
    total = session.scalar(
        sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())
    )
    return total or 0


def _order(keys: list[Key]):
    for key in keys:
        clause = key.expression.desc() if key.descending else key.expression.asc()
        if key.nulls_last is not None:
            clause = clause.nulls_last() if key.nulls_last else clause.nulls_first()
        yield clause
