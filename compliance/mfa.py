"""The second factor: TOTP codes (RFC 6238) and one-time recovery codes, and the operations
that enrol, check, disable and reset them. Services flush, never commit."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import quote, urlencode

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import delete, func, select

from compliance import audit
from compliance.auth import RecoveryCode, User
from compliance.db import utcnow
from compliance.permissions import Role

ISSUER = "Registre"
STEP_SECONDS = 30
DIGITS = 6
# Codes of the step before and after are accepted too: a phone's clock drifts.
TOLERANCE_STEPS = 1
RECOVERY_CODES = 10
# Without 0/o, 1/l/i: a code copied from paper is read back without doubt.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


# --- TOTP -----------------------------------------------------------------------------------


def new_secret() -> str:
    """160 random bits in base32, as authenticator applications expect."""
    return base64.b32encode(secrets.token_bytes(20)).decode()


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def totp(secret: str, step: int) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    digest = hmac.new(key, step.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{number % 10**DIGITS:0{DIGITS}d}"


def matching_step(
    secret: str, code: str, *, after: int | None = None, now: float | None = None
) -> int | None:
    """The time step whose code is `code`, within the tolerance and later than `after`."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    now_step = current_step(now)
    for step in range(now_step - TOLERANCE_STEPS, now_step + TOLERANCE_STEPS + 1):
        if (after is None or step > after) and hmac.compare_digest(totp(secret, step), code):
            return step
    return None


def provisioning_uri(user: User, secret: str) -> str:
    label = quote(f"{ISSUER}:{user.email}", safe="@:")
    query = urlencode({"secret": secret, "issuer": ISSUER, "digits": DIGITS, "period": 30})
    return f"otpauth://totp/{label}?{query}"


def qr_code_data_uri(uri: str) -> str:
    import segno

    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


# --- recovery codes -------------------------------------------------------------------------


def _normalise_recovery(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())


def hash_recovery_code(code: str) -> str:
    return hashlib.sha256(_normalise_recovery(code).encode()).hexdigest()


def _new_recovery_code() -> str:
    # 16 characters of 31: 79 bits, so that their unsalted SHA-256 cannot be reversed by
    # trying every code, even by someone who has read the database.
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def replace_recovery_codes(session: Session, user: User) -> list[str]:
    """Ten new codes, returned once in clear; the old ones stop working."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_recovery_code(c)) for c in codes)
    session.flush()
    return codes


def remaining_recovery_codes(session: Session, user: User) -> int:
    return session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def _consume_recovery_code(session: Session, user: User, code: str) -> bool:
    # One conditional UPDATE: two requests racing with the same code cannot both use it.
    result = session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == hash_recovery_code(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _accept_step(session: Session, user: User, step: int) -> bool:
    # Conditional too: a code is accepted once, even by two requests at the same instant.
    table = User.__table__
    result = session.execute(
        table.update()
        .where(
            table.c.id == user.id,
            sa.or_(table.c.mfa_last_step.is_(None), table.c.mfa_last_step < step),
        )
        .values(mfa_last_step=step)
    )
    session.expire(user, ["mfa_last_step"])
    return result.rowcount == 1


# --- operations -----------------------------------------------------------------------------


def start_enrolment(session: Session, user: User) -> str:
    """A new secret, kept (encrypted) until a code confirms it; MFA is not on yet."""
    if user.mfa_enabled:
        raise ValueError("the second factor is already enabled")
    user.mfa_secret = new_secret()
    user.mfa_last_step = None
    session.flush()
    return user.mfa_secret


def confirm_enrolment(session: Session, user: User, code: str, *, actor) -> list[str] | None:
    """Turn MFA on when `code` matches the pending secret; return the recovery codes."""
    if user.mfa_enabled or not user.mfa_secret:
        return None
    step = matching_step(user.mfa_secret, code)
    if step is None:
        return None
    user.mfa_enabled_at = utcnow()
    user.mfa_last_step = step
    session.flush()
    codes = replace_recovery_codes(session, user)
    audit.record(
        session, action="mfa_enable", actor=actor, target=user, summary=f"MFA on for {user.email}"
    )
    return codes


def verify_second_factor(session: Session, user: User, code: str) -> str | None:
    """'totp' or 'recovery' when `code` is a valid, unused code of the user; else None.
    A TOTP code is accepted once; a recovery code is consumed (and audited)."""
    if not user.mfa_enabled or not code:
        return None
    step = matching_step(user.mfa_secret, code, after=user.mfa_last_step)
    if step is not None:
        return "totp" if _accept_step(session, user, step) else None
    if _consume_recovery_code(session, user, code):
        left = remaining_recovery_codes(session, user)
        audit.record(
            session,
            action="mfa_recovery",
            actor=user,
            target=user,
            summary=f"Recovery code used by {user.email} ({left} left)",
        )
        return "recovery"
    return None


def renew_recovery_codes(session: Session, user: User, code: str, *, actor) -> list[str] | None:
    """Ten new recovery codes for a current code; the old ones stop working."""
    if verify_second_factor(session, user, code) is None:
        return None
    codes = replace_recovery_codes(session, user)
    audit.record(
        session,
        action="mfa_recovery_codes",
        actor=actor,
        target=user,
        summary=f"New recovery codes for {user.email}",
    )
    return codes


def _clear(session: Session, user: User) -> None:
    user.mfa_secret = None
    user.mfa_enabled_at = None
    user.mfa_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.flush()


def disable(session: Session, user: User, code: str, *, actor) -> bool:
    """The user turns MFA off, proving it with a current code."""
    if verify_second_factor(session, user, code) is None:
        return False
    _clear(session, user)
    audit.record(
        session, action="mfa_disable", actor=actor, target=user, summary=f"MFA off for {user.email}"
    )
    return True


def reset(session: Session, user: User, *, actor) -> None:
    """The platform admin removes a user's second factor (a lost phone): the user enrols
    again; their open sessions end."""
    _clear(session, user)
    user.end_sessions()
    session.flush()
    audit.record(
        session, action="mfa_reset", actor=actor, target=user, summary=f"MFA reset for {user.email}"
    )


def required_roles(config) -> frozenset[Role]:
    return frozenset(Role(role) for role in config.get("MFA_REQUIRED_ROLES") or ())


def must_enrol(user: User, roles: set[Role] | frozenset[Role], config) -> bool:
    """Whether the user holds a role that requires MFA and has not enrolled yet."""
    return not user.mfa_enabled and bool(set(roles) & required_roles(config))
