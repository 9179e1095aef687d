"""organisation: the DPO's contact details

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 12:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch rebuild of "organisation" on SQLite would cascade-delete the
    # rows that point at it.
    op.add_column(
        "organisation",
        sa.Column("dpo_contact", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("organisation", "dpo_contact")
