"""Concurrent requests on one database: conflicts answer 409, never 500; numbering stays unique;
every acknowledged change has its audit entry; a plain read never waits for a writer.

These tests cannot use the rolled-back connection of the `app` fixture: each runs its own
application on a fresh database (a file for SQLite), whose requests really commit, from
several threads at once, each with its own connection.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import func, select

from compliance import create_app
from compliance.admin import services
from compliance.audit import AuditEntry
from compliance.auth import ApiToken
from compliance.db import utcnow
from compliance.permissions import Role
from compliance.schema import upgrade
from compliance.tenancy import OrganisationKind
from registers.roadmap import services as roadmap_services
from registers.roadmap.schemas import RoadmapCreate

THREADS = 8


@pytest.fixture
def live(empty_database_url, tmp_path):
    """An application on its own database, a member organisation, and the token of a user who
    holds the DPO and CISO roles there."""
    app = create_app(
        {
            "DATABASE_URL": empty_database_url,
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "concurrency-secret",
            "TESTING": True,
        }
    )
    upgrade(app)
    db = app.extensions["db"]
    with app.app_context(), db.new_session() as session:
        organisation = services.create_organisation(
            session, {"name": "Ivry-sur-Seine", "kind": OrganisationKind.COMMUNE}, actor="test"
        )
        user = services.create_user(
            session, email="rssi@ivry.example", name="RSSI", password=None, actor="test"
        )
        for role in (Role.DPO, Role.CISO):
            services.grant_role(session, user, organisation, role, actor="test")
        token, secret = services.create_token(session, user, "load", actor="test")
        roadmap = roadmap_services.create_roadmap(
            session,
            RoadmapCreate(
                organisation_id=organisation.id,
                title="Feuille de route",
                start_on=date(2026, 1, 1),
                end_on=date(2028, 12, 31),
            ),
            actor="test",
        )
        session.commit()
        app.config["LIVE"] = {
            "organisation_id": organisation.id,
            "token": secret,
            "id": token.id,
            "roadmap_id": roadmap.id,
        }
    yield app
    db.engine.dispose()


def _call(app, method: str, path: str, json=None):
    headers = {"Authorization": f"Bearer {app.config['LIVE']['token']}"}
    return app.test_client().open(f"/api/v1{path}", method=method, headers=headers, json=json)


def _race(app, requests: list[tuple[str, str, dict | None]]):
    """Send the requests from as many threads, released together; their responses in order."""
    barrier = threading.Barrier(len(requests))

    def send(request):
        barrier.wait()
        response = _call(app, *request)
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(send, requests))


def _audit_entries(app, object_type: str, object_id: int) -> list[AuditEntry]:
    with app.app_context(), app.extensions["db"].new_session() as session:
        return list(
            session.scalars(
                select(AuditEntry).where(
                    AuditEntry.object_type == object_type, AuditEntry.object_id == str(object_id)
                )
            )
        )


def _new_incident(app, title: str) -> dict:
    return {
        "title": title,
        "organisation_id": app.config["LIVE"]["organisation_id"],
        "category": "denial_of_service",
        "severity": "3",
        "detection_source": "provider",
        "detected_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "description": "Saturation du portail famille.",
    }


@pytest.mark.parametrize(
    ("collection", "object_type", "changed"),
    [
        ("/processing-activities", "ProcessingActivity", "responsible_service"),
        ("/incidents", "Incident", "lessons_learnt"),
    ],
)
def test_concurrent_stale_updates_get_409_never_500(live, collection, object_type, changed):
    if object_type == "Incident":
        created = _call(live, "POST", collection, _new_incident(live, "Hameçonnage"))
    else:
        organisation_id = live.config["LIVE"]["organisation_id"]
        created = _call(live, "POST", collection, {"organisation_id": organisation_id, "name": "P"})
    assert created.status_code == 201, created.get_json()
    record = created.get_json()
    path = f"{collection}/{record['id']}"
    results = _race(
        live,
        [("PATCH", path, {changed: f"v{n}", "version": record["version"]}) for n in range(THREADS)],
    )
    statuses = sorted(status for status, _body in results)
    assert statuses == [200] + [409] * (THREADS - 1), results
    winner = next(body for status, body in results if status == 200)
    for status, body in results:
        if status == 409:
            # The conflict says what the record is now: the winner's write.
            assert body["error"] == "conflict"
            assert body["current"][changed] == winner[changed]
            assert body["current"]["version"] == winner["version"]
    stored = _call(live, "GET", path).get_json()
    assert (stored[changed], stored["version"]) == (winner[changed], record["version"] + 1)
    # One entry for the creation, one for the one acknowledged update, which it describes.
    entries = _audit_entries(live, object_type, record["id"])
    assert sorted(entry.action for entry in entries) == ["create", "update"]
    update = next(entry for entry in entries if entry.action == "update")
    assert update.changes[changed]["after"] == winner[changed]


def test_concurrent_creations_are_all_numbered_once(live):
    organisation_id = live.config["LIVE"]["organisation_id"]
    body = {"organisation_id": organisation_id}
    activities = _race(
        live,
        [("POST", "/processing-activities", {**body, "name": f"A{n}"}) for n in range(THREADS)],
    )
    assert [status for status, _body in activities] == [201] * THREADS, activities
    references = sorted(body["reference"] for _status, body in activities)
    assert references == [f"T-{n:03d}" for n in range(1, THREADS + 1)]
    incidents = _race(
        live, [("POST", "/incidents", _new_incident(live, f"I{n}")) for n in range(THREADS)]
    )
    assert [status for status, _body in incidents] == [201] * THREADS, incidents
    year = utcnow().year
    assert len({body["reference"] for _status, body in incidents}) == THREADS
    assert {body["reference"] for _status, body in incidents} <= {
        f"INC-{year}-{n:03d}" for n in range(1, THREADS + 2)
    }
    roadmap_id = live.config["LIVE"]["roadmap_id"]
    action = {"roadmap_id": roadmap_id, "theme": "I", "start_on": "2026-02-01"}
    actions = _race(
        live,
        [
            ("POST", "/roadmap-actions", {**action, "title": f"R{n}", "target_on": "2026-06-30"})
            for n in range(THREADS)
        ],
    )
    assert [status for status, _body in actions] == [201] * THREADS, actions
    codes = sorted(body["code"] for _status, body in actions)
    assert codes == [f"A-{n:02d}" for n in range(1, THREADS + 1)]
    for _status, body in activities:
        assert len(_audit_entries(live, "ProcessingActivity", body["id"])) == 1
    for _status, body in incidents:
        assert len(_audit_entries(live, "Incident", body["id"])) == 1


def test_concurrent_timeline_entries_all_reach_the_search_index(live):
    created = _call(live, "POST", "/incidents", _new_incident(live, "Rançongiciel"))
    assert created.status_code == 201, created.get_json()
    incident_id = created.get_json()["id"]
    words = [f"indice{chr(ord('a') + n)}" for n in range(THREADS)]
    results = _race(
        live,
        [
            ("POST", f"/incidents/{incident_id}/timeline", {"kind": "action", "text": word})
            for word in words
        ],
    )
    assert [status for status, _body in results] == [201] * THREADS, results
    for word in words:
        found = _call(live, "GET", f"/incidents?q={word}").get_json()
        assert [item["id"] for item in found["items"]] == [incident_id], word


def test_a_read_never_waits_for_a_writer_to_record_the_token_use(live):
    """A token's first use in the minute is recorded, but not at the cost of the request: with
    the token's row (PostgreSQL) or the whole database (SQLite) locked by a writer, the read
    answers at once and the use goes unrecorded."""
    db = live.extensions["db"]
    token_id = live.config["LIVE"]["id"]
    with db.engine.connect() as blocker:
        blocker.execution_options(sqlite_begin="IMMEDIATE")
        with blocker.begin():
            blocker.execute(sa.select(ApiToken.id).where(ApiToken.id == token_id).with_for_update())
            blocker.execute(sa.update(ApiToken).where(ApiToken.id == -1).values(name="x"))
            started = time.monotonic()
            response = _call(live, "GET", "/me")
            elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed < 2
    with live.app_context(), db.new_session() as session:
        assert session.get(ApiToken, token_id).last_used_at is None
        assert session.scalar(select(func.count()).select_from(ApiToken)) == 1
    # Once the writer is gone, the use is recorded.
    assert _call(live, "GET", "/me").status_code == 200
    with live.app_context(), db.new_session() as session:
        assert session.get(ApiToken, token_id).last_used_at is not None


def test_after_its_commit_a_write_only_reads_its_answer(live):
    """The answer of a committed write is read after the commit, in a transaction that only
    reads and, on SQLite, does not wait for the write lock."""
    engine = live.extensions["db"].engine
    events = []

    def statement(_conn, _cursor, sql, *_args):
        events.append(" ".join(sql.split()[:2]).upper())

    def commit(_conn):
        events.append("COMMIT")

    sa.event.listen(engine, "before_cursor_execute", statement)
    sa.event.listen(engine, "commit", commit)
    try:
        organisation_id = live.config["LIVE"]["organisation_id"]
        writes = [
            ("POST", "/processing-activities", {"organisation_id": organisation_id, "name": "P"}),
            ("POST", "/incidents", _new_incident(live, "Panne")),
        ]
        for method, path, body in writes:
            events.clear()
            response = _call(live, method, path, body)
            assert response.status_code == 201, response.get_json()
            last_commit = len(events) - 1 - events[::-1].index("COMMIT")
            after = events[last_commit + 1 :]
            assert after, path
            assert all(e.startswith(("SELECT", "PRAGMA", "BEGIN DEFERRED")) for e in after), after
    finally:
        sa.event.remove(engine, "before_cursor_execute", statement)
        sa.event.remove(engine, "commit", commit)


def test_a_committed_write_is_answered_as_saved_even_if_its_answer_fails(live, monkeypatch):
    from registers.processing import api

    def fails(*_args, **_kwargs):
        raise sa.exc.OperationalError("SELECT …", {}, Exception("database is locked"))

    monkeypatch.setattr(api, "activity_json", fails)
    organisation_id = live.config["LIVE"]["organisation_id"]
    response = _call(
        live, "POST", "/processing-activities", {"organisation_id": organisation_id, "name": "P"}
    )
    # Saved, and said so: a client that heard 500 would post it again.
    assert response.status_code == 201
    created = response.get_json()
    assert created["version"] == 1
    monkeypatch.undo()
    stored = _call(live, "GET", f"/processing-activities/{created['id']}")
    assert stored.status_code == 200
    assert stored.get_json()["name"] == "P"
