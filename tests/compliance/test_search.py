"""The search's schema objects (migration 0020) and the kernel's fallbacks."""

from __future__ import annotations

import importlib.util

import sqlalchemy as sa

from compliance import search
from compliance.schema import MIGRATIONS
from registers.incidents.models import CorrectiveAction
from registers.processing import services as processing
from registers.processing.models import ProcessingActivity
from registers.processing.schemas import ActivityCreate, check
from tests.registers.processing.conftest import COMPLETE


def _migration():
    path = MIGRATIONS / "versions" / "0020_search_indexes.py"
    spec = importlib.util.spec_from_file_location("search_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_kernel_searches_what_the_migration_indexed():
    migration = _migration()
    assert migration.SEARCHED == search.SEARCHED
    assert migration.TRIGRAM_ONLY == search.TRIGRAM_ONLY


def test_the_database_at_head_has_the_search_objects(session):
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        if not search.sqlite_has_trigram():
            return
        rows = connection.exec_driver_sql(
            "SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('table', 'trigger')"
        ).all()
        names = {(kind, name) for kind, name, _table in rows}
        for table in search.SEARCHED:
            fts = search.fts_table(table)
            assert ("table", fts) in names
            for event in ("insert", "update", "delete"):
                assert ("trigger", f"{fts}_{event}") in names
        return
    indexes = set(
        connection.execute(
            sa.text("SELECT indexname FROM pg_indexes WHERE indexdef LIKE :ops"),
            {"ops": "%gin_trgm_ops%"},
        ).scalars()
    )
    expected = {
        search.trigram_index(table, column, folded=True)
        for table, columns in {**search.SEARCHED, **search.TRIGRAM_ONLY}.items()
        for column in columns
    }
    assert expected <= indexes


def test_the_search_objects_are_not_models():
    assert search.is_search_object("processing_activity_fts", "table")
    assert search.is_search_object("processing_activity_fts_data", "table")
    assert search.is_search_object("ix_incident_title_trgm", "index")
    assert not search.is_search_object("incident_search_token", "table")
    assert not search.is_search_object("processing_activity", "table")
    assert search.is_search_object("title_folded", "column")
    assert not search.is_search_object("title", "column")


def test_without_fts5_trigram_sqlite_falls_back_to_like(monkeypatch):
    monkeypatch.setattr(search, "sqlite_has_trigram", lambda: False)
    engine = sa.create_engine("sqlite://")
    columns = (
        ProcessingActivity.name,
        ProcessingActivity.reference,
        ProcessingActivity.responsible_service,
    )
    condition = search.matching(ProcessingActivity, columns, "paie", bind=engine)
    assert "MATCH" not in str(condition.compile(engine))
    assert "LIKE" in str(condition.compile(engine))


def test_a_query_is_one_literal_phrase():
    assert search._phrase('le "registre"') == '"le ""registre"""'
    assert search.like_pattern("50%_\\") == "%50\\%\\_\\\\%"


def test_a_missing_extension_leaves_the_migration_going(session):
    """Without pg_trgm (or the right to install it) the migration skips the indexes."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    assert not search._postgresql_extension(connection, "no_such_extension_here")
    assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    assert search._postgresql_extension(connection)


def test_outside_an_application_context_the_condition_is_ilike():
    columns = (
        ProcessingActivity.name,
        ProcessingActivity.reference,
        ProcessingActivity.responsible_service,
    )
    condition = search.matching(ProcessingActivity, columns, "paie")
    assert "MATCH" not in str(condition.compile(sa.create_engine("sqlite://")))


def test_the_query_is_folded_as_the_indexed_text():
    assert search.fold("Sécurité À L'ÉCOLE, garçon") == "Securite A L'ECOLE, garcon"
    assert len(search.FOLD_FROM) == len(search.FOLD_TO)


_PROCESSING_COLUMNS = (
    ProcessingActivity.name,
    ProcessingActivity.reference,
    ProcessingActivity.responsible_service,
)


def _searched(session, q: str) -> set[str]:
    columns = (
        ProcessingActivity.name,
        ProcessingActivity.reference,
        ProcessingActivity.responsible_service,
    )
    condition = search.matching(ProcessingActivity, columns, q)
    return set(session.scalars(sa.select(ProcessingActivity.name).where(condition)))


def _activity(session, organisation, **values):
    data = check(ActivityCreate, {**COMPLETE, **values})
    return processing.create_processing(session, organisation, data, actor="test")


def test_accents_are_ignored_on_both_sides(session, organisation):
    _activity(session, organisation, name="Sécurité des écoles")
    _activity(session, organisation, name="Paie des agents", responsible_service="Personnel")
    session.flush()
    for q in ("securite", "SÉCURITÉ", "sécu", "ECOLES", "écoles", "rité d"):
        assert _searched(session, q) == {"Sécurité des écoles"}, q
    assert _searched(session, "paie") == {"Paie des agents"}
    # Shorter than a trigram: LIKE over the folded text, blind to accents as well.
    assert _searched(session, "té") == _searched(session, "TE") == {"Sécurité des écoles"}


def test_the_accent_blind_search_still_reads_its_index(session, organisation):
    _activity(session, organisation, name="Sécurité des écoles")
    session.flush()
    columns = (
        ProcessingActivity.name,
        ProcessingActivity.reference,
        ProcessingActivity.responsible_service,
    )
    statement = sa.select(ProcessingActivity.id).where(
        search.matching(ProcessingActivity, columns, "securite")
    )
    connection = session.connection()
    compiled = statement.compile(connection, compile_kwargs={"literal_binds": True})
    if connection.dialect.name == "sqlite":
        assert "MATCH" in str(compiled)
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
        assert any("processing_activity_fts VIRTUAL TABLE" in row[-1] for row in plan), plan
        return
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plan = "\n".join(connection.exec_driver_sql(f"EXPLAIN {compiled}").scalars())
    assert "ix_processing_activity_name_folded_trgm" in plan, plan


def test_postgresql_reads_the_stored_folded_copies_and_folds_nothing_at_query_time(session):
    """Folding with `translate()` in the query cost ~10 µs a row, and the planner scanned
    whole tables of a few thousand rows (60 ms for 5 000 incidents): the query reads the copies
    the database stored on write, and the copies are kept whoever writes (here Core, no ORM)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    for table, columns in {**search.SEARCHED, **search.TRIGRAM_ONLY}.items():
        kinds = dict(
            connection.execute(
                sa.text(
                    "SELECT column_name, is_generated FROM information_schema.columns "
                    "WHERE table_name = :table"
                ),
                {"table": table},
            ).all()
        )
        for column in columns:
            assert kinds.get(search.folded_column(column)) == "ALWAYS", (table, column)
    condition = search.matching(ProcessingActivity, _PROCESSING_COLUMNS, "sécu")
    compiled = str(condition.compile(connection, compile_kwargs={"literal_binds": True}))
    assert "translate" not in compiled
    assert "processing_activity.name_folded ILIKE '%%secu%%'" in compiled
    from registers.applications.models import Vendor

    values = {"version": 1, "name": "Société Générale d'Édition", "key": "sge-test"}
    values |= {"dpa_status": "none", "created_at": sa.func.now(), "updated_at": sa.func.now()}
    inserted = connection.execute(sa.insert(Vendor.__table__).values(values).returning(Vendor.id))
    vendor = connection.execute(
        sa.text("SELECT name_folded FROM vendor WHERE id = :id"), {"id": inserted.scalar_one()}
    ).scalar_one()
    assert vendor == "Societe Generale d'Edition"


def test_a_column_without_a_stored_copy_is_still_searched_blind_to_accents(session):
    connection = session.connection()
    condition = search.matching(CorrectiveAction, (CorrectiveAction.title,), "securite")
    compiled = str(condition.compile(connection, compile_kwargs={"literal_binds": True}))
    if connection.dialect.name == "postgresql":
        assert "translate(corrective_action.title" in compiled
        assert "_folded" not in compiled
