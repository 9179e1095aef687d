"""What the e-mail reminders are made of: the kinds of notice a register declares (each with the
role that receives it and its source), the notices a source yields, each user's preference per
kind, and the log of what was sent (so that nothing is sent twice)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from sqlmodel import Field, select

from compliance import audit
from compliance.db import IdMixin, UTCDateTime, str_enum, utcnow
from compliance.enums import LabeledEnum
from compliance.i18n import PARIS
from compliance.permissions import Role
from compliance.services import ServiceError


@dataclass(frozen=True)
class Notice:
    """One thing a user should hear about: a record of `organisation_id` (its reference and
    title, its page as an endpoint and its values), what is due (`detail`, a lazily translated
    text; `due`, a day or an instant), and the event it stands for. `event_key` names the event
    within its kind, so that the same event is never sent twice to the same person (a breach's
    deadline "soon" and "passed" are two events)."""

    kind: str
    organisation_id: int
    event_key: str
    record_ref: str
    title: object  # the record's title, or a code (LabeledEnum) or lazy text naming it
    endpoint: str
    values: Mapping[str, Any] = field(default_factory=dict)
    detail: object = None
    due: date | datetime | None = None
    # The users concerned (the one who submitted the record...): of the role's holders, only
    # they hear of it; None, or none of them holding the role: every holder.
    user_ids: frozenset[int] | None = None


# A source: (session, now) -> the notices of its kind, for every organisation.
Source = Callable[[Session, datetime], Iterable[Notice]]


@dataclass(frozen=True)
class NoticeKind:
    """A kind of reminder a register declares in its RegisterSpec: a stable code (in the log
    and the preferences), a French label, the role that receives it in the record's
    organisation, and its source."""

    code: str
    label: object  # a lazy translated string
    role: Role
    source: Source
    order: int = 100


class Delivery(LabeledEnum):
    IMMEDIATE = "immediate"
    DIGEST = "digest"
    NONE = "none"

    @classmethod
    def __labels__(cls):
        return {
            cls.IMMEDIATE: _l("Immédiatement"),
            cls.DIGEST: _l("Résumé quotidien"),
            cls.NONE: _l("Jamais"),
        }


# The log's kind of the daily digest itself (its event key is the Paris day).
DIGEST_KIND = "digest"


class NotificationPreference(IdMixin, table=True):
    """How a user wants one kind of reminder; no row: immediately."""

    __tablename__ = "notification_preference"
    # Audited as part of the user's change.
    __audit_parent__ = ("User", "user_id")
    __audit_fold__ = True

    user_id: int = Field(foreign_key="user.id", nullable=False, index=True, ondelete="CASCADE")
    kind: str = Field(max_length=40, nullable=False)
    delivery: Delivery = Field(sa_type=str_enum(Delivery, 16), nullable=False)

    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)


class NotificationLog(IdMixin, table=True):
    """A reminder sent: to whom, of which kind, for which event and record, when. One row per
    (user, kind, event): a second run finds it and sends nothing new. The daily digest leaves
    one row of kind "digest" per user and Paris day."""

    __tablename__ = "notification_log"
    # The log is the record of what was sent; each run is summed up in the audit trail.
    __audit__ = False

    user_id: int = Field(foreign_key="user.id", nullable=False, index=True, ondelete="CASCADE")
    kind: str = Field(max_length=40, nullable=False)
    event_key: str = Field(max_length=200, nullable=False)
    record_ref: str | None = Field(default=None, max_length=200)
    organisation_id: int | None = Field(
        default=None, foreign_key="organisation.id", index=True, ondelete="SET NULL"
    )
    digest: bool = Field(default=False, nullable=False)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    # Unique per user, kind and event; led by the kind and the event, which each run looks up.
    __table_args__ = (sa.UniqueConstraint("kind", "event_key", "user_id"),)


def paris_day(now: datetime) -> date:
    """The day in Paris at the instant `now`."""
    return now.astimezone(PARIS).date()


# --- preferences --------------------------------------------------------------------------------


def preferences(session: Session, user_ids: Iterable[int]) -> dict[tuple[int, str], Delivery]:
    """(user id, kind) -> delivery, for the rows that exist (the others: immediately)."""
    ids = list(user_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(
            NotificationPreference.user_id,
            NotificationPreference.kind,
            NotificationPreference.delivery,
        ).where(NotificationPreference.user_id.in_(ids))
    )
    return {(user_id, kind): delivery for user_id, kind, delivery in rows}


def _add_preference(session: Session, user_id: int, kind: str, delivery: Delivery) -> None:
    """The user's first choice for `kind`; when a concurrent save (another tab) has just
    written it, that row takes this choice instead of the unique key failing."""
    try:
        with session.begin_nested():
            session.add(NotificationPreference(user_id=user_id, kind=kind, delivery=delivery))
    except sa.exc.IntegrityError:
        row = session.scalars(
            select(NotificationPreference).where(
                NotificationPreference.user_id == user_id, NotificationPreference.kind == kind
            )
        ).one()
        row.delivery = delivery


def set_preferences(
    session: Session, user, choices: Mapping[str, str], *, kinds: Iterable[str], actor
) -> dict[str, Delivery]:
    """Record the user's delivery for each kind of `choices` (kind code -> delivery code); a
    code that is not a known kind or delivery raises ServiceError and changes nothing. Returns
    what changed; audited as a change of the user."""
    known = set(kinds)
    checked: dict[str, Delivery] = {}
    for kind, value in choices.items():
        if kind not in known or value not in {d.value for d in Delivery}:
            raise ServiceError(_("Choix de rappel inconnu : %(value)s", value=f"{kind}={value}"))
        checked[kind] = Delivery(value)
    current = {
        row.kind: row
        for row in session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    changed: dict[str, Delivery] = {}
    for kind, delivery in checked.items():
        row = current.get(kind)
        if (row.delivery if row else Delivery.IMMEDIATE) == delivery:
            continue
        if row is None:
            _add_preference(session, user.id, kind, delivery)
        else:
            row.delivery = delivery
        changed[kind] = delivery
    if changed:
        session.flush()
        audit.record(
            session,
            action="notification_preferences",
            actor=actor,
            target=user,
            summary=f"E-mail reminders of {user.email}: "
            + ", ".join(f"{kind} {delivery.value}" for kind, delivery in sorted(changed.items())),
        )
    return changed
