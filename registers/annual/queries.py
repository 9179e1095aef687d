"""Who sees what of the annual report: the sessions list and the organisations a report may
be read for, scoped with compliance.access as the models declare (by `organisation_id`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from compliance.access import scope
from compliance.audit import AuditEntry
from compliance.i18n import PARIS
from compliance.permissions import Action, Register
from compliance.tenancy import Organisation
from registers.annual.models import AwarenessSession
from registers.annual.schemas import AwarenessSessionFilters

REGISTER = Register.ANNUAL


def session_filters(args) -> AwarenessSessionFilters:
    """The list's filters from a query string; FilterError names the first bad one."""
    return AwarenessSessionFilters.from_args(args)


def visible_sessions(
    filters: AwarenessSessionFilters, action=Action.READ, *, user=None, selected: bool = True
):
    """The sessions the user sees (with `selected`, of the organisation picked in the
    selector), filtered, the latest first."""
    statement = sa.select(AwarenessSession).options(selectinload(AwarenessSession.organisation))
    statement = scope(statement, action, user=user, selected=selected)
    if filters.year is not None:
        statement = statement.where(
            AwarenessSession.held_on >= date(filters.year, 1, 1),
            AwarenessSession.held_on < date(filters.year + 1, 1, 1),
        )
    if filters.q:
        statement = statement.where(
            sa.or_(
                AwarenessSession.topic.icontains(filters.q, autoescape=True),
                AwarenessSession.audience.icontains(filters.q, autoescape=True),
            )
        )
    if not filters.include_archived:
        statement = statement.where(AwarenessSession.archived_at.is_(None))
    return statement.order_by(AwarenessSession.held_on.desc(), AwarenessSession.id.desc())


# --- the organisations a year's report covers ------------------------------------------------


def _deactivated_on(changes) -> bool:
    """Whether an audit entry's changes turn `is_active` off (at any depth of the record)."""
    if not isinstance(changes, dict):
        return False
    found = changes.get("is_active")
    if isinstance(found, dict) and found.get("after") is False and "before" in found:
        return True
    return any(_deactivated_on(value) for value in changes.values())


def served_statement(session, year: int, *, within=None):
    """The organisations the service served during `year`, by name: the active ones, and those
    deactivated during or after that year (the date of their last deactivation, from the audit
    trail); of `within` (a SELECT of organisation ids) when given. The one selection of the
    service's report, in the command, on the page and in the API."""
    scoped = Organisation.id.in_(within) if within is not None else sa.true()
    inactive = sa.select(Organisation.id).where(scoped, Organisation.is_active.is_(False))
    served: set[str] = set()
    ids = [str(key) for key in session.scalars(inactive)]
    if ids:
        start = datetime.combine(date(year, 1, 1), time(0), PARIS).astimezone(UTC)
        entries = session.execute(
            sa.select(AuditEntry.object_id, AuditEntry.changes).where(
                AuditEntry.object_type == Organisation.__name__,
                AuditEntry.object_id.in_(ids),
                AuditEntry.at >= start,
            )
        )
        served = {key for key, changes in entries if _deactivated_on(changes)}
    kept = Organisation.is_active.is_(True)
    if served:
        kept = sa.or_(kept, Organisation.id.in_(sorted(int(key) for key in served)))
    return sa.select(Organisation).where(scoped, kept).order_by(Organisation.name, Organisation.id)


def served_organisations(session, year: int, *, within=None) -> list[Organisation]:
    """The organisations of `served_statement`."""
    return list(session.scalars(served_statement(session, year, within=within)))
