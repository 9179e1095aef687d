"""The audit chain: its entries, the keys that seal them, verification and re-sealing.

Each entry's seal is HMAC-SHA256 under an audit key kept outside the database (its id is stored
with the entry), over the entry and the previous entry's seal; entries of the earlier unkeyed
chain (no key id) were sealed with plain SHA-256.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Session
from sqlmodel import JSON, Field, SQLModel, select

from compliance.db import UTCDateTime, utcnow

GENESIS = "0" * 64


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
    # Which audit key sealed the entry (`key_id`); None for an entry of the unkeyed
    # SHA-256 chain of earlier versions, which `verify` refuses until `audit rekey`.
    key_id: str | None = Field(default=None, max_length=16)
    prev_hash: str = Field(max_length=64, nullable=False, unique=True)
    hash: str = Field(max_length=64, nullable=False, unique=True)


# --- keys and digests -------------------------------------------------------------------------


def key_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def parse_keys(text: str | None) -> dict[str, str]:
    """The key ring of a setting: comma-separated keys, newest first -> {key_id: key}."""
    keys = [k.strip() for k in (text or "").split(",") if k.strip()]
    return {key_id(k): k for k in keys}


def current_keys() -> dict[str, str]:
    keys = parse_keys(current_app.config.get("AUDIT_KEYS")) if has_app_context() else {}
    if not keys:
        raise RuntimeError("no audit key: set COMPLIANCE_AUDIT_KEYS or an instance folder")
    return keys


def _payload(entry: AuditEntry) -> dict:
    return {
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


def entry_digest(entry: AuditEntry, key: str | None = None) -> str:
    """The entry's seal: HMAC-SHA256 under `key`, or the plain SHA-256 of the unkeyed chain."""
    payload = _payload(entry)
    if key is None:
        canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()
    payload["key_id"] = entry.key_id
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key.encode(), canonical.encode(), hashlib.sha256).hexdigest()


# --- the chain lock ----------------------------------------------------------------------------


def lock_chain(session: Session) -> None:
    # Two processes appending at once would fork the chain: serialise on PostgreSQL.
    # (SQLite serialises writers itself; the unique prev_hash refuses any fork.)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(727274)"))


# --- verification -----------------------------------------------------------------------------


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    head: str
    bad_seq: int | None = None
    reason: str | None = None


def _walk(session: Session, keys: dict[str, str], *, legacy: bool):
    """Yield (entry, reason or None) in chain order; stop after the first bad entry."""
    previous = GENESIS
    expected_seq = 1
    keyed_seen = False
    for entry in session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars():
        reason = None
        if entry.seq != expected_seq:
            reason = f"entry {expected_seq} is missing (next is {entry.seq})"
        elif entry.prev_hash != previous:
            reason = f"entry {entry.seq} does not follow entry {entry.seq - 1}"
        elif entry.key_id is None and not legacy:
            reason = f"entry {entry.seq} is not keyed (see `compliance audit rekey --unkeyed`)"
        elif entry.key_id is None and keyed_seen:
            reason = f"entry {entry.seq} is not keyed but follows keyed entries"
        elif entry.key_id is not None and entry.key_id not in keys:
            reason = f"entry {entry.seq} names an unknown audit key {entry.key_id}"
        elif entry_digest(entry, keys.get(entry.key_id)) != entry.hash:
            reason = f"entry {entry.seq} was altered"
        yield entry, reason
        if reason:
            return
        keyed_seen = keyed_seen or entry.key_id is not None
        previous = entry.hash
        expected_seq += 1


def verify(session: Session, keys: dict[str, str] | None = None) -> VerifyResult:
    """Walk the chain in order; report the first entry that was altered, removed, inserted or
    sealed without one of the audit keys."""
    keys = current_keys() if keys is None else keys
    checked, head = 0, GENESIS
    for entry, reason in _walk(session, keys, legacy=False):
        if reason:
            bad = entry.seq if "missing" not in reason else checked + 1
            return VerifyResult(False, checked, head, bad, reason)
        checked, head = checked + 1, entry.hash
        session.expunge(entry)
    return VerifyResult(True, checked, head)


@dataclass
class RekeyResult:
    count: int
    # The last unkeyed entry accepted, and its hash: compare it with a head recorded before
    # the upgrade, since anyone who could write to the database could forge an unkeyed chain.
    unkeyed_head: tuple[int, str] | None = None


def rekey(
    session: Session, keys: dict[str, str] | None = None, *, unkeyed: bool = False
) -> RekeyResult:
    """Re-seal the whole chain with the newest key, after verifying it as it stands: keyed
    entries by their key and, with `unkeyed`, the entries of the earlier unkeyed chain by plain
    SHA-256 (only before the first keyed one). To retire an old key, and once to upgrade a
    trail written before the keyed chain."""
    keys = current_keys() if keys is None else keys
    lock_chain(session)  # before reading: an entry appended meanwhile would not follow
    entries, result = [], RekeyResult(0)
    for entry, reason in _walk(session, keys, legacy=unkeyed):
        if reason:
            raise ValueError(f"audit trail broken, nothing re-sealed: {reason}")
        entries.append(entry)
        if entry.key_id is None:
            result.unkeyed_head = (entry.seq, entry.hash)
    for entry in entries:
        session.expunge(entry)
    newest_id, newest_key = next(iter(keys.items()))
    previous = GENESIS
    table = AuditEntry.__table__
    for entry in entries:
        entry.prev_hash, entry.key_id = previous, newest_id
        entry.hash = previous = entry_digest(entry, newest_key)
        session.execute(
            table.update()
            .where(table.c.id == entry.id)
            .values(prev_hash=entry.prev_hash, hash=entry.hash, key_id=newest_id)
        )
    result.count = len(entries)
    return result
