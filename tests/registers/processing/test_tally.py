"""Each organisation's stored counts of its activities (`processing_tally`) follow every write
that changes them, whatever the path, and the dashboard sums them (with the overdue reviews
read from their index) instead of reading every activity."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from compliance.db import begin_immediately
from compliance.demo import load_organisations, load_users
from compliance.permissions import Role
from compliance.tenancy import Organisation, visible_organisations_query
from registers.applications import demo as map_demo
from registers.processing import demo, panels, services, template_activities
from registers.processing.models import ProcessingActivity, ProcessingTally
from registers.processing.reference import ProcessingStatus
from registers.processing.schemas import ActivityCreate, ActivityUpdate, check
from registers.processing.tally import tally_select
from tests.registers.processing.conftest import COMPLETE


def _stored(session) -> set[tuple]:
    rows = session.execute(
        sa.select(
            ProcessingTally.organisation_id,
            ProcessingTally.status,
            ProcessingTally.activities,
            ProcessingTally.dpia_pending,
        )
    )
    return {tuple(row) for row in rows}


def _assert_in_step(session) -> set[tuple]:
    session.flush()
    stored = _stored(session)
    assert stored == {tuple(row) for row in session.execute(tally_select())}
    return stored


def _update(session, activity, **values):
    return services.update_processing(
        session, activity, check(ActivityUpdate, values), actor="test"
    )


def _validate(session, activity):
    services.validate_processing(session, activity, actor="test", override_reason="Revue faite")


WRITES = {
    "create": lambda session, activity: None,
    "dpia screening": lambda session, activity: _update(
        session, activity, dpia_criteria=["vulnerable_subjects", "large_scale"]
    ),
    "name only": lambda session, activity: _update(session, activity, name="Autre nom"),
    "submit": lambda session, activity: services.submit_processing(session, activity, actor="test"),
    "validate": _validate,
    "send back": lambda session, activity: (
        services.submit_processing(session, activity, actor="test"),
        session.flush(),
        services.send_back_processing(session, activity, actor="test", remarks="Préciser"),
    ),
    "archive": lambda session, activity: services.archive_processing(
        session, activity, actor="test"
    ),
    "archive and restore": lambda session, activity: (
        services.archive_processing(session, activity, actor="test"),
        session.flush(),
        services.restore_processing(session, activity, actor="test"),
    ),
    "delete": lambda session, activity: session.delete(activity),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_the_tally_follows_every_write(session, organisation, make_activity, write):
    activity = make_activity(organisation)
    make_activity(organisation, name="Deuxième")
    session.flush()
    before = _assert_in_step(session)
    WRITES[write](session, activity)
    after = _assert_in_step(session)
    if write not in ("create", "name only", "send back", "archive and restore"):
        assert after != before
    assert sum(row[2] for row in after) == (1 if write == "delete" else 2)


def test_templates_are_not_counted_and_their_copies_are(session, host, organisation):
    model = template_activities.create_template(
        session, host, check(services.ActivityCreate, COMPLETE), actor="test"
    )
    assert _assert_in_step(session) == set()
    template_activities.apply_template(session, model, [organisation], actor="test")
    assert {(row[0], row[2]) for row in _assert_in_step(session)} == {(organisation.id, 1)}


def test_an_organisation_deleted_takes_its_tally_along(session, organisation, make_activity):
    make_activity(organisation)
    session.flush()
    owned = ProcessingActivity.organisation_id == organisation.id
    session.execute(sa.delete(ProcessingActivity).where(owned))
    session.delete(session.get(Organisation, organisation.id))
    session.flush()
    assert not session.scalar(
        sa.select(sa.func.count()).where(ProcessingTally.organisation_id == organisation.id)
    )


def test_the_demo_s_tally_is_its_activities_counts(session):
    organisations = load_organisations(session, "test")
    load_users(session, organisations, "test")
    map_demo.load(session, actor="test")
    demo.load(session, actor="test")
    assert len(_assert_in_step(session)) > 5


def test_the_dashboard_sums_the_tally_and_reads_the_review_index(
    session, make_activity, make_user, organisation, other_organisation
):
    paid = make_activity(organisation, name="Paie des agents")
    _validate(session, paid)
    paid.next_review_on = date.today() - timedelta(1)
    screened = ["large_scale", "vulnerable_subjects"]
    make_activity(other_organisation, name="État civil", dpia_criteria=screened)
    archived = make_activity(other_organisation, name="Ancien")
    services.archive_processing(session, archived, actor="test")
    user = make_user(Role.DPO, organisation, other_organisation)
    session.flush()
    seen = []
    engine = session.get_bind()

    def grab(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        ids = visible_organisations_query(user, "dashboard")
        counts = panels.summary_counts(ids, user=user, session=session)
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    assert counts == {
        "counts": {"validated": 1, "draft": 1, "archived": 1},
        "total": 2,
        "dpia_pending": 1,
        "review_overdue": 1,
    }
    assert len(seen) == 2
    assert "processing_tally" in seen[0][0]
    if engine.dialect.name == "sqlite":
        statement, parameters = seen[1]
        plan = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        text = " ".join(row[-1] for row in plan)
        assert "COVERING INDEX ix_processing_activity_review" in text, text
    else:
        definition = session.execute(
            sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"),
            {"name": "ix_processing_activity_review"},
        ).scalar_one()
        assert "organisation_id, next_review_on" in definition


def test_two_transactions_writing_one_organisation_lose_no_count(committed_app):
    """Two activities of one organisation submitted at once (creations already take turns on
    the organisation's references): the second writer's recount waits for the first one's
    commit (PostgreSQL: the lock on the organisation's row; SQLite: its single writer), then
    counts both."""
    db = committed_app.extensions["db"]
    begin_immediately()  # as a writing request does (SQLite)
    with db.new_session() as setup:
        organisation = Organisation(name="Valdevy", slug="valdevy")
        setup.add(organisation)
        setup.flush()
        made = [
            services.create_processing(
                setup, organisation, check(ActivityCreate, {**COMPLETE, "name": name}), actor="test"
            )
            for name in ("Paie des agents", "État civil")
        ]
        setup.commit()
        organisation_id, ids = organisation.id, [activity.id for activity in made]

    def submit(session, activity_id):
        activity = session.get(ProcessingActivity, activity_id)
        services.submit_processing(session, activity, actor="test")
        session.flush()

    first = db.new_session()
    submit(first, ids[0])
    failures = []

    def second_writer():
        with committed_app.app_context(), db.new_session() as second:
            begin_immediately()
            try:
                submit(second, ids[1])
                second.commit()
            except Exception as error:  # reported below, in the test's thread
                failures.append(error)

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.5)  # the second writer is now waiting for the first one
    first.commit()
    first.close()
    thread.join(30)
    assert not thread.is_alive() and failures == []
    with db.new_session() as session:
        expected = {(organisation_id, ProcessingStatus.SUBMITTED, 2, 0)}
        assert _assert_in_step(session) == expected


def test_an_activity_deleted_once_expired_is_recounted(session, organisation, make_activity):
    activity = make_activity(organisation)
    make_activity(organisation, name="Deuxième")
    session.flush()
    session.expire(activity)  # as after a commit: its organisation_id is no longer loaded
    session.delete(activity)
    assert sum(row[2] for row in _assert_in_step(session)) == 1
