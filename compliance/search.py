"""Text search of the registers: one function that says "these columns contain this text".

`matching(model, columns, q)` returns the SQL condition of a register's `q=` search: a
substring, case-insensitive, found in any of the columns (`%` and `_` are plain characters).
It is served by an index on both databases:

- PostgreSQL: `ILIKE '%q%'`, which the planner answers from the `pg_trgm` GIN indexes
  (`gin_trgm_ops`) that migration 0020 creates on the searched columns when the extension can be
  installed; without them the same condition is a sequential scan, with the same results.
- SQLite: an FTS5 table per searched table with the `trigram` tokenizer (SQLite ≥ 3.34), kept
  in step by triggers; a query of 3 characters or more is a `MATCH` of the phrase on it (a
  substring, case folded over the whole of Unicode, so "SÉCU" finds "sécurité" too, which the
  ASCII-only `lower() LIKE` did not). Shorter queries, or an SQLite without FTS5 trigram,
  fall back to `LIKE` on the table.

Neither database ignores accents: "securite" does not find "sécurité" (as before). The
application and vendor searches add their accent-blind keys (`name_key`) for that.

`SEARCHED` lists the FTS tables of the SQLite schema and their columns; migration 0020 creates
them with `install()` (its own frozen copy of the list) and a test keeps the two equal. A later
migration that rebuilds one of these tables on SQLite (alembic's batch mode copies it, drops it
and renames the copy) loses its triggers: it must call `install()` for that table again
(tests/compliance/test_search.py checks that every trigger exists at the head revision).
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterable, Sequence

import sqlalchemy as sa

# Trigram indexes cannot serve a shorter text (PostgreSQL's planner and SQLite's FTS5 agree).
MIN_INDEXED_LENGTH = 3
FTS_SUFFIX = "_fts"
TRIGRAM_INDEX_SUFFIX = "_trgm"

# The searched tables and columns (SQLite: the columns of the FTS table, in this order).
SEARCHED: dict[str, tuple[str, ...]] = {
    "processing_activity": ("name", "reference", "responsible_service"),
    "roadmap_action": ("code", "title", "owner", "description"),
    "personal_data_breach": ("reference", "title"),
    "incident": ("reference", "title"),
}
# PostgreSQL only: plain-text columns searched with other conditions (no FTS table).
TRIGRAM_ONLY: dict[str, tuple[str, ...]] = {
    "application": ("name",),
    "vendor": ("name",),
}


def fts_table(table: str) -> str:
    return f"{table}{FTS_SUFFIX}"


def trigram_index(table: str, column: str) -> str:
    return f"ix_{table}_{column}{TRIGRAM_INDEX_SUFFIX}"


@functools.cache
def sqlite_has_trigram() -> bool:
    """Whether this SQLite has FTS5 with the trigram tokenizer (3.34 and later, when built in)."""
    if sqlite3.sqlite_version_info < (3, 34, 0):
        return False
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("CREATE VIRTUAL TABLE probe USING fts5(a, tokenize='trigram')")
    except sqlite3.Error:
        return False
    finally:
        connection.close()
    return True


def like_pattern(q: str) -> str:
    """`%q%` with LIKE's wildcards and the escape character taken literally (escape `\\`)."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _phrase(q: str) -> str:
    """An FTS5 string: the text as one phrase (quotes doubled), i.e. a literal substring."""
    return '"' + q.replace('"', '""') + '"'


def _dialect_name(bind=None) -> str | None:
    """The database's dialect: of `bind`, else of the request's session; None outside an
    application context (then `matching()` gives the ILIKE condition, right everywhere)."""
    if bind is None:
        from flask import has_app_context

        if not has_app_context():
            return None
        from compliance.db import get_session

        bind = get_session().get_bind()
    return bind.dialect.name


def uses_fts(table: str, columns: Sequence[str], q: str, dialect: str | None) -> bool:
    return (
        dialect == "sqlite"
        and SEARCHED.get(table) == tuple(columns)
        and len(q) >= MIN_INDEXED_LENGTH
        and sqlite_has_trigram()
    )


def matching(model, columns: Iterable, q: str, *, bind=None):
    """The condition "q is a substring of one of the columns", case-insensitive.

    `model` is the mapped class, `columns` its attributes (e.g. `Model.name`); `bind` (an engine
    or connection) is only needed outside a request's session."""
    columns = tuple(columns)
    table = model.__table__.name
    names = tuple(column.key for column in columns)
    if uses_fts(table, names, q, _dialect_name(bind)):
        fts = sa.table(fts_table(table), sa.column("rowid"), sa.column(fts_table(table)))
        found = sa.select(fts.c.rowid).where(fts.c[fts_table(table)].match(_phrase(q)))
        return model.id.in_(found)
    pattern = like_pattern(q)
    return sa.or_(*(column.ilike(pattern, escape="\\") for column in columns))


