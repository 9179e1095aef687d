"""awareness sessions and DPO recommendations

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 01:30:00

The two records of the DPO's annual report: the awareness and training sessions given to a
member (or, in the host organisation, to the whole service), and the DPO's recommendations
to a member, or to the whole service, for the year after the report's.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import compliance.db


revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "awareness_session",
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("audience", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", compliance.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", compliance.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("archived_at", compliance.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("attendees >= 0", name=op.f("ck_awareness_session_attendees_positive")),
        sa.CheckConstraint(
            "duration_minutes IS NULL OR duration_minutes > 0",
            name=op.f("ck_awareness_session_duration_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_awareness_session_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_awareness_session")),
    )
    with op.batch_alter_table("awareness_session", schema=None) as batch_op:
        batch_op.create_index(
            "ix_awareness_session_organisation_held", ["organisation_id", "held_on"], unique=False
        )

    op.create_table(
        "dpo_recommendation",
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", compliance.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", compliance.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("service_wide", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "year >= 2000 AND year <= 2100", name=op.f("ck_dpo_recommendation_year_range")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_dpo_recommendation_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dpo_recommendation")),
        sa.UniqueConstraint(
            "organisation_id",
            "year",
            "service_wide",
            name=op.f("uq_dpo_recommendation_organisation_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("dpo_recommendation")
    with op.batch_alter_table("awareness_session", schema=None) as batch_op:
        batch_op.drop_index("ix_awareness_session_organisation_held")

    op.drop_table("awareness_session")
