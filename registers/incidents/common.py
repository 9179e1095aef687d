"""What the incident and corrective-action services share: field errors, checked values, the
clock, the yearly references (INC-2026-014, CA-2026-003) and the audit helpers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from compliance import audit, numbering
from compliance.db import utcnow
from compliance.i18n import PARIS
from compliance.schemas import validate
from compliance.services import FieldErrors, ServiceError  # noqa: F401 (the register's errors)

S = TypeVar("S")


def checked(schema: type[S], values: S | Mapping[str, Any]) -> S:
    """`values` as checked by `schema`: a schema already checked is taken as it is, a mapping
    (the demo's, a test's) is checked first (FieldErrors otherwise)."""
    if isinstance(values, schema):
        return values
    return validate(schema, values)


def now() -> datetime:
    return utcnow()


def today() -> date:
    """Today in Paris: the day that decides whether an action is overdue."""
    return datetime.now(PARIS).date()


def paris(value: datetime) -> datetime:
    return value.astimezone(PARIS)


def as_utc(value: datetime | None) -> datetime | None:
    """An aware instant in UTC; a naive one is read as Paris time (what people type)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=PARIS)
    return value.astimezone(UTC)


def next_reference(session: Session, model, prefix: str, year: int) -> tuple[str, int]:
    """The next free reference of `prefix` in `year`, and its number (the series is locked
    until the transaction ends, so two writers never draw the same one)."""
    number = numbering.draw(
        session,
        prefix,
        year=year,
        floor=lambda: session.scalar(
            sa.select(sa.func.max(model.reference_number)).where(model.reference_year == year)
        ),
    )
    return f"{prefix}-{year}-{number:03d}", number


def audit_create(session: Session, record, summary: str, *, actor, extra=None, **kwargs) -> None:
    """Add `record` and name its creation (the kernel records its columns)."""
    session.add(record)
    audit.record(
        session,
        action="create",
        actor=actor,
        target=record,
        summary=summary,
        changes=extra,
        **kwargs,
    )


def audit_update(session: Session, record, summary: str, *, actor, extra=None, action="update"):
    """Name the change of `record`, if any (the kernel records its columns)."""
    audit.describe(
        session, record, action=action, actor=actor, summary=summary, changes=extra or None
    )


def actor_label(actor) -> str | None:
    if actor is None:
        return None
    label = getattr(actor, "name", None) or str(actor)
    return label[:254]
