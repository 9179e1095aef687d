"""the controllers' "no breach" decisions on an incident

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 19:30:00

One row per incident and controller organisation for which the DPO documented that the
incident is no personal-data breach (Art. 33(5)), with its ground, its reason, who and when.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import compliance.db

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "no_breach_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "ground",
            sa.Enum(
                "no_personal_data",
                "not_affected",
                name="nobreachground",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", compliance.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_label", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("created_at", compliance.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user.id"],
            name=op.f("fk_no_breach_decision_decided_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_no_breach_decision_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_no_breach_decision_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_no_breach_decision")),
        sa.UniqueConstraint(
            "incident_id",
            "organisation_id",
            name=op.f("uq_no_breach_decision_incident_id"),
        ),
    )
    with op.batch_alter_table("no_breach_decision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_no_breach_decision_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_no_breach_decision_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("no_breach_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_no_breach_decision_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_no_breach_decision_incident_id"))
    op.drop_table("no_breach_decision")
