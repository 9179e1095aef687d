"""each organisation's processing activities counted by status, kept by the services

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 01:50:00

The dashboard of a national service summed a hundred thousand activities on every visit. The
`processing_tally` table holds, per organisation and status, the number of (non-model)
activities and of those with a DPIA still due; a flush that writes an activity recounts its
organisation (registers/processing/tally.py). The table is filled here from the activities.
An index on (organisation, next review date) serves the overdue reviews, a date condition that
no stored count can follow. Two covering indexes serve the duty card's controllers still to
decide: from an application to its deployments, and from an incident and an organisation to
its breaches.

The search indexes are rebuilt on the text without its accents (compliance/search.py `fold`):
"securite" finds "sécurité". SQLite: the FTS tables and their triggers hold the folded text;
PostgreSQL: the trigram indexes are on `translate(column, …)`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from compliance import search

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("draft", "submitted", "validated", "archived")
# Frozen copy of compliance.search.SEARCHED / TRIGRAM_ONLY at this revision (as in 0020).
SEARCHED = {
    "processing_activity": ("name", "reference", "responsible_service"),
    "roadmap_action": ("code", "title", "owner", "description"),
    "personal_data_breach": ("reference", "title"),
    "incident": ("reference", "title"),
}
TRIGRAM_ONLY = {
    "application": ("name",),
    "vendor": ("name",),
}
INDEXES = (
    (
        "ix_deployment_application_organisation",
        "deployment",
        ["application_id", "organisation_id", "archived_at"],
    ),
    (
        "ix_personal_data_breach_incident_organisation",
        "personal_data_breach",
        ["incident_id", "organisation_id", "archived_at"],
    ),
)


def upgrade() -> None:
    op.create_table(
        "processing_tally",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                *STATUSES,
                name="processingstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("activities", sa.Integer(), nullable=False),
        sa.Column("dpia_pending", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_processing_tally_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", "status", name=op.f("pk_processing_tally")),
    )
    # The same counts as tally.tally_select(), frozen here.
    op.execute(
        "INSERT INTO processing_tally (organisation_id, status, activities, dpia_pending) "
        "SELECT organisation_id, status, count(*), "
        "sum(CASE WHEN dpia_required AND dpia_status != 'completed' THEN 1 ELSE 0 END) "
        "FROM processing_activity WHERE NOT is_model GROUP BY organisation_id, status"
    )
    op.create_index(
        "ix_processing_activity_review",
        "processing_activity",
        ["organisation_id", "next_review_on", "is_model", "status"],
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    search.install(op.get_bind(), SEARCHED, TRIGRAM_ONLY, fold=True)


def downgrade() -> None:
    search.install(op.get_bind(), SEARCHED, TRIGRAM_ONLY, fold=False)
    for name, table, _columns in INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_index("ix_processing_activity_review", table_name="processing_activity")
    op.drop_table("processing_tally")
