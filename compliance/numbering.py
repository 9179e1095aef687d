"""Reference numbers safe under concurrency: one counter row per series, locked by the
transaction that draws from it.

Two requests that create a record of the same series at the same time both want "the next
number". Each draws it with an UPDATE of the series' counter row: the second waits until the
first commits (PostgreSQL row lock; SQLite's writers are serialised), then sees its number.
A series is a `scope` (say "INC"), a `key` (an organisation's id, or 0 for a series shared by
every organisation) and a `year` (0 for a series that never restarts).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel


class ReferenceCounter(SQLModel, table=True):
    __tablename__ = "reference_counter"

    scope: str = Field(primary_key=True, max_length=32)
    key: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    # The last number drawn (the counter starts from the series' largest existing number).
    last: int = Field(default=0, nullable=False)


def _where(scope: str, key: int, year: int):
    table = ReferenceCounter.__table__
    return table.c.scope == scope, table.c.key == key, table.c.year == year


def lock_series(session: Session, scope: str, *, key: int = 0, year: int = 0) -> int:
    """Lock the series' counter until the transaction ends (creating it at 0 when missing) and
    return the last number drawn. Whoever checks that a reference is free, and then takes it,
    holds this lock in between."""
    table = ReferenceCounter.__table__
    touch = (
        sa.update(table)
        .where(*_where(scope, key, year))
        .values(last=table.c.last)
        .returning(table.c.last)
    )
    last = session.execute(touch).scalar_one_or_none()
    if last is None:
        dialect = session.get_bind().dialect.name
        insert = (postgresql if dialect == "postgresql" else sqlite).insert(table)
        session.execute(
            insert.values(scope=scope, key=key, year=year, last=0).on_conflict_do_nothing()
        )
        last = session.execute(touch).scalar_one()
    return last


def draw(
    session: Session,
    scope: str,
    *,
    key: int = 0,
    year: int = 0,
    floor: Callable[[], int | None] = lambda: None,
) -> int:
    """The next number of the series, above both the last one drawn and `floor()` (the largest
    number already in use, read once the series is locked: rows written by an import or a
    restore count too)."""
    last = lock_series(session, scope, key=key, year=year)
    number = max(last, floor() or 0) + 1
    set_last(session, scope, number, key=key, year=year)
    return number


def set_last(session: Session, scope: str, number: int, *, key: int = 0, year: int = 0) -> None:
    """Record `number` as drawn (the caller holds the series' lock)."""
    table = ReferenceCounter.__table__
    session.execute(
        sa.update(table).where(*_where(scope, key, year), table.c.last < number).values(last=number)
    )
