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
  ASCII-only `lower() LIKE` did not). An SQLite without FTS5 trigram falls back to `LIKE`
  on the table.

Both ignore accents, through the same folding on both sides: `fold()` maps the accented Latin
letters (`FOLD_FROM`) to their plain ones (`FOLD_TO`) in the query, and the indexed text is
folded the same way in SQL:
- on PostgreSQL each searched column has a folded copy, `<column>_folded`, a stored generated
  column (`translate(column, FOLD_FROM, FOLD_TO)`, kept by the database on every write, whoever
  writes) with its trigram index (migration 0028). The condition is an ILIKE of the folded query
  on the copies alone: a plain match is a folded one too, and reading the copy costs what
  reading the column costs, where `translate()` at query time cost ~10 µs a row (migration
  0026 indexed the expression: the index found the rows, but the planner, which counts
  `translate` as cheap, scanned whole tables of a few thousand rows and folded every one:
  60 ms for 5 000 incidents). The copies are not in the models (the database computes them;
  `is_search_object` hides them from the models-versus-schema comparison);
- on SQLite the FTS tables hold the folded text (their triggers fold it with `replace()`, in
  steps: SQLite has no `translate`, and its parser refuses deeper nesting). A query shorter than
  a trigram is a LIKE over the FTS table's folded text.
So "securite" finds "sécurité" and "SECU" finds "Sécurité". An SQLite without FTS5 trigram
still searches the text as typed; so does a column searched on PostgreSQL without a copy (the
plain ILIKE and, beside it, the folded one computed on the fly).
Migration 0026 rebuilt the indexes folded; `install(…, fold=False)` is the unfolded layout of
migration 0020.

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
FOLDED_SUFFIX = "_folded"  # PostgreSQL: a searched column's stored folded copy

# The accented letters the search ignores, and what each stands for (one character each).
FOLD_FROM = "àáâãäåçèéêëìíîïñòóôõöùúûüýÿÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝŸ"
FOLD_TO = "aaaaaaceeeeiiiinooooouuuuyyAAAAAACEEEEIIIINOOOOOUUUUYY"
_FOLD_TABLE = str.maketrans(FOLD_FROM, FOLD_TO)

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


def trigram_index(table: str, column: str, *, folded: bool = False) -> str:
    return f"ix_{table}_{column}{FOLDED_SUFFIX if folded else ''}{TRIGRAM_INDEX_SUFFIX}"


def folded_column(column: str) -> str:
    """The name of `column`'s stored folded copy on PostgreSQL."""
    return f"{column}{FOLDED_SUFFIX}"


def stored_copies(table: str) -> tuple[str, ...]:
    """The columns of `table` that have a folded copy on PostgreSQL (migration 0028 on)."""
    return SEARCHED.get(table, ()) + TRIGRAM_ONLY.get(table, ())


def _folded_copy(column):
    """The folded copy of an ORM column, in the same table or alias as the column."""
    element = column.__clause_element__() if hasattr(column, "__clause_element__") else column
    return sa.literal_column(f"{element.table.name}.{folded_column(element.key)}", sa.Text)


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


def fold(text: str) -> str:
    """The text without the accents the search ignores."""
    return text.translate(_FOLD_TABLE)


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# SQLite's parser refuses a few dozen nested calls: its folding is written in steps of this many
# `replace()` (the FTS triggers apply them one statement after the other).
SQLITE_FOLD_STEP = 18


def translate_sql(column: str) -> str:
    """SQL text of `column` folded as `fold()` folds a query, on PostgreSQL."""
    return f"translate({column}, {_sql_string(FOLD_FROM)}, {_sql_string(FOLD_TO)})"


def sqlite_fold_steps(column: str) -> list[str]:
    """SQL texts folding `column` on SQLite, a part of the letters each: applied in turn (each
    to what the previous one gave), they fold as `fold()` does."""
    pairs = list(zip(FOLD_FROM, FOLD_TO, strict=True))
    steps = []
    for start in range(0, len(pairs), SQLITE_FOLD_STEP):
        expression = column
        for accented, plain in pairs[start : start + SQLITE_FOLD_STEP]:
            expression = f"replace({expression}, '{accented}', '{plain}')"
        steps.append(expression)
    return steps


