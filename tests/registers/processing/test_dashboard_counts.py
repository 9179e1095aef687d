"""The dashboard's counts of the processing activities: one statement, read from the summary
index alone (an index-only scan of every column it needs, not the table)."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy import event

from compliance.permissions import Role
from compliance.tenancy import visible_organisations_query
from registers.processing import panels


def test_the_counts_are_one_statement_on_the_summary_index(
    session, make_activity, make_user, organisation, other_organisation
):
    make_activity(organisation, name="Paie des agents", next_review_on=date.today() - timedelta(1))
    make_activity(other_organisation, name="État civil")
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
    assert counts["total"] == 2 and counts["review_overdue"] == 1
    assert len(seen) == 1
    statement, parameters = seen[0]
    if engine.dialect.name == "sqlite":
        plan = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        text = " ".join(row[-1] for row in plan)
        assert "COVERING INDEX ix_processing_activity_summary" in text, text
    else:
        # PostgreSQL reads a table this small whole whatever its indexes: the index is there,
        # with every column the count reads.
        columns = session.execute(
            sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"),
            {"name": "ix_processing_activity_summary"},
        ).scalar_one()
        for column in ("organisation_id", "is_model", "status", "dpia_required", "dpia_status"):
            assert column in columns and column in statement
