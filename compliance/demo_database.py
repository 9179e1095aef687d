"""The demo, loaded once per application into a throw-away in-memory database.

The Word template check renders each document with what the document type's own context
builder makes of these records (compliance.document_templates): no sample context is kept by
hand, and a variable a builder starts to provide is checked from then on. The demo is worked on
in an application context of its own, so that its session and login never mix with the request
that asks; it is encrypted with the application's keys, hence one demo per application."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from compliance import demo
from compliance.db import make_engine
from compliance.schema import upgrade
from compliance.tenancy import Organisation

ACTOR = "demo"
DEMO_URL = "sqlite://"
# One caller at a time: an in-memory database is a single connection.
_LOCK = threading.RLock()


@contextmanager
def _session_on(app: Flask, engine: sa.Engine) -> Iterator[Session]:
    with app.app_context(), app.test_request_context():
        session = g.db_session = Session(bind=engine, expire_on_commit=False)
        try:
            yield session
        finally:
            session.rollback()


def _load(app: Flask) -> sa.Engine:
    engine = make_engine(DEMO_URL)
    with engine.connect() as connection:
        upgrade(app, connection)
        connection.commit()
    with _session_on(app, engine) as session:
        demo.load(session, ACTOR, app.extensions["register_names"])
        session.commit()
    return engine


@contextmanager
def demo_session() -> Iterator[Session]:
    """A session on the current application's demo database (loaded on first use), in a
    request of its own; whatever it writes is rolled back."""
    app = current_app._get_current_object()
    with _LOCK:
        engine = app.extensions.get("demo_database")
        if engine is None:
            engine = app.extensions["demo_database"] = _load(app)
        with _session_on(app, engine) as session:
            yield session


def _organisations(session: Session) -> list[Organisation]:
    statement = sa.select(Organisation).order_by(Organisation.is_host.desc(), Organisation.id)
    return list(session.scalars(statement))


def demo_contexts(builder: Callable[[Session, Any, Any], dict | None]) -> list[dict]:
    """What a context builder (session, organisation, user) makes of each demo organisation it
    has data for, the host first, as the command line would export it (no user)."""
    with demo_session() as session:
        contexts = (builder(session, o, None) for o in _organisations(session))
        return [context for context in contexts if context is not None]


def demo_context(builder: Callable[[Session, Any, Any], dict | None]) -> dict:
    """What a context builder makes of the first demo organisation it has data for."""
    with demo_session() as session:
        for organisation in _organisations(session):
            context = builder(session, organisation, None)
            if context is not None:
                return context
    raise LookupError("the demo holds no data for this document")
