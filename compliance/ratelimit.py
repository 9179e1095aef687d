"""Failed-login counting, in memory, in the database or in Redis (shared by all processes)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import request
from sqlmodel import Field, SQLModel, delete, func, select

from compliance.db import UTCDateTime, utcnow


class LoginFailure(SQLModel, table=True):
    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, nullable=False, index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class MemoryStore:
    """For one process (the embedded default)."""

    def __init__(self, window: int):
        self.window = window
        self._hits: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, key: str, now: float) -> deque:
        hits = self._hits[key]
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def hit(self, key: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._trim(key, now).append(now)

    def count(self, key: str) -> int:
        with self._lock:
            return len(self._trim(key, time.monotonic()))

    def retry_after(self, key: str) -> int:
        with self._lock:
            hits = self._trim(key, time.monotonic())
            return int(hits[0] + self.window - time.monotonic()) + 1 if hits else 0

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)


class DatabaseStore:
    """Counts in the application database, in its own short transactions."""

    def __init__(self, window: int, engine_getter):
        self.window = window
        self._engine = engine_getter

    def _since(self) -> datetime:
        return utcnow() - timedelta(seconds=self.window)

    def hit(self, key: str) -> None:
        with sa.orm.Session(self._engine()) as session, session.begin():
            session.add(LoginFailure(key=key))
            session.execute(delete(LoginFailure).where(LoginFailure.at < self._since()))

    def count(self, key: str) -> int:
        with sa.orm.Session(self._engine()) as session:
            statement = select(func.count()).where(
                LoginFailure.key == key, LoginFailure.at >= self._since()
            )
            return session.scalar(statement) or 0

    def retry_after(self, key: str) -> int:
        with sa.orm.Session(self._engine()) as session:
            first = session.scalar(
                select(func.min(LoginFailure.at)).where(
                    LoginFailure.key == key, LoginFailure.at >= self._since()
                )
            )
        if first is None:
            return 0
        return max(1, int((first + timedelta(seconds=self.window) - utcnow()).total_seconds()) + 1)

    def reset(self, key: str) -> None:
        with sa.orm.Session(self._engine()) as session, session.begin():
            session.execute(delete(LoginFailure).where(LoginFailure.key == key))


class RedisStore:
    """A sorted set per key, timestamps as scores: a sliding window shared by all processes."""

    def __init__(self, window: int, url: str):
        try:
            import redis
        except ImportError as error:
            raise RuntimeError(
                "COMPLIANCE_RATELIMIT_STORAGE names Redis, but the redis package is not "
                "installed: pip install 'registre[redis]'"
            ) from error

        self.window = window
        self.client = redis.Redis.from_url(url)

    def _key(self, key: str) -> str:
        return f"compliance:login:{key}"

    def hit(self, key: str) -> None:
        now = time.time()
        pipe = self.client.pipeline()
        pipe.zadd(self._key(key), {f"{now}": now})
        pipe.zremrangebyscore(self._key(key), 0, now - self.window)
        pipe.expire(self._key(key), self.window)
        pipe.execute()

    def count(self, key: str) -> int:
        now = time.time()
        self.client.zremrangebyscore(self._key(key), 0, now - self.window)
        return int(self.client.zcard(self._key(key)))

    def retry_after(self, key: str) -> int:
        first = self.client.zrange(self._key(key), 0, 0, withscores=True)
        if not first:
            return 0
        return max(1, int(first[0][1] + self.window - time.time()) + 1)

    def reset(self, key: str) -> None:
        self.client.delete(self._key(key))


class LoginThrottle:
    """Refuses logins after too many failures for one account or from one address."""

    def __init__(self, store, max_per_account: int, max_per_address: int):
        self.store = store
        self.max_per_account = max_per_account
        self.max_per_address = max_per_address

    @staticmethod
    def _keys(email: str, address: str) -> tuple[str, str]:
        return f"account:{email.strip().lower()}", f"address:{address}"

    def blocked_for(self, email: str, address: str) -> int:
        """Seconds until a new attempt is allowed; 0 when it is allowed now."""
        account, addr = self._keys(email, address)
        waits = []
        if self.store.count(account) >= self.max_per_account:
            waits.append(self.store.retry_after(account))
        if self.store.count(addr) >= self.max_per_address:
            waits.append(self.store.retry_after(addr))
        return max(waits, default=0)

    def failed(self, email: str, address: str) -> None:
        for key in self._keys(email, address):
            self.store.hit(key)

    def succeeded(self, email: str, address: str) -> None:
        self.store.reset(self._keys(email, address)[0])


def make_throttle(app) -> LoginThrottle:
    storage = app.config["RATELIMIT_STORAGE"]
    window = app.config["LOGIN_WINDOW_SECONDS"]
    if storage == "memory":
        store = MemoryStore(window)
    elif storage == "database":
        store = DatabaseStore(window, lambda: app.extensions["db"].bind)
    elif storage.startswith(("redis://", "rediss://", "unix://")):
        store = RedisStore(window, storage)
    else:
        raise ValueError(
            f"COMPLIANCE_RATELIMIT_STORAGE={storage!r}: use memory, database or a redis:// URL"
        )
    return LoginThrottle(
        store, app.config["LOGIN_MAX_PER_ACCOUNT"], app.config["LOGIN_MAX_PER_ADDRESS"]
    )


def client_address() -> str:
    """The address failed logins are counted against."""
    return request.remote_addr or "unknown"
