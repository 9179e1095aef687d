"""Users, memberships, API tokens, password hashing and the permission check."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import g, has_request_context
from flask_login import AnonymousUserMixin, current_user
from sqlmodel import Field

from compliance.crypto import EncryptedText
from compliance.db import IdMixin, RecordMixin, UTCDateTime, get_session, str_enum, utcnow
from compliance.permissions import Action, Register, Role, role_allows

_hasher = PasswordHasher()
# Verified against when the account does not exist, so both paths cost the same.
_DUMMY_HASH = _hasher.hash("not-a-password")


class User(RecordMixin, table=True):
    email: str = Field(max_length=254, nullable=False, unique=True, index=True)
    name: str = Field(max_length=200, nullable=False)
    password_hash: str | None = Field(default=None, max_length=255)
    active: bool = Field(default=True, nullable=False)
    language: str = Field(default="fr", max_length=5, nullable=False)
    # Part of the session cookie's user id: changing it ends every session of the user
    # (logout, password change, deactivation), even a copied cookie.
    session_token: str = Field(
        default_factory=lambda: secrets.token_hex(16), max_length=32, nullable=False
    )
    # Second factor (TOTP, RFC 6238): the secret, encrypted; set at enrolment, in use once
    # `mfa_enabled_at` is set. The last time step accepted refuses a replayed code.
    mfa_secret: str | None = Field(default=None, sa_type=EncryptedText)
    mfa_enabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    mfa_last_step: int | None = Field(default=None, sa_type=sa.BigInteger)

    # Never copied in clear into the audit trail.
    __sensitive__ = ("session_token", "mfa_secret", "mfa_last_step")

    # Flask-Login protocol
    is_authenticated: ClassVar[bool] = True
    is_anonymous: ClassVar[bool] = False

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def mfa_enabled(self) -> bool:
        return self.mfa_enabled_at is not None and bool(self.mfa_secret)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        self.session_token = secrets.token_hex(16)

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            _safe_verify(_DUMMY_HASH, password)
            return False
        return _safe_verify(self.password_hash, password)

    def __str__(self) -> str:
        return self.name


def _safe_verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_password_check(password: str) -> None:
    """Spend the time of a password check for an unknown account."""
    _safe_verify(_DUMMY_HASH, password)


class Membership(IdMixin, table=True):
    user_id: int = Field(foreign_key="user.id", nullable=False, index=True, ondelete="CASCADE")
    organisation_id: int = Field(
        foreign_key="organisation.id", nullable=False, index=True, ondelete="CASCADE"
    )
    role: Role = Field(sa_type=str_enum(Role, 16), nullable=False)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    __table_args__ = (sa.UniqueConstraint("user_id", "organisation_id", "role"),)

    def is_current(self, now: datetime | None = None) -> bool:
        return self.expires_at is None or self.expires_at > (now or utcnow())


class RecoveryCode(IdMixin, table=True):
    """A one-time code that stands in for the second factor; only its hash is kept."""

    __tablename__ = "mfa_recovery_code"
    # Audited as part of the user's change (enrolment, use of a code, reset); never the hash.
    __audit_parent__ = ("User", "user_id")
    __audit_fold__ = True

    user_id: int = Field(foreign_key="user.id", nullable=False, index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=64, nullable=False, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiToken(IdMixin, table=True):
    # The prefix is part of the secret; `last_used_at` is bookkeeping, not a change.
    __audit_exclude__ = ("prefix", "last_used_at")

    user_id: int = Field(foreign_key="user.id", nullable=False, index=True, ondelete="CASCADE")
    name: str = Field(max_length=100, nullable=False)
    prefix: str = Field(max_length=16, nullable=False)
    token_hash: str = Field(max_length=64, nullable=False, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


TOKEN_PREFIX = "rgt_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def active_membership_condition(now: datetime | None = None):
    now = now or utcnow()
    return sa.or_(Membership.expires_at.is_(None), Membership.expires_at > now)


class Anonymous(AnonymousUserMixin):
    id = None
    name = ""
    language = None


def memberships_of(user, session) -> list[sa.Row]:
    """The user's current memberships, cached for the request: read-only rows (organisation_id,
    role, expires_at), loaded on every request, and a national DPO holds a thousand of them,
    which cost a fraction of mapped objects."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return []
    cache_key = f"memberships_{user.id}"
    if has_request_context() and cache_key in g:
        return g.get(cache_key)
    rows = list(
        session.execute(
            sa.select(Membership.organisation_id, Membership.role, Membership.expires_at).where(
                Membership.user_id == user.id, active_membership_condition()
            )
        )
    )
    if has_request_context():
        setattr(g, cache_key, rows)
    return rows


def roles_by_organisation(user, session) -> dict[int | None, frozenset[Role]]:
    """Organisation id -> the user's current roles there, and None -> the roles held anywhere;
    cached for the request, so a permission check is a lookup however many organisations the
    user serves (a national DPO holds a role in each of a thousand)."""
    memberships = memberships_of(user, session)
    cache_key = f"roles_{getattr(user, 'id', None)}"
    if has_request_context() and cache_key in g:
        return g.get(cache_key)
    grouped: dict[int | None, set[Role]] = {None: set()}
    for membership in memberships:
        grouped.setdefault(membership.organisation_id, set()).add(Role(membership.role))
        grouped[None].add(Role(membership.role))
    roles = {key: frozenset(value) for key, value in grouped.items()}
    if has_request_context():
        setattr(g, cache_key, roles)
    return roles


def can(
    register: Register | str,
    action: Action | str,
    organisation_id: int | None = None,
    *,
    user=None,
    session=None,
) -> bool:
    """The permission check. Without an organisation: allowed in at least one."""
    user = current_user if user is None else user
    roles = roles_by_organisation(user, session or get_session()).get(organisation_id, ())
    return any(role_allows(role, register, action) for role in roles)
