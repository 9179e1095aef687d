"""The database: engine, one session per request, and the mixins every table shares."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, declared_attr, object_session
from sqlalchemy.pool import StaticPool
from sqlmodel import Field, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware instant, stored in UTC; SQLite gives it back aware too."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: instants must carry a timezone")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum_cls, length: int = 32) -> sa.Enum:
    """Store an enum by its value as a VARCHAR with a CHECK constraint."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda cls: [member.value for member in cls],
        name=f"{enum_cls.__name__.lower()}",
        validate_strings=True,
    )


class IdMixin(SQLModel):
    id: int | None = Field(default=None, primary_key=True)


class TimestampMixin(SQLModel):
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(
        default_factory=utcnow,
        sa_type=UTCDateTime,
        nullable=False,
        sa_column_kwargs={"onupdate": utcnow},
    )


class VersionMixin(SQLModel):
    """Optimistic locking: every UPDATE checks and bumps `version`."""

    version: int = Field(default=1, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}


class RecordMixin(IdMixin, TimestampMixin, VersionMixin):
    """The columns of every editable record."""


class ConflictError(Exception):
    """Raised when a record was changed by someone else since it was loaded."""

    def __init__(self, record, changes: dict | None = None):
        super().__init__(f"{type(record).__name__} {getattr(record, 'id', '?')} changed meanwhile")
        self.record = record
        self.changes = changes or {}


# FOR NO KEY UPDATE on PostgreSQL: writers of the row queue up, while rows that merely point at
# it (a timeline entry of an incident) can still be inserted by others.
ROW_LOCK = {"key_share": True}


def _locked_version(session: Session, record) -> int | None:
    """The version the record's row holds now, locked until the transaction ends (on
    PostgreSQL; SQLite's writers are already serialised by `BEGIN IMMEDIATE`)."""
    state = inspect(record)
    column = state.mapper.version_id_col
    primary_key = state.mapper.primary_key_from_instance(record)
    columns = column.table.primary_key.columns
    version = session.execute(
        sa.select(column)
        .where(*(c == v for c, v in zip(columns, primary_key, strict=True)))
        .with_for_update(**ROW_LOCK)
    ).scalar_one_or_none()
    session.info.setdefault(_LOCKED, set()).add(state.identity_key)
    return version


def lock_row(record) -> int | None:
    """Lock the record's row until the transaction ends, before anything else is written (so
    that every writer takes the row, then the audit chain, in that order), and continue from
    what another writer may have committed since it was loaded. Returns the stored version."""
    session = object_session(record)
    if session is None or inspect(record).identity_key is None:
        return getattr(record, "version", None)
    current = _locked_version(session, record)
    if current != record.version:
        session.refresh(record)
    return current


def check_version(record, submitted_version: int | None) -> None:
    """Lock the record's row (see lock_row) and refuse a write prepared against an older
    version than the one now committed."""
    current = lock_row(record)
    if submitted_version is not None and int(submitted_version) != current:
        raise ConflictError(record)


_LOCKED = "compliance.locked_rows"


@event.listens_for(Session, "before_flush")
def _check_versions_before_flush(session, _flush_context, _instances) -> None:
    """Every versioned record about to be updated is locked and compared with the version it
    was loaded at: a concurrent writer's change is a ConflictError (409), whichever service
    flushes, never a StaleDataError at UPDATE time."""
    locked = session.info.setdefault(_LOCKED, set())
    for record in list(session.dirty):
        state = inspect(record)
        mapper = state.mapper
        if mapper.version_id_col is None or state.identity_key in locked or state.deleted:
            continue
        if not session.is_modified(record, include_collections=False):
            continue
        column = mapper.version_id_col
        loaded = state.committed_state.get(column.key, getattr(record, column.key))
        current = _locked_version(session, record)
        if current != loaded:
            raise ConflictError(record)


@event.listens_for(Session, "after_transaction_end")
def _forget_locks(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_LOCKED, None)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _sqlite_begin(connection) -> str:
    """`BEGIN IMMEDIATE` for a transaction that may write: it waits for the write lock (busy
    timeout) up front, where a deferred transaction that reads then writes fails at once with
    "database is locked" when another writer committed meanwhile. Reads begin deferred, so
    they never wait."""
    mode = connection.get_execution_options().get("sqlite_begin")
    if mode is None and has_app_context():
        mode = g.get("sqlite_begin")
    if mode is None and has_request_context():
        mode = "DEFERRED" if request.method in SAFE_METHODS else "IMMEDIATE"
    return f"BEGIN {mode or 'DEFERRED'}"


def begin_immediately() -> None:
    """Make the SQLite transactions of this application context (a CLI command) take the
    write lock when they begin."""
    g.sqlite_begin = "IMMEDIATE"


def reads_only() -> None:
    """What is left of this request only reads (its write is committed): its SQLite
    transactions begin deferred."""
    g.sqlite_begin = "DEFERRED"


def _sqlite_pragmas(engine: sa.Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        # A transaction may ask to wait less for the write lock (and give up sooner).
        wait = connection.get_execution_options().get("sqlite_busy_timeout_ms")
        connection.exec_driver_sql(f"PRAGMA busy_timeout={wait or SQLITE_BUSY_TIMEOUT_MS}")
        connection.exec_driver_sql(_sqlite_begin(connection))


SQLITE_BUSY_TIMEOUT_MS = 10_000


IN_MEMORY_SQLITE = ("sqlite://", "sqlite:///:memory:")


def make_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            # An in-memory database lives in its connection: one, shared by every thread.
            **({"poolclass": StaticPool} if url in IN_MEMORY_SQLITE else {}),
        )
        _sqlite_pragmas(engine)
        return engine
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        # JIT compilation pays off for long analytical queries only: a page's scoped SELECT,
        # estimated above jit_above_cost on a large database, spent more time compiling
        # (200 ms and more) than executing. A random page read costs about a sequential one on
        # the SSDs and in the cache a register lives in: with the default random_page_cost (4,
        # for spinning disks) the planner preferred a parallel scan of 100 000 activities
        # (90 ms) to the search's trigram indexes (39 ms).
        connect_args=(
            {"options": "-c jit=off -c random_page_cost=1.1"}
            if url.startswith("postgresql")
            else {}
        ),
    )


class Database:
    """Holds the engine and hands out one Session per request (or per CLI command)."""

    def __init__(self, app: Flask | None = None):
        self.engine: sa.Engine | None = None
        # Tests bind sessions to one connection whose transaction is rolled back.
        self.bind: sa.Engine | sa.Connection | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        self.engine = make_engine(app.config["DATABASE_URL"])
        self.bind = self.engine
        app.extensions["db"] = self
        app.teardown_appcontext(self._close_session)

    def new_session(self) -> Session:
        if isinstance(self.bind, sa.Connection):
            return Session(
                bind=self.bind, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )
        return Session(bind=self.bind, expire_on_commit=False)

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = self.new_session()
        return g.db_session

    def _close_session(self, _exc) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def get_db() -> Database:
    return current_app.extensions["db"]


def get_session() -> Session:
    return get_db().session


@contextmanager
def transaction() -> Iterator[Session]:
    """A session for a CLI command: committed on success, rolled back on error."""
    session = get_session()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
