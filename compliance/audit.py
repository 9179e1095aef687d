"""The audit trail: append-only entries chained by SHA-256, and their verification."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session
from sqlmodel import JSON, Field, SQLModel, select

from compliance.db import UTCDateTime, utcnow

GENESIS = "0" * 64
# Columns never copied into the trail: their value is a secret or pure bookkeeping.
HIDDEN_COLUMNS = {"password_hash", "token_hash", "version", "updated_at", "created_at"}
REDACTED = "[chiffré]"


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    # Contiguous position in the chain (ids may skip after a rollback; seq never does).
    seq: int = Field(nullable=False, unique=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    actor_id: int | None = Field(default=None, index=True)
    actor_label: str | None = Field(default=None, max_length=254)
    organisation_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=32, nullable=False, index=True)
    object_type: str | None = Field(default=None, max_length=64, index=True)
    object_id: str | None = Field(default=None, max_length=64)
    summary: str | None = Field(default=None, max_length=500)
    changes: dict | None = Field(default=None, sa_type=JSON)
    address: str | None = Field(default=None, max_length=64)
    prev_hash: str = Field(max_length=64, nullable=False, unique=True)
    hash: str = Field(max_length=64, nullable=False, unique=True)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return REDACTED
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def entry_digest(entry: AuditEntry) -> str:
    payload = {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "organisation_id": entry.organisation_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "summary": entry.summary,
        "changes": entry.changes,
        "address": entry.address,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _lock_chain(session: Session) -> None:
    # Two processes appending at once would fork the chain: serialise on PostgreSQL.
    # (SQLite serialises writers itself; the unique prev_hash refuses any fork.)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(727274)"))


def record(
    session: Session,
    *,
    action: str,
    actor=None,
    target=None,
    organisation_id: int | None = None,
    summary: str | None = None,
    changes: dict | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    address: str | None = None,
) -> AuditEntry:
    """Append one entry to the trail (flushed, never committed)."""
    if target is not None:
        session.flush()
        object_type = object_type or type(target).__name__
        object_id = object_id if object_id is not None else getattr(target, "id", None)
        if organisation_id is None:
            organisation_id = getattr(target, "organisation_id", None)
            if organisation_id is None and type(target).__name__ == "Organisation":
                organisation_id = target.id
    _lock_chain(session)
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    entry = AuditEntry(
        seq=(last.seq + 1) if last else 1,
        at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or (str(actor) if actor else None),
        organisation_id=organisation_id,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        summary=(summary or "")[:500] or None,
        changes=_plain(changes) if changes else None,
        address=address,
        prev_hash=last.hash if last else GENESIS,
    )
    entry.hash = entry_digest(entry)
    session.add(entry)
    session.flush()
    return entry


def _hidden(column_key: str, sensitive: set[str]) -> bool:
    return column_key in HIDDEN_COLUMNS or column_key in sensitive


def pending_changes(target) -> dict:
    """Before/after of the columns changed on a loaded object, read from its history."""
    state = sa_inspect(target)
    sensitive = set(getattr(type(target), "__sensitive__", ()))
    changes = {}
    for attr in state.mapper.column_attrs:
        if _hidden(attr.key, set()):
            continue
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if before == after:
            continue
        if attr.key in sensitive:
            changes[attr.key] = {"before": REDACTED, "after": REDACTED}
        else:
            changes[attr.key] = {"before": _plain(before), "after": _plain(after)}
    return changes


def snapshot(target) -> dict:
    """The columns of a new object, as the 'after' side of a creation."""
    state = sa_inspect(target)
    sensitive = set(getattr(type(target), "__sensitive__", ()))
    result = {}
    for attr in state.mapper.column_attrs:
        if _hidden(attr.key, set()) or attr.key == "id":
            continue
        value = getattr(target, attr.key)
        if value is None:
            continue
        result[attr.key] = {
            "before": None,
            "after": REDACTED if attr.key in sensitive else _plain(value),
        }
    return result


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    head: str
    bad_seq: int | None = None
    reason: str | None = None


def verify(session: Session) -> VerifyResult:
    """Walk the chain in order; report the first entry that was altered, removed or inserted."""
    previous = GENESIS
    expected_seq = 1
    checked = 0
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    for entry in rows:
        if entry.seq != expected_seq:
            return VerifyResult(
                False,
                checked,
                previous,
                expected_seq,
                f"entry {expected_seq} is missing (next is {entry.seq})",
            )
        if entry.prev_hash != previous:
            return VerifyResult(
                False,
                checked,
                previous,
                entry.seq,
                f"entry {entry.seq} does not follow entry {entry.seq - 1}",
            )
        if entry_digest(entry) != entry.hash:
            return VerifyResult(
                False, checked, previous, entry.seq, f"entry {entry.seq} was altered"
            )
        previous = entry.hash
        expected_seq += 1
        checked += 1
        session.expunge(entry)
    return VerifyResult(True, checked, previous)
