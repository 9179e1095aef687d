"""The q= search of the processing activities through the kernel's `compliance.search`: a
substring of one of three columns, blind to case and accents (the former ILIKE, accents
folded), served by the FTS5 trigram table (SQLite) or the pg_trgm indexes (PostgreSQL), kept in
step with the rows by the migration's triggers."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from compliance import search
from compliance.permissions import Role
from registers.processing import queries
from registers.processing.models import ProcessingActivity
from registers.processing.schemas import ActivityFilters

COLUMNS = (
    ProcessingActivity.name,
    ProcessingActivity.reference,
    ProcessingActivity.responsible_service,
)
NAMES = (
    "Paie des agents",
    "Gestion de la PAIE",
    "Sécurité des systèmes",
    "Securite sans accent",
    "Taux à 50% d'abattement",
    "Fichier a_b et axb",
    "L'état civil",
    'Le "registre" cité',
    "Chemin C:\\dossier",
    "Crèche municipale",
)
QUERIES = (
    "paie",
    "PAIE",
    "Paie des",
    "sécurité",
    "securite",
    "curit",
    "50%",
    "%",
    "a_b",
    "_",
    "l'état",
    "'",
    '"registre"',
    '"',
    "C:\\dos",
    "\\",
    "è",
    "ab",
    "a",
    "Service des",
    "élections",
    "TR-",
    "absent du tout",
)


@pytest.fixture
def activities(session, organisation, make_activity):
    made = [make_activity(organisation, name=name) for name in NAMES]
    made[0].responsible_service = "Ressources humaines"
    session.flush()
    return made


def _ids(session, condition) -> set[int]:
    statement = sa.select(ProcessingActivity.id).where(condition)
    return set(session.scalars(statement))


def _expected(session, q: str) -> set[int]:
    """What a substring search blind to case and accents finds, computed in Python."""
    wanted = search.fold(q).lower()
    rows = session.execute(sa.select(ProcessingActivity.id, *COLUMNS)).all()
    return {
        row[0]
        for row in rows
        if any(value and wanted in search.fold(value).lower() for value in row[1:])
    }


@pytest.mark.parametrize("q", QUERIES)
def test_a_substring_blind_to_case_and_accents(session, activities, q):
    found = _ids(session, search.matching(ProcessingActivity, COLUMNS, q))
    assert found == _expected(session, q)


def test_a_word_in_each_column_is_found(session, activities):
    first = activities[0]
    for q in ("agents", first.reference, "humaines"):
        assert first.id in _ids(session, search.matching(ProcessingActivity, COLUMNS, q))


def test_case_is_folded_beyond_ascii(session, activities):
    """ "SÉCURITÉ" finds "Sécurité" (the SQLite of before only folded ASCII letters), and
    "Securite" written without its accents."""
    found = _ids(session, search.matching(ProcessingActivity, COLUMNS, "SÉCURITÉ"))
    assert found == {activities[2].id, activities[3].id}
    assert _ids(session, search.matching(ProcessingActivity, COLUMNS, "creche")) == {
        activities[9].id
    }


def test_rows_written_after_the_migration_are_found_and_deleted_ones_are_not(
    session, organisation, make_activity
):
    def found(q):
        return _ids(session, search.matching(ProcessingActivity, COLUMNS, q))

    activity = make_activity(organisation, name="Cantine scolaire")
    session.flush()
    assert found("cantine") == {activity.id}
    activity.name = "Restauration scolaire"
    session.flush()
    assert found("cantine") == set()
    assert found("restauration") == {activity.id}
    activity.responsible_service = "Direction de l'enfance"
    session.flush()
    assert found("enfance") == {activity.id}
    session.delete(activity)
    session.flush()
    assert found("restauration") == set()
    assert found("enfance") == set()


def test_the_search_stays_within_the_visible_organisations(
    session, organisation, other_organisation, make_activity, make_user
):
    mine = make_activity(organisation, name="Paie des agents")
    make_activity(other_organisation, name="Paie des élus")
    user = make_user(Role.REFERENT, organisation)
    session.flush()
    statement = queries.visible_activities(user, ActivityFilters(q="paie"), selected=False)
    assert [activity.id for activity in session.scalars(statement)] == [mine.id]


def test_the_search_reads_its_index(session, activities):
    """SQLite: the FTS5 trigram table (LIKE on the table under three characters). PostgreSQL:
    the trigram indexes, and a searched list sorts its matches rather than walking the sort
    key's index (the expression `reference || ''` that no B-tree serves)."""
    condition = search.matching(ProcessingActivity, COLUMNS, "paie")
    statement = sa.select(ProcessingActivity.id).where(condition)
    sql = str(statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    if session.get_bind().dialect.name == "sqlite":
        assert search.sqlite_has_trigram()  # SQLite 3.34 or later, as shipped here
        plan = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
        assert any("processing_activity_fts VIRTUAL TABLE" in row[-1] for row in plan), plan
        # Shorter than a trigram: LIKE over the FTS table's folded text, not MATCH.
        short = str(search.matching(ProcessingActivity, COLUMNS, "pa").compile(session.get_bind()))
        assert "processing_activity_fts" in short and "MATCH" not in short
        return
    session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(session.connection().exec_driver_sql("EXPLAIN " + sql).scalars())
    assert "ix_processing_activity_name_folded_trgm" in plan, plan
    searched = queries.visible_activities(None, ActivityFilters(q="paie"), selected=False)
    order = str(searched.compile(session.get_bind())).split("ORDER BY")[-1]
    assert "processing_activity.reference || " in order, order
    unsearched = queries.visible_activities(None, ActivityFilters(), selected=False)
    order = str(unsearched.compile(session.get_bind())).split("ORDER BY")[-1]
    assert "||" not in order, order
    assert "ix_processing_activity_responsible_service_folded_trgm" in plan, plan


def test_a_bulk_load_refills_the_index_and_restores_the_triggers(
    session, organisation, make_activity
):
    """bench/generate.py drops the FTS triggers for its bulk inserts and refills afterwards."""
    search.suspend_for_bulk_load(session.connection())
    loaded = make_activity(organisation, name="Cimetières communaux")
    session.flush()
    search.refill_after_bulk_load(session.connection())
    assert _ids(session, search.matching(ProcessingActivity, COLUMNS, "cimeti")) == {loaded.id}
    later = make_activity(organisation, name="Cimetière paysager")
    session.flush()
    found = _ids(session, search.matching(ProcessingActivity, COLUMNS, "cimeti"))
    assert found == {loaded.id, later.id}
