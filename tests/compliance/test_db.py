"""The shared mixins: optimistic locking and timezone-aware instants."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from compliance.db import ConflictError, check_version, make_engine
from compliance.tenancy import Organisation


def _committed_organisation(db) -> int:
    with db.new_session() as session:
        organisation = Organisation(name="Valdevy", slug="valdevy")
        session.add(organisation)
        session.commit()
        return organisation.id


def test_second_concurrent_writer_gets_a_conflict(committed_app):
    db = committed_app.extensions["db"]
    organisation_id = _committed_organisation(db)
    first, second = db.new_session(), db.new_session()
    mine = first.get(Organisation, organisation_id)
    theirs = second.get(Organisation, organisation_id)
    # Each page request is its own transaction: the second user loaded the form earlier.
    second.commit()
    mine.name = "Valdevy (first)"
    first.commit()
    theirs.name = "Valdevy (second)"
    # Caught before the UPDATE, as the conflict the pages and the API answer 409 with.
    with pytest.raises(ConflictError) as raised:
        second.commit()
    assert raised.value.record is theirs
    second.close()
    first.close()
    with db.new_session() as session:
        stored = session.get(Organisation, organisation_id)
        assert (stored.name, stored.version) == ("Valdevy (first)", 2)


def test_check_version_compares_with_the_committed_row(committed_app):
    db = committed_app.extensions["db"]
    organisation_id = _committed_organisation(db)
    first, second = db.new_session(), db.new_session()
    theirs = second.get(Organisation, organisation_id)
    second.commit()
    mine = first.get(Organisation, organisation_id)
    mine.name = "Valdevy (first)"
    first.commit()
    first.close()
    # The second writer's copy still says version 1, as the form it sent back does.
    assert theirs.version == 1
    with pytest.raises(ConflictError) as raised:
        check_version(theirs, 1)
    assert raised.value.record.version == 2
    second.close()


def test_a_stale_flush_answers_409(committed_app):
    @committed_app.get("/stale")
    def stale():
        raise StaleDataError("UPDATE statement on table 'x' expected to update 1 row(s)")

    @committed_app.get("/api/stale")
    def api_stale():
        raise StaleDataError("UPDATE statement on table 'x' expected to update 1 row(s)")

    client = committed_app.test_client()
    assert client.get("/stale").status_code == 409
    response = client.get("/api/stale")
    assert response.status_code == 409
    assert response.json["error"] == "conflict"


def test_each_update_bumps_the_version(session, organisation):
    assert organisation.version == 1
    organisation.name = "Ivry"
    session.flush()
    assert organisation.version == 2


def test_check_version_refuses_a_stale_form(session, organisation):
    organisation.name = "Ivry"
    session.flush()
    with pytest.raises(ConflictError) as raised:
        check_version(organisation, 1)
    assert raised.value.record is organisation
    check_version(organisation, 2)
    check_version(organisation, "2")
    check_version(organisation, None)


def test_instants_come_back_aware_in_utc(session, organisation):
    session.expire(organisation)
    assert organisation.created_at.tzinfo is not None
    assert organisation.created_at.utcoffset().total_seconds() == 0


def test_naive_instants_are_refused(session, organisation):
    from sqlalchemy.exc import StatementError

    organisation.created_at = datetime(2026, 3, 29, 1, 30)
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()
    session.rollback()


def test_postgresql_connections_do_not_compile_queries_just_in_time():
    """A scoped list's SELECT on a large database is estimated above jit_above_cost, and its
    compilation cost more than its execution: the application's connections turn JIT off."""
    from tests.conftest import POSTGRES_ADMIN_URL

    engine = make_engine(POSTGRES_ADMIN_URL)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
            assert connection.exec_driver_sql("SHOW random_page_cost").scalar() == "1.1"
    except OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable: {error.orig}")
    finally:
        engine.dispose()