def _fts_columns(table: str, names: Sequence[str]):
    listed = [sa.column(name) for name in names]
    fts = sa.table(fts_table(table), sa.column("rowid"), sa.column(fts_table(table)), *listed)
    return fts, listed


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
    """The condition "q is a substring of one of the columns", case-insensitive and blind to
    accents (`fold`) where the search indexes are.

    `model` is the mapped class, `columns` its attributes (e.g. `Model.name`); `bind` (an engine
    or connection) is only needed outside a request's session."""
    columns = tuple(columns)
    table = model.__table__.name
    names = tuple(column.key for column in columns)
    dialect = _dialect_name(bind)
    if dialect == "postgresql":
        # The folded query in each column's stored folded copy (a plain match is a folded one
        # too); a column without a copy as it is, then folded on the fly, the costlier test.
        copies = stored_copies(table)
        pattern, folded = like_pattern(q), like_pattern(fold(q))
        terms = [
            _folded_copy(column).ilike(folded, escape="\\")
            for column, name in zip(columns, names, strict=True)
            if name in copies
        ]
        others = [column for column, name in zip(columns, names, strict=True) if name not in copies]
        if others:
            accented = sa.literal_column(_sql_string(FOLD_FROM))
            plain = sa.literal_column(_sql_string(FOLD_TO))
            terms += [column.ilike(pattern, escape="\\") for column in others]
            terms += [
                sa.func.translate(column, accented, plain).ilike(folded, escape="\\")
                for column in others
            ]
        return sa.or_(*terms)
    if uses_fts(table, names, q, dialect):
        fts, _columns = _fts_columns(table, names)
        found = sa.select(fts.c.rowid).where(fts.c[fts_table(table)].match(_phrase(fold(q))))
        return model.id.in_(found)
    if uses_fts(table, names, "x" * MIN_INDEXED_LENGTH, dialect):
        # Shorter than a trigram: LIKE over the FTS table's folded text (a scan, as on the
        # table itself).
        fts, folded_columns = _fts_columns(table, names)
        pattern = like_pattern(fold(q))
        found = sa.select(fts.c.rowid).where(
            sa.or_(*(column.like(pattern, escape="\\") for column in folded_columns))
        )
        return model.id.in_(found)
    # No folded index (outside an application context, an SQLite without FTS5 trigram, a
    # table without an FTS table): the text as typed.
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


def _sqlite_install(connection, table: str, columns: Sequence[str], fold: bool = True) -> None:
    fts = fts_table(table)
    listed = ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    _sqlite_uninstall(connection, table)
    connection.exec_driver_sql(
        f"CREATE VIRTUAL TABLE {fts} USING fts5({listed}, tokenize='trigram')"
    )
    # The rows there now: folded by a Python function of this connection, in one pass.
    source = listed
    if fold:
        connection.connection.driver_connection.create_function(
            "registre_fold", 1, _fold_value, deterministic=True
        )
        source = ", ".join(f"registre_fold({column})" for column in columns)
    connection.exec_driver_sql(
        f"INSERT INTO {fts} (rowid, {listed}) SELECT id, {source} FROM {table}"
    )
    # The rows to come: the triggers fold in SQL alone (any connection may write), a step a
    # statement.
    steps = ""
    if fold:
        folding = {column: sqlite_fold_steps(column) for column in columns}
        for number in range(len(sqlite_fold_steps("x"))):
            assignments = ", ".join(f"{c} = {folding[c][number]}" for c in columns)
            steps += f"UPDATE {fts} SET {assignments} WHERE rowid = new.id; "
    connection.exec_driver_sql(
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts} (rowid, {listed}) VALUES (new.id, {new}); {steps}END"
    )
    connection.exec_driver_sql(
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
        f"DELETE FROM {fts} WHERE rowid = old.id; END"
    )
    connection.exec_driver_sql(
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF id, {listed} ON {table} BEGIN "
        f"DELETE FROM {fts} WHERE rowid = old.id; "
        f"INSERT INTO {fts} (rowid, {listed}) VALUES (new.id, {new}); {steps}END"
    )


