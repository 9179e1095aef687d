"""The failed-login stores: memory, database and Redis count, expire and reset alike."""

from __future__ import annotations

import uuid

import pytest
import redis
from sqlmodel import func, select

from compliance.ratelimit import (
    DatabaseStore,
    LoginFailure,
    LoginThrottle,
    MemoryStore,
    RedisStore,
    make_throttle,
)
from tests.conftest import PASSWORD

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_store():
    store = RedisStore(60, REDIS_URL)
    try:
        store.client.ping()
    except redis.exceptions.ConnectionError as error:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {error}")
    yield store
    store.client.close()


@pytest.fixture
def database_store(app):
    return DatabaseStore(60, lambda: app.extensions["db"].bind)


def _exercise(store) -> None:
    key, other = f"account:{uuid.uuid4().hex}", f"account:{uuid.uuid4().hex}"
    assert store.count(key) == 0
    assert store.retry_after(key) == 0
    store.hit(key)
    store.hit(key)
    store.hit(other)
    assert store.count(key) == 2
    assert 0 < store.retry_after(key) <= 61
    store.reset(key)
    assert store.count(key) == 0
    assert store.count(other) == 1
    store.reset(other)


def test_memory_store():
    _exercise(MemoryStore(60))


def test_database_store(database_store):
    _exercise(database_store)


def test_redis_store(redis_store):
    _exercise(redis_store)


def test_database_store_forgets_failures_outside_the_window(app):
    store = DatabaseStore(0, lambda: app.extensions["db"].bind)
    store.hit("address:192.0.2.1")
    assert store.count("address:192.0.2.1") == 0


def _lock_and_unlock(store) -> None:
    throttle = LoginThrottle(store, max_per_account=2, max_per_address=10)
    email, address = f"{uuid.uuid4().hex}@example.org", "192.0.2.9"
    throttle.failed(email, address)
    assert throttle.blocked_for(email, address) == 0
    throttle.failed(email.upper(), address)
    assert throttle.blocked_for(email, address) > 0
    throttle.succeeded(email, address)
    assert throttle.blocked_for(email, address) == 0
    store.reset(f"address:{address}")


def test_throttle_with_the_database_store(database_store):
    _lock_and_unlock(database_store)


def test_throttle_with_the_redis_store(redis_store):
    _lock_and_unlock(redis_store)


def test_unknown_storage_is_refused(app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE", "memcached://x")
    with pytest.raises(ValueError, match="COMPLIANCE_RATELIMIT_STORAGE"):
        make_throttle(app)


def test_login_lockout_with_the_database_store(app, client, make_user, session, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE", "database")
    monkeypatch.setitem(app.extensions, "login_throttle", make_throttle(app))
    user = make_user("referent", email="locked@example.org")
    session.commit()
    for _ in range(app.config["LOGIN_MAX_PER_ACCOUNT"]):
        client.post("/login", data={"email": user.email, "password": "wrong-password"})
    rows = session.scalar(
        select(func.count()).where(LoginFailure.key == "account:locked@example.org")
    )
    assert rows == app.config["LOGIN_MAX_PER_ACCOUNT"]
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
