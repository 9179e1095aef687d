"""The audit trail: entries recorded from the session itself, chained at commit by a keyed hash.

Every flush is observed (`after_flush`, while each object's attribute history is still there):
each created, changed or deleted row becomes a pending entry of its transaction, with the
before/after of its visible columns. An explicit `record(..., target=x)` (a login, an export, a
transition) describes the entry of `x` rather than adding a second one. At commit the pending
entries are chained: the chain lock is taken, the head read, and each entry sealed with
HMAC-SHA256 under the newest audit key, so the lock is held for the commit only.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context
from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session
from sqlmodel import select

from compliance.audit_chain import (
    GENESIS,
    AuditEntry,
    RekeyResult,
    VerifyResult,
    current_keys,
    entry_digest,
    key_id,
    lock_chain,
    parse_keys,
    rekey,
    verify,
)
from compliance.crypto import EncryptedText
from compliance.db import utcnow

__all__ = [
    "GENESIS",
    "AuditEntry",
    "Pending",
    "RekeyResult",
    "VerifyResult",
    "acting_as",
    "current_keys",
    "describe",
    "entry_digest",
    "key_id",
    "parse_keys",
    "pending_changes",
    "record",
    "rekey",
    "seal",
    "verify",
]

# Bookkeeping columns never copied into the trail.
HIDDEN_COLUMNS = {"version", "updated_at", "created_at"}
# A column whose name holds one of these carries a secret (or a hash or token of one).
SECRET_MARKERS = ("secret", "token", "hash", "password", "recovery")
REDACTED = "[chiffré]"
# Tables whose rows are bookkeeping or derived data, not changes anyone made: the trail
# itself, failed-login counters, the blind search index of incidents (rebuilt from the
# incident, whose own change is recorded).
EXCLUDED_TABLES = {"audit_entry", "login_failure", "incident_search_token"}

_PENDING = "audit_pending"
_OPEN = "audit_open"  # (object type, object id) -> its pending entry not yet named
_LAST = "audit_last"  # (object type, object id) -> its latest pending entry, named or not
_ACTOR = "actor"
_SERVICE_ACTOR = "audit_service_actor"
_SEALING = "audit_sealing"


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


# --- what a change looks like -----------------------------------------------------------------


def _hidden(model, column_key: str) -> bool:
    lowered = column_key.lower()
    return (
        column_key in HIDDEN_COLUMNS
        or any(marker in lowered for marker in SECRET_MARKERS)
        or column_key in getattr(model, "__audit_exclude__", ())
    )


def _sensitive(model, attr) -> bool:
    if attr.key in getattr(model, "__sensitive__", ()):
        return True
    return any(isinstance(column.type, EncryptedText) for column in attr.columns)


def _columns(state):
    model = state.class_
    return [a for a in state.mapper.column_attrs if not _hidden(model, a.key)]


def _row_changes(state, kind: str) -> dict:
    """Before/after of the visible columns of a created, updated or deleted row."""
    model = state.class_
    changes = {}
    for attr in _columns(state):
        if kind == "update":
            history = state.attrs[attr.key].history
            if not history.has_changes():
                continue
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
        else:
            value = state.dict.get(attr.key)
            if value is None or (kind == "create" and attr.key == "id"):
                continue
            before, after = (None, value) if kind == "create" else (value, None)
        if before == after:
            continue
        if _sensitive(model, attr):
            changes[attr.key] = {
                "before": None if before is None else REDACTED,
                "after": None if after is None else REDACTED,
            }
        else:
            changes[attr.key] = {"before": _plain(before), "after": _plain(after)}
    return changes


def _identity(state) -> str | None:
    # Read from the row's values: in after_flush a new row has its id but no identity key yet.
    mapper = state.mapper
    values = [state.dict.get(mapper.get_property_by_column(c).key) for c in mapper.primary_key]
    if any(value is None for value in values):
        return None
    return ":".join(str(value) for value in values)


# --- pending entries of a transaction ---------------------------------------------------------

_RANK = {"update": 0, "create": 1, "delete": 1}


@dataclass
class Pending:
    """An entry waiting for the commit that chains it."""

    action: str
    at: datetime = field(default_factory=utcnow)
    actor: Any = None
    organisation_id: int | None = None
    object_type: str | None = None
    object_id: str | None = None
    summary: str | None = None
    changes: dict = field(default_factory=dict)
    address: str | None = None
    explicit: bool = False
    # Named by `record`/`describe`: the object's later changes in the transaction are a new entry.
    closed: bool = False
    transaction: Any = None

    def merge_changes(self, changes: dict) -> None:
        for key, change in changes.items():
            if isinstance(change, dict) and "rows" in change:
                self._merge_rows(key, change["rows"])
                continue
            if key in self.changes and isinstance(self.changes[key], dict):
                change = {**change, "before": self.changes[key].get("before")}
                if change["before"] == change.get("after") != REDACTED:
                    del self.changes[key]  # changed back within the transaction
                    continue
            self.changes[key] = change

    def _merge_rows(self, key: str, rows: list[dict]) -> None:
        # A collection replaced by equal rows (deleted, then created again) did not change.
        current = self.changes.setdefault(key, {"rows": []})["rows"]
        for row in rows:
            ((kind, values),) = row.items()
            opposite = {"delete" if kind == "create" else "create": values}
            if kind != "update" and opposite in current:
                current.remove(opposite)
            else:
                current.append(row)
        if not current:
            del self.changes[key]


def _innermost(session: Session):
    return session.get_nested_transaction() or session.get_transaction()


def _pending(session: Session) -> list[Pending]:
    return session.info.setdefault(_PENDING, [])


def _context_actor(session: Session):
    """Who acts: `acting_as`, else the request's user, else the actor the transaction's
    services named."""
    actor = session.info.get(_ACTOR)
    if actor is None and has_request_context():
        user = g.get("_login_user")
        if user is not None and getattr(user, "is_authenticated", False):
            actor = user
    return actor if actor is not None else session.info.get(_SERVICE_ACTOR)


def _find(session: Session, object_type: str, object_id: str) -> Pending | None:
    entry = session.info.get(_OPEN, {}).get((object_type, object_id))
    return None if entry is None or entry.closed else entry


def _entry_for(session: Session, object_type: str, object_id: str, action: str) -> Pending:
    entry = _find(session, object_type, object_id)
    if entry is None:
        entry = Pending(
            action=action,
            actor=_context_actor(session),
            object_type=object_type,
            object_id=object_id,
            transaction=_innermost(session),
        )
        _pending(session).append(entry)
        session.info.setdefault(_OPEN, {})[(object_type, object_id)] = entry
        session.info.setdefault(_LAST, {})[(object_type, object_id)] = entry
    elif not entry.explicit and _RANK[action] > _RANK.get(entry.action, 0):
        entry.action = action
    return entry


def _organisation_of(session: Session, state) -> int | None:
    if state.class_.__name__ == "Organisation":
        return state.dict.get("id")
    if "organisation_id" in state.mapper.column_attrs:
        value = state.dict.get("organisation_id")
        if value is not None:
            return value
    parent = _parent(session, state)
    return None if parent is None else _organisation_of(session, sa_inspect(parent))


def _parent(session: Session, state):
    """The loaded parent a row belongs to (`__audit_parent__ = (ModelName, fk column)`)."""
    declared = getattr(state.class_, "__audit_parent__", None)
    if not declared:
        return None
    name, column = declared
    parent_id = state.dict.get(column)
    if parent_id is None:
        return None
    mapper = _mapper_named(state.mapper.registry, name)
    if mapper is None:
        return None
    return session.identity_map.get(mapper.identity_key_from_primary_key([parent_id]))


@functools.cache
def _mapper_named(registry, name: str):
    return next((m for m in registry.mappers if m.class_.__name__ == name), None)


def _label(state) -> str:
    # From the loaded values only: a deleted row cannot load anything any more.
    model = state.class_.__name__
    for name in ("reference", "code", "email", "name", "title", "slug"):
        value = state.dict.get(name)
        if isinstance(value, str) and value:
            return f"{model} {value}"
    return model


def _observe(session: Session, state, kind: str) -> None:
    model = state.class_
    if model.__table__.name in EXCLUDED_TABLES or getattr(model, "__audit__", True) is False:
        return
    changes = _row_changes(state, kind)
    if getattr(model, "__audit_fold__", False):
        # A link row (an application affected by an incident…): part of its parent's change.
        name, column = model.__audit_parent__
        parent_id = state.dict.get(column)
        if parent_id is None:
            return
        # Rows written by the operation that named the parent's change belong to it (the
        # timeline entry of a transition), hence the latest entry, even if already named.
        key = (name, str(parent_id))
        entry = session.info.get(_LAST, {}).get(key) or _entry_for(session, *key, "update")
        parent = _parent(session, state)
        if entry.summary is None and parent is not None:
            entry.summary = _label(sa_inspect(parent))
        if entry.organisation_id is None:
            entry.organisation_id = _organisation_of(session, state)
        if kind == "update":
            row = {k: v for k, v in changes.items() if k != "id"}
            if not row:
                return
        else:
            side = "after" if kind == "create" else "before"
            row = {k: v[side] for k, v in changes.items() if k not in ("id", column)}
        entry.merge_changes({model.__table__.name: {"rows": [{kind: row}]}})
        return
    if kind == "update" and not changes:
        return
    entry = _entry_for(session, model.__name__, _identity(state), kind)
    if entry.summary is None:
        entry.summary = _label(state)
    if entry.organisation_id is None:
        entry.organisation_id = _organisation_of(session, state)
    entry.merge_changes(changes)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context) -> None:
    # The attribute history is still there in after_flush (it is reset after it), and new
    # rows have their ids: the one moment that sees both. The unit of work's states include
    # the rows it deleted itself (orphans of a replaced collection).
    new = {sa_inspect(obj) for obj in session.new}
    for state, (is_delete, list_only) in list(flush_context.states.items()):
        if list_only:
            continue
        kind = "delete" if is_delete else "create" if state in new else "update"
        _observe(session, state, kind)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous) -> None:
    """A rolled-back transaction (or savepoint) drops the entries made inside it."""

    def inside(transaction) -> bool:
        while transaction is not None:
            if transaction is previous:
                return True
            transaction = transaction.parent
        return False

    pending = session.info.get(_PENDING)
    if pending:
        session.info[_PENDING] = kept = [e for e in pending if not inside(e.transaction)]
        session.info[_OPEN] = {
            (e.object_type, e.object_id): e for e in kept if e.object_id and not e.closed
        }
        session.info[_LAST] = {(e.object_type, e.object_id): e for e in kept if e.object_id}


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        # Whatever is still pending when the transaction ends was never committed.
        for key in (_PENDING, _OPEN, _LAST, _SERVICE_ACTOR):
            session.info.pop(key, None)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: its entries wait for the transaction's own commit
    seal(session)


@event.listens_for(Session, "do_orm_execute")
def _before_reading_the_trail(state) -> None:
    # A transaction that reads the trail sees its own entries, chained like any other.
    info = state.session.info
    if info.get(_PENDING) and not info.get(_SEALING) and _reads_the_trail(state):
        seal(state.session)


def _reads_the_trail(state) -> bool:
    if any(m.class_ is AuditEntry for m in state.all_mappers):
        return True
    statement = state.statement
    if isinstance(statement, sa.TextClause):
        return "audit_entry" in statement.text
    froms = statement.get_final_froms() if state.is_select else ()
    return AuditEntry.__table__ in froms


# --- the chain --------------------------------------------------------------------------------


def _actor_fields(actor) -> tuple[int | None, str | None]:
    if actor is None and has_request_context():
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            actor = current_user._get_current_object()
    if actor is None:
        return None, None
    label = getattr(actor, "email", None) or str(actor)
    return getattr(actor, "id", None), label[:254]


def seal(session: Session) -> list[AuditEntry]:
    """Chain the transaction's pending entries onto the trail (under the chain lock)."""
    if session.info.get(_SEALING):
        return []
    session.info[_SEALING] = True
    try:
        session.flush()
        pending = session.info.pop(_PENDING, [])
        session.info.pop(_OPEN, None)
        session.info.pop(_LAST, None)
        if not any(item.changes or item.explicit for item in pending):
            return []
        keys = current_keys()
        newest_id, newest_key = next(iter(keys.items()))
        lock_chain(session)
        last = session.execute(
            select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
        ).first()
        seq, previous = (last.seq, last.hash) if last else (0, GENESIS)
        entries = []
        for item in pending:
            if not item.changes and not item.explicit:
                continue  # e.g. a collection replaced by equal rows
            actor = item.actor if item.actor is not None else _context_actor(session)
            actor_id, actor_label = _actor_fields(actor)
            seq += 1
            entry = AuditEntry(
                seq=seq,
                at=item.at,
                actor_id=actor_id,
                actor_label=actor_label,
                organisation_id=item.organisation_id,
                action=item.action,
                object_type=item.object_type,
                object_id=item.object_id,
                summary=(item.summary or "")[:500] or None,
                changes=_plain(item.changes) if item.changes else None,
                address=item.address,
                key_id=newest_id,
                prev_hash=previous,
            )
            entry.hash = previous = entry_digest(entry, newest_key)
            entries.append(entry)
        session.add_all(entries)
        session.flush()
        return entries
    finally:
        session.info.pop(_SEALING, None)