def sorted_matches(column, *, bind=None):
    """The sort key of a list that a search narrows, in place of `column`.

    On PostgreSQL a text column becomes the expression `column || ''` (the same values, so the
    same order), which no B-tree index serves: the planner then reads the matches from the
    trigram indexes and sorts them, instead of walking the sort key's index and testing the
    search on each row in turn until a page is full (it supposes the matches evenly spread;
    they rarely are: 200 ms for 'paie' over 100 000 activities, against 25 ms). Elsewhere, and
    for other types, the column as it is."""
    kind = getattr(column.type, "impl", column.type)  # a TypeDecorator's underlying type
    text = isinstance(kind, sa.String) and not isinstance(kind, sa.Enum)
    if text and _dialect_name(bind) == "postgresql":
        return sa.type_coerce(column.concat(""), column.type)
    return column


# --- schema (migration 0020) ------------------------------------------------------------------


def _sqlite_install(connection, table: str, columns: Sequence[str]) -> None:
    fts = fts_table(table)
    listed = ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    _sqlite_uninstall(connection, table)
    connection.exec_driver_sql(
        f"CREATE VIRTUAL TABLE {fts} USING fts5({listed}, tokenize='trigram')"
    )
    connection.exec_driver_sql(
        f"INSERT INTO {fts} (rowid, {listed}) SELECT id, {listed} FROM {table}"
    )
    connection.exec_driver_sql(
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts} (rowid, {listed}) VALUES (new.id, {new}); END"
    )
    connection.exec_driver_sql(
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
        f"DELETE FROM {fts} WHERE rowid = old.id; END"
    )
    connection.exec_driver_sql(
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF id, {listed} ON {table} BEGIN "
        f"DELETE FROM {fts} WHERE rowid = old.id; "
        f"INSERT INTO {fts} (rowid, {listed}) VALUES (new.id, {new}); END"
    )


def _sqlite_drop_triggers(connection, table: str) -> None:
    fts = fts_table(table)
    for event in ("insert", "delete", "update"):
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {fts}_{event}")


def _sqlite_uninstall(connection, table: str) -> None:
    _sqlite_drop_triggers(connection, table)
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {fts_table(table)}")


def suspend_for_bulk_load(connection) -> None:
    """Before a bulk load (bench/generate.py): drop SQLite's FTS triggers, which would cost
    ~5× the inserts themselves; `refill_after_bulk_load()` fills the FTS tables in one pass
    and puts the triggers back. Nothing to do on PostgreSQL (its indexes follow the rows)."""
    if connection.dialect.name == "sqlite" and sqlite_has_trigram():
        for table in SEARCHED:
            _sqlite_drop_triggers(connection, table)


def refill_after_bulk_load(connection) -> None:
    if connection.dialect.name == "sqlite" and sqlite_has_trigram():
        for table, columns in SEARCHED.items():
            _sqlite_install(connection, table, columns)


def _postgresql_extension(connection, name: str = "pg_trgm") -> bool:
    """Install the extension if it is not there; False when the role may not, or the server
    lacks it (in a savepoint, so that the migration's transaction goes on)."""
    try:
        with connection.begin_nested():
            connection.exec_driver_sql(f"CREATE EXTENSION IF NOT EXISTS {name}")
    except sa.exc.DBAPIError:
        return False
    return True


def install(connection, searched: dict, trigram_only: dict) -> None:
    """Create the search indexes: FTS5 tables and triggers (SQLite), trigram indexes
    (PostgreSQL). Skipped, with `matching()` falling back to LIKE, when unavailable."""
    if connection.dialect.name == "sqlite":
        if sqlite_has_trigram():
            for table, columns in searched.items():
                _sqlite_install(connection, table, columns)
        return
    if connection.dialect.name == "postgresql" and _postgresql_extension(connection):
        for table, columns in {**searched, **trigram_only}.items():
            for column in columns:
                connection.exec_driver_sql(
                    f"CREATE INDEX IF NOT EXISTS {trigram_index(table, column)} "
                    f"ON {table} USING gin ({column} gin_trgm_ops)"
                )


def uninstall(connection, searched: dict, trigram_only: dict) -> None:
    if connection.dialect.name == "sqlite":
        for table in searched:
            _sqlite_uninstall(connection, table)
        return
    for table, columns in {**searched, **trigram_only}.items():
        for column in columns:
            connection.exec_driver_sql(f"DROP INDEX IF EXISTS {trigram_index(table, column)}")


def is_search_object(name: str | None, type_: str) -> bool:
    """Whether a schema object belongs to the search (not a model): for the models-versus-
    database comparisons (alembic's include_name / include_object)."""
    if not name:
        return False
    if type_ == "table":
        return any(
            name == fts_table(table) or name.startswith(fts_table(table) + "_")
            for table in SEARCHED
        )
    if type_ == "index":
        return name.endswith(TRIGRAM_INDEX_SUFFIX)
    return False


def include_name(name, type_, _parent_names) -> bool:
    return not is_search_object(name, type_)


def include_object(_object, name, type_, _reflected, _compare_to) -> bool:
    return not is_search_object(name, type_)