def _fold_value(value):
    return fold(value) if isinstance(value, str) else value


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
            _sqlite_install(connection, table, columns, fold=True)


def _postgresql_extension(connection, name: str = "pg_trgm") -> bool:
    """Install the extension if it is not there; False when the role may not, or the server
    lacks it (in a savepoint, so that the migration's transaction goes on)."""
    try:
        with connection.begin_nested():
            connection.exec_driver_sql(f"CREATE EXTENSION IF NOT EXISTS {name}")
    except sa.exc.DBAPIError:
        return False
    return True


def install(connection, searched: dict, trigram_only: dict, *, fold: bool = False) -> None:
    """Create the search indexes: FTS5 tables and triggers (SQLite), trigram indexes
    (PostgreSQL): with `fold` (migration 0026 on) the SQLite FTS tables hold the folded text
    and PostgreSQL gets a second trigram index of each column, folded; without, migration
    0020's layout. Skipped, with `matching()` falling back to LIKE, when unavailable."""
    if connection.dialect.name == "sqlite":
        if sqlite_has_trigram():
            for table, columns in searched.items():
                _sqlite_install(connection, table, columns, fold)
        return
    if connection.dialect.name == "postgresql" and _postgresql_extension(connection):
        for table, columns in {**searched, **trigram_only}.items():
            for column in columns:
                connection.exec_driver_sql(
                    f"CREATE INDEX IF NOT EXISTS {trigram_index(table, column)} "
                    f"ON {table} USING gin ({column} gin_trgm_ops)"
                )
                name = trigram_index(table, column, folded=True)
                if fold:
                    connection.exec_driver_sql(
                        f"CREATE INDEX IF NOT EXISTS {name} "
                        f"ON {table} USING gin (({translate_sql(column)}) gin_trgm_ops)"
                    )
                else:
                    connection.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")


def install_folded_copies(connection, searched: dict, trigram_only: dict) -> None:
    """PostgreSQL (migration 0028): each searched column's stored folded copy, with its trigram
    index in place of migration 0026's index of the `translate` expression (the same name); the
    index of the column as it is goes, the search no longer reading it. The copies are added
    without pg_trgm too (then unindexed): `matching()` reads them."""
    if connection.dialect.name != "postgresql":
        return
    indexed = _postgresql_extension(connection)
    for table, columns in {**searched, **trigram_only}.items():
        for column in columns:
            name = trigram_index(table, column, folded=True)
            copy = folded_column(column)
            connection.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
            connection.exec_driver_sql(f"DROP INDEX IF EXISTS {trigram_index(table, column)}")
            connection.exec_driver_sql(
                f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {copy} text "
                f"GENERATED ALWAYS AS ({translate_sql(column)}) STORED"
            )
            if indexed:
                connection.exec_driver_sql(
                    f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({copy} gin_trgm_ops)"
                )


def uninstall_folded_copies(connection, searched: dict, trigram_only: dict) -> None:
    """Migration 0028's downgrade: the copies (and their indexes) dropped."""
    if connection.dialect.name != "postgresql":
        return
    for table, columns in {**searched, **trigram_only}.items():
        for column in columns:
            connection.exec_driver_sql(
                f"ALTER TABLE {table} DROP COLUMN IF EXISTS {folded_column(column)}"
            )


def uninstall(connection, searched: dict, trigram_only: dict) -> None:
    if connection.dialect.name == "sqlite":
        for table in searched:
            _sqlite_uninstall(connection, table)
        return
    for table, columns in {**searched, **trigram_only}.items():
        for column in columns:
            for folded in (False, True):
                name = trigram_index(table, column, folded=folded)
                connection.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")


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
    if type_ == "column":
        return name.endswith(FOLDED_SUFFIX)
    return False


def include_name(name, type_, _parent_names) -> bool:
    return not is_search_object(name, type_)


def include_object(_object, name, type_, _reflected, _compare_to) -> bool:
    return not is_search_object(name, type_)
