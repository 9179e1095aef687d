"""Pages of a SELECT: LIMIT/OFFSET and one COUNT, both in SQL."""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa
from flask import request

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
