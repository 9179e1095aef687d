"""The figures of the annual report for a year and a set of organisations, counted in SQL
(one GROUP BY statement per register, whatever the number of organisations), per
organisation; the service's figures are the sum of its members' (`total`).

A year is a Paris civil year: its instants run from 1 January 00:00 to the next 1 January
00:00, Paris time, compared in UTC."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from compliance.i18n import PARIS
from registers.annual.models import AwarenessSession
from registers.breaches.models import BreachNotification, PersonalDataBreach
from registers.breaches.schemas import FIRST_KINDS
from registers.processing.models import ProcessingActivity, RegisterVersion
from registers.processing.reference import DpiaStatus

ACTIVITY_KEYS = (
    "activities",
    "created",
    "validated",
    "published_versions",
    "dpia_required",
    "dpia_done",
    "dpia_pending",
)
BREACH_KEYS = (
    "breaches",
    "confidentiality",
    "integrity",
    "availability",
    "notified",
    "notified_on_time",
    "notified_late",
    "not_notified",
    "communicated",
)
SESSION_KEYS = ("sessions", "attendees")


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The first instant of `year` and of the next, Paris time (timezone-aware)."""
    return (
        datetime(year, 1, 1, tzinfo=PARIS),
        datetime(year + 1, 1, 1, tzinfo=PARIS),
    )


def _in(column, start, end):
    return sa.and_(column >= start, column < end)


def _count(condition):
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _rows(session: Session, statement, keys: tuple[str, ...]) -> dict[int, dict[str, int]]:
    return {
        row[0]: dict(zip(keys, (int(value or 0) for value in row[1:]), strict=True))
        for row in session.execute(statement)
    }


def activity_figures(session: Session, organisation_ids, year: int) -> dict[int, dict[str, int]]:
    """Per organisation: the activities of its register at the end of the year (created by
    then, not archived by then), those created and those validated during the year (by the
    last validation: one validated again since counts in the later year only), the
    register versions published during the year, and the DPIAs the screening requires among
    the activities of the register, done (completed) or pending (as they stand today)."""
    start, end = year_bounds(year)
    activity = ProcessingActivity
    in_register = sa.and_(
        activity.created_at < end,
        sa.or_(activity.archived_at.is_(None), activity.archived_at >= end),
    )
    required = sa.and_(in_register, activity.dpia_required.is_(True))
    done = activity.dpia_status == DpiaStatus.COMPLETED
    statement = (
        sa.select(
            activity.organisation_id,
            _count(in_register),
            _count(_in(activity.created_at, start, end)),
            _count(_in(activity.validated_at, start, end)),
            _count(required),
            _count(sa.and_(required, done)),
            _count(sa.and_(required, sa.not_(done))),
        )
        .where(activity.organisation_id.in_(organisation_ids), activity.is_model.is_(False))
        .group_by(activity.organisation_id)
    )
    keys = tuple(k for k in ACTIVITY_KEYS if k != "published_versions")
    counts = _rows(session, statement, keys)
    versions = (
        sa.select(RegisterVersion.organisation_id, sa.func.count())
        .where(
            RegisterVersion.organisation_id.in_(organisation_ids),
            _in(RegisterVersion.published_at, start, end),
        )
        .group_by(RegisterVersion.organisation_id)
    )
    published = _rows(session, versions, ("published_versions",))
    return _merge(counts, published, ACTIVITY_KEYS)


def breach_figures(session: Session, organisation_ids, year: int) -> dict[int, dict[str, int]]:
    """Per organisation, the breaches the controller became aware of during the year (H0),
    archived ones aside: by nature (C, I, A; a breach may be of several), notified to the CNIL
    (within the 72 hours or late, by its first notification) or not, and communicated to the
    people (Art. 34)."""
    start, end = year_bounds(year)
    breach = PersonalDataBreach
    first = (
        sa.select(
            BreachNotification.breach_id.label("breach_id"),
            sa.func.min(BreachNotification.sent_at).label("sent_at"),
        )
        .where(BreachNotification.kind.in_(FIRST_KINDS))
        .group_by(BreachNotification.breach_id)
        .subquery()
    )
    notified = first.c.sent_at.is_not(None)
    statement = (
        sa.select(
            breach.organisation_id,
            sa.func.count(),
            _count(breach.confidentiality.is_(True)),
            _count(breach.integrity.is_(True)),
            _count(breach.availability.is_(True)),
            _count(notified),
            _count(sa.and_(notified, first.c.sent_at <= breach.notification_deadline)),
            _count(sa.and_(notified, first.c.sent_at > breach.notification_deadline)),
            _count(sa.not_(notified)),
            _count(breach.communicated_at.is_not(None)),
        )
        .select_from(breach)
        .outerjoin(first, first.c.breach_id == breach.id)
        .where(
            breach.organisation_id.in_(organisation_ids),
            breach.archived_at.is_(None),
            _in(breach.awareness_at, start, end),
        )
        .group_by(breach.organisation_id)
    )
    return _merge(_rows(session, statement, BREACH_KEYS), {}, BREACH_KEYS)


def session_figures(session: Session, organisation_ids, year: int) -> dict[int, dict[str, int]]:
    """Per organisation, the awareness sessions held during the year and their attendees."""
    statement = (
        sa.select(
            AwarenessSession.organisation_id,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(AwarenessSession.attendees), 0),
        )
        .where(
            AwarenessSession.organisation_id.in_(organisation_ids),
            AwarenessSession.archived_at.is_(None),
            AwarenessSession.held_on >= date(year, 1, 1),
            AwarenessSession.held_on < date(year + 1, 1, 1),
        )
        .group_by(AwarenessSession.organisation_id)
    )
    return _merge(_rows(session, statement, SESSION_KEYS), {}, SESSION_KEYS)


def _merge(first: dict, second: dict, keys: tuple[str, ...]) -> dict[int, dict[str, int]]:
    merged: dict[int, dict[str, int]] = {}
    for organisation_id in first.keys() | second.keys():
        row = dict.fromkeys(keys, 0)
        row.update(first.get(organisation_id, {}))
        row.update(second.get(organisation_id, {}))
        merged[organisation_id] = row
    return merged


def empty(keys: Iterable[str]) -> dict[str, int]:
    return dict.fromkeys(keys, 0)


def total(rows: Iterable[Mapping]) -> dict:
    """The sum of figures of the same shape, nested mappings ({code: count}) summed key by
    key: the service's figures from its members'."""
    result: dict = {}
    for row in rows:
        for key, value in row.items():
            if isinstance(value, Mapping):
                result[key] = total([result.get(key, {}), value])
            else:
                result[key] = result.get(key, 0) + value
    return result
