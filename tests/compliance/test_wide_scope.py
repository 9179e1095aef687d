"""A user who sees many organisations: on SQLite the owner term of the scope is written so that the
planner walks the index of the list's order instead of the owner index (see
`compliance.tenancy.wide_scope`); one who sees few keeps the owner index. Same rows either way."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from compliance.admin import services as admin_services
from compliance.schemas import validate
from compliance.tenancy import WIDE_SCOPE
from registers.processing import services as processing_services
from registers.processing.schemas import ActivityCreate
from tests.compliance.world import ACTOR, build_world


def _by_owner(step: str) -> bool:
    """A plan step that looks activities up by their organisation: its own index, or the
    summary index that leads with it."""
    return "ix_processing_activity_organisation_id" in step or (
        "ix_processing_activity_summary (organisation_id=?" in step
    )


@pytest.fixture
def sent(app):
    """The SELECTs of a page of processing_activity rows sent, with their parameters."""
    engine = app.extensions["db"].engine
    statements: list[tuple[str, object]] = []

    def record(_connection, _cursor, statement, parameters, *_args):
        text = " ".join(statement.split())
        if text.startswith("SELECT processing_activity.reference") and "LIMIT" in text:
            statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    yield statements
    sa.event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def organisations(session, make_organisation):
    made = [make_organisation() for _ in range(WIDE_SCOPE + 1)]
    for organisation in made[:3]:
        for name in ("Paie des agents", "État civil"):
            processing_services.create_processing(
                session, organisation, validate(ActivityCreate, {"name": name}), actor=ACTOR
            )
    session.commit()
    return made


def _list(client, session, user, sent, query="") -> tuple[list[int], list[str]]:
    """The ids of the API's first page for `user`, and the plan of its list statement."""
    _token, secret = admin_services.create_token(session, user, "tests", actor=user)
    session.commit()
    sent.clear()
    response = client.raw.get(
        f"/api/v1/processing-activities?per_page=10{query}",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200, response.get_json()
    ids = [item["id"] for item in response.get_json()["items"]]
    (statement, parameters), *_ = sent
    plan = []
    if session.get_bind().dialect.name == "sqlite":
        connection = session.connection().connection.driver_connection
        plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)]
    return ids, plan


def test_many_organisations_walk_the_order_index(client, session, make_user, organisations, sent):
    wide = make_user("dpo", *organisations)
    narrow = make_user("dpo", organisations[0])
    ids, plan = _list(client, session, wide, sent)
    narrow_ids, narrow_plan = _list(client, session, narrow, sent)

    assert len(ids) == 6 and len(narrow_ids) == 2
    assert set(narrow_ids) < set(ids)
    if session.get_bind().dialect.name != "sqlite":
        return
    assert any("ix_processing_activity_reference_id" in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan
    assert any(_by_owner(step) for step in narrow_plan), narrow_plan


def test_the_threshold_counts_organisations(client, session, make_user, organisations, sent):
    """WIDE_SCOPE organisations, not more: the owner index stays."""
    user = make_user("dpo", *organisations[:WIDE_SCOPE])
    ids, plan = _list(client, session, user, sent)
    assert len(ids) == 6
    if session.get_bind().dialect.name == "sqlite":
        assert any(_by_owner(step) for step in plan), plan


def test_the_application_filter_follows_the_scope_width(
    client, session, make_user, organisations, sent
):
    """The activities relying on an application: a user of one organisation reads that
    organisation's activities (owner index), one of many the application's links."""
    world = build_world(session)
    session.commit()
    application = world.a.application
    narrow = make_user("dpo", world.a.organisation)
    wide = make_user("dpo", world.a.organisation, world.b.organisation, *organisations)
    query = f"&application_id={application.id}"
    narrow_ids, narrow_plan = _list(client, session, narrow, sent, query)
    ids, plan = _list(client, session, wide, sent, query)

    assert narrow_ids == [world.a.activity.id]
    assert ids == narrow_ids
    if session.get_bind().dialect.name != "sqlite":
        return
    assert any(_by_owner(step) for step in narrow_plan), narrow_plan
    assert not any("ix_processing_application_application_id" in s for s in narrow_plan)
    assert any("ix_processing_application_application_id" in step for step in plan), plan
