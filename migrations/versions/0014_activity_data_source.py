"""processing activity: data not collected from the person and their source (Art. 14)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch rebuild of "processing_activity" on SQLite would
    # cascade-delete the rows that point at it.
    op.add_column(
        "processing_activity",
        sa.Column("indirect_collection", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "processing_activity",
        sa.Column("data_source", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("processing_activity", "data_source")
    op.drop_column("processing_activity", "indirect_collection")