# --- the services' side -----------------------------------------------------------------------


@contextmanager
def acting_as(session: Session, actor) -> Iterator[Session]:
    """Attribute the changes made in the block to `actor` (the CLI, a background job)."""
    previous = session.info.get(_ACTOR)
    session.info[_ACTOR] = actor
    try:
        yield session
    finally:
        session.info[_ACTOR] = previous


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
) -> Pending:
    """Say what happened: a domain event (login, export), or, with `target`, what the change of
    that object in this transaction was (its action and summary; `changes` adds to the ones the
    session recorded, e.g. links kept in other tables). Chained at commit."""
    if target is not None:
        session.flush()
        state = sa_inspect(target)
        object_type = object_type or type(target).__name__
        object_id = object_id if object_id is not None else _identity(state)
        entry = _entry_for(session, object_type, str(object_id), "update")
        if organisation_id is None and entry.organisation_id is None:
            organisation_id = _organisation_of(session, state)
    else:
        entry = Pending(
            action=action,
            actor=_context_actor(session),
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            transaction=_innermost(session),
        )
        _pending(session).append(entry)
    entry.action, entry.explicit = action, True
    actor = getattr(actor, "_get_current_object", lambda: actor)()  # current_user: the user
    if actor is not None:
        # The other changes of the transaction are the same actor's doing.
        session.info.setdefault(_SERVICE_ACTOR, actor)
    entry.closed = target is not None
    if actor is not None:
        entry.actor = actor
    if organisation_id is not None:
        entry.organisation_id = organisation_id
    if summary:
        entry.summary = summary
    if address:
        entry.address = address
    if changes:
        entry.changes.update(changes)
    return entry


def pending_changes(session: Session, target) -> dict:
    """The changes of `target` recorded in this transaction and not yet named (a copy): compare
    two readings to know whether an operation changed anything."""
    session.flush()
    entry = _find(session, type(target).__name__, str(_identity(sa_inspect(target))))
    return json.loads(json.dumps(_plain(entry.changes))) if entry else {}


def describe(
    session: Session,
    target,
    *,
    action: str | None = None,
    summary: str | None = None,
    actor=None,
    changes: dict | None = None,
    organisation_id: int | None = None,
) -> Pending | None:
    """Name the change of `target` in this transaction, if it changed (or `changes` says it
    did); an object that did not change gets no entry."""
    session.flush()
    state = sa_inspect(target)
    entry = _find(session, type(target).__name__, str(_identity(state)))
    if entry is None and not changes:
        return None
    return record(
        session,
        action=action or (entry.action if entry else "update"),
        actor=actor,
        target=target,
        summary=summary,
        changes=changes,
        organisation_id=organisation_id,
    )
