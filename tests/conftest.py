"""Shared fixtures: one database per backend and session, a rolled-back transaction per test.

Every test that uses the database runs twice: on SQLite and on PostgreSQL (skipped, with the
reason printed, only when no PostgreSQL server answers).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from compliance import create_app
from compliance.admin import services
from compliance.permissions import Role
from compliance.schema import upgrade
from compliance.tenancy import OrganisationKind

PASSWORD = "correct-horse-battery"
POSTGRES_ADMIN_URL = os.environ.get(
    "COMPLIANCE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _postgres_database() -> Iterator[str]:
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            name = f"compliance_test_{uuid.uuid4().hex[:10]}"
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as error:
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {error.orig}")
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Argon2 with the cheapest parameters: the production cost would dominate the suite."""
    from argon2 import PasswordHasher

    from compliance import auth

    production = auth._hasher, auth._DUMMY_HASH
    auth._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    auth._DUMMY_HASH = auth._hasher.hash("not-a-password")
    yield
    auth._hasher, auth._DUMMY_HASH = production


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """A fresh database for the session, upgraded to the head revision."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "test.db"
        yield f"sqlite:///{path}"
        return
    yield from _postgres_database()


@pytest.fixture
def empty_database_url(database_url, tmp_path) -> Iterator[str]:
    """A new, empty database on the same backend as `database_url`, dropped after the test."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    yield from _postgres_database()


@pytest.fixture
def committed_app(empty_database_url, tmp_path):
    """An application on its own database, where sessions really commit."""
    app = create_app(
        {"DATABASE_URL": empty_database_url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"}
    )
    upgrade(app)
    with app.app_context():
        yield app
    app.extensions["db"].engine.dispose()


@pytest.fixture(scope="session")
def base_app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "test-secret-key",
            "SESSION_COOKIE_SECURE": False,
            "WTF_CSRF_ENABLED": True,
            "SERVER_NAME": "localhost",
        }
    )
    app.test_client_class = RequestScopedClient
    upgrade(app)
    yield app
    app.extensions["db"].engine.dispose()


@pytest.fixture
def app(base_app):
    """The application, its sessions bound to one connection rolled back after the test."""
    db = base_app.extensions["db"]
    connection = db.engine.connect()
    transaction = connection.begin()
    db.bind = connection
    throttle_store = base_app.extensions["login_throttle"].store
    if hasattr(throttle_store, "_hits"):
        throttle_store._hits.clear()
    config = dict(base_app.config)  # a test's settings end with it
    ctx = base_app.app_context()
    ctx.push()
    try:
        yield base_app
    finally:
        ctx.pop()
        base_app.config.clear()
        base_app.config.update(config)
        db.bind = db.engine
        transaction.rollback()
        connection.close()


@pytest.fixture
def session(app):
    from compliance.db import get_session

    return get_session()


class RequestScopedClient(FlaskClient):
    """Gives each request its own `g` and database session, as in production.

    The `app` fixture keeps an application context pushed for the whole test, and Flask lets a
    request reuse it: without this, Flask-Login's user, per-request caches and the test's own
    session would leak from one request into the next. Afterwards the test's session is expired,
    so that the objects it holds show what the request wrote.
    """

    def open(self, *args, **kwargs):
        ctx = _cv_app.get(None)
        if ctx is None or ctx.app is not self.application:
            return super().open(*args, **kwargs)
        test_globals, ctx.g = ctx.g, self.application.app_ctx_globals_class()
        try:
            return super().open(*args, **kwargs)
        finally:
            self.application.extensions["db"]._close_session(None)
            ctx.g = test_globals
            if "db_session" in test_globals:
                test_globals.db_session.expire_all()


class CSRFClient:
    """A test client whose POSTs carry the CSRF token of the page it last rendered, as a
    browser's would. `raw` is the underlying FlaskClient for posts without a token."""

    def __init__(self, client):
        self.raw = client

    def _token(self) -> str:
        # The token Flask-WTF would render: the session's raw token, signed with the secret key.
        with self.raw.session_transaction() as sess:
            raw = sess.setdefault("csrf_token", hashlib.sha1(os.urandom(64)).hexdigest())
        serializer = URLSafeTimedSerializer(self.raw.application.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)

    def get(self, *args, **kwargs):
        return self.raw.get(*args, **kwargs)

    def post(self, url, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self._token())
        return self.raw.post(url, data=data, **kwargs)

    def __getattr__(self, name):
        return getattr(self.raw, name)


@pytest.fixture
def client(app):
    return CSRFClient(app.test_client())


# --- factories ------------------------------------------------------------------------------


@pytest.fixture
def make_organisation(session):
    counter = iter(range(1, 10_000))

    def make(name: str | None = None, **data):
        name = name or f"Commune {next(counter)}"
        data.setdefault("kind", OrganisationKind.COMMUNE)
        return services.create_organisation(session, {"name": name, **data}, actor="test")

    return make


@pytest.fixture
def make_user(session):
    counter = iter(range(1, 10_000))

    def make(
        role: Role | str | None = None,
        *organisations,
        email=None,
        password=PASSWORD,
        expires_at=None,
        **data,
    ):
        email = email or f"user{next(counter)}@example.org"
        user = services.create_user(
            session,
            email=email,
            name=data.pop("name", email),
            password=password,
            actor="test",
            **data,
        )
        for organisation in organisations:
            services.grant_role(
                session, user, organisation, role, actor="test", expires_at=expires_at
            )
        session.flush()
        return user

    return make


@pytest.fixture
def organisation(make_organisation):
    """One ready member organisation."""
    return make_organisation("Ivry-sur-Seine")


@pytest.fixture
def other_organisation(make_organisation):
    return make_organisation("Gentilly")


@pytest.fixture
def login_as(client, make_user, session):
    """Log the client in as a new user holding `role` in the given organisations."""

    def login(role: Role | str, *organisations, **kwargs):
        user = make_user(role, *organisations, **kwargs)
        session.commit()
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.data[:500]
        return user

    return login
