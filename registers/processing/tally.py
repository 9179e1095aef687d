"""The stored counts of each organisation's processing activities (`ProcessingTally`), kept in
step with the activities by every flush that writes one, whatever the path (a form, the API,
an import, the demo, a model pushed to its copies).

They are recomputed from the activities, not incremented: after a flush, the tally rows of the
organisations whose activities were created, deleted, or changed in a counted column are
replaced by a GROUP BY over those organisations' activities. Two transactions writing the same
organisation's activities on PostgreSQL take turns on its row (`FOR NO KEY UPDATE`, which the
foreign-key checks of other inserts do not wait for): the second one's recount starts after the
first one committed, so it sees both writes and neither count is lost. SQLite has one writer at
a time anyway."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from compliance.tenancy import Organisation
from registers.processing.models import ProcessingActivity, ProcessingTally
from registers.processing.reference import DpiaStatus

# The activity columns the tally depends on: a change of any other column leaves it alone.
COUNTED = ("organisation_id", "is_model", "status", "dpia_required", "dpia_status")


def dpia_pending_condition():
    """An activity whose screening requires a DPIA not completed yet."""
    return sa.and_(
        ProcessingActivity.dpia_required.is_(True),
        ProcessingActivity.dpia_status != DpiaStatus.COMPLETED,
    )


def tally_select(organisation_ids: Iterable[int] | sa.Select | None = None) -> sa.Select:
    """(organisation_id, status, activities, dpia_pending) computed from the activities: of the
    given organisations, or of all of them (None)."""
    statement = sa.select(
        ProcessingActivity.organisation_id,
        ProcessingActivity.status,
        sa.func.count(),
        sa.func.sum(sa.case((dpia_pending_condition(), 1), else_=0)),
    ).where(ProcessingActivity.is_model.is_(False))
    if organisation_ids is not None:
        ids = organisation_ids
        if not isinstance(ids, sa.Select):
            ids = sorted(ids)
        statement = statement.where(ProcessingActivity.organisation_id.in_(ids))
    return statement.group_by(ProcessingActivity.organisation_id, ProcessingActivity.status)


def recount(connection: sa.Connection, organisation_ids: Iterable[int] | None = None) -> None:
    """Replace the tally rows of the given organisations (None: of every organisation) by their
    activities' counts: three statements."""
    table = ProcessingTally.__table__
    ids = None if organisation_ids is None else sorted(set(organisation_ids))
    if ids == []:
        return
    if ids is not None and connection.dialect.name == "postgresql":
        # In id order, so that two transactions touching the same organisations never wait
        # for each other crosswise.
        connection.execute(
            sa.select(Organisation.id)
            .where(Organisation.id.in_(ids))
            .order_by(Organisation.id)
            .with_for_update(key_share=True)
        )
    delete = table.delete()
    if ids is not None:
        delete = delete.where(table.c.organisation_id.in_(ids))
    connection.execute(delete)
    columns = [table.c.organisation_id, table.c.status, table.c.activities, table.c.dpia_pending]
    connection.execute(table.insert().from_select(columns, tally_select(ids)))


def _touched(session: Session) -> set[int]:
    """The organisations whose counts the flush may have changed."""
    touched: set[int] = set(session.info.pop(DELETED_KEY, ()))
    for record in session.new:
        if isinstance(record, ProcessingActivity):
            touched.add(record.organisation_id)
    for record in session.dirty:
        if not isinstance(record, ProcessingActivity):
            continue
        state = sa.inspect(record)
        if any(state.attrs[name].history.has_changes() for name in COUNTED):
            touched.update(state.attrs.organisation_id.history.sum())
            touched.add(record.organisation_id)
    touched.discard(None)
    return touched


# Where the organisations of the activities a flush deletes are kept until it has run.
DELETED_KEY = "processing_tally_deleted"


@event.listens_for(Session, "before_flush")
def _note_deletions(session, _flush_context, _instances) -> None:
    """The organisations of the activities about to be deleted, read while their rows exist
    (an expired one reloads its organisation_id)."""
    deleted = {r.organisation_id for r in session.deleted if isinstance(r, ProcessingActivity)}
    if deleted:
        session.info.setdefault(DELETED_KEY, set()).update(deleted)


@event.listens_for(Session, "after_flush")
def _recount_after_flush(session, _flush_context) -> None:
    touched = _touched(session)
    if touched:
        recount(session.connection(), touched)
