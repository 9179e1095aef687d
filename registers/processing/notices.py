"""The referents' e-mail reminders of the record of processing activities (`compliance
notify`): an activity the DPO sent back for changes, and a review coming due."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from compliance.audit import AuditEntry
from compliance.notices import Notice, NoticeKind, paris_day
from compliance.permissions import Role
from registers.processing.models import ProcessingActivity
from registers.processing.queries import sent_back
from registers.processing.reference import ProcessingStatus

REVIEW_WITHIN = timedelta(days=30)

SENT_BACK = "processing_sent_back"
REVIEW_DUE = "processing_review"


def _notice(
    kind: str, activity: ProcessingActivity, key: str, detail, due=None, user_ids=None
) -> Notice:
    return Notice(
        user_ids=user_ids,
        kind=kind,
        organisation_id=activity.organisation_id,
        event_key=key,
        record_ref=activity.reference,
        title=activity.name,
        endpoint="processing.detail",
        values={"activity_id": activity.id},
        detail=detail,
        due=due,
    )


def _register():
    return sa.select(ProcessingActivity).where(ProcessingActivity.is_model.is_(False))


def sent_back_activities(session: Session, now: datetime) -> Iterator[Notice]:
    """The drafts whose last step was the DPO sending them back: one event per sending back
    (the audit entry's number), so a second return is a new reminder."""
    drafts = list(
        session.scalars(
            _register()
            .where(
                ProcessingActivity.status == ProcessingStatus.DRAFT,
                ProcessingActivity.dpo_remarks.is_not(None),
            )
            .order_by(ProcessingActivity.id)
        )
    )
    returned = sent_back(drafts, session=session)
    submitters = submitters_of(session, returned)
    for activity in drafts:
        entry = returned.get(activity.id)
        if entry is not None:
            detail = _l("Renvoyée par le délégué : corrections demandées")
            key = f"{activity.id}:{entry.seq}"
            who = submitters.get(activity.id)
            yield _notice(SENT_BACK, activity, key, detail, user_ids=who)


def submitters_of(session: Session, returned: dict[int, AuditEntry]) -> dict[int, frozenset[int]]:
    """activity id -> the user who submitted it last before it was sent back (the referent
    concerned), from the audit trail; none when it was submitted by no user (a script)."""
    if not returned:
        return {}
    statement = (
        sa.select(AuditEntry.object_id, AuditEntry.seq, AuditEntry.actor_id)
        .where(
            AuditEntry.object_type == ProcessingActivity.__name__,
            AuditEntry.object_id.in_([str(key) for key in returned]),
            AuditEntry.action == "submit",
        )
        .order_by(AuditEntry.seq.desc())
    )
    found: dict[int, frozenset[int] | None] = {}
    for object_id, seq, actor_id in session.execute(statement):
        key = int(object_id)
        if key not in found and seq < returned[key].seq:
            found[key] = frozenset({actor_id}) if actor_id is not None else None
    return {key: users for key, users in found.items() if users}


def reviews_due(session: Session, now: datetime) -> Iterator[Notice]:
    today = paris_day(now)
    statement = _register().where(
        ProcessingActivity.status == ProcessingStatus.VALIDATED,
        ProcessingActivity.next_review_on <= today + REVIEW_WITHIN,
    )
    for activity in session.scalars(statement.order_by(ProcessingActivity.next_review_on)):
        late = activity.next_review_on < today
        detail = _l("Révision en retard") if late else _l("Révision dans les 30 jours")
        key = f"{activity.id}:{activity.next_review_on}"
        yield _notice(REVIEW_DUE, activity, key, detail, activity.next_review_on)


NOTICES = (
    NoticeKind(
        SENT_BACK, _l("Fiches renvoyées pour corrections"), Role.REFERENT, sent_back_activities, 40
    ),
    NoticeKind(REVIEW_DUE, _l("Fiches à réviser"), Role.REFERENT, reviews_due, 41),
)
