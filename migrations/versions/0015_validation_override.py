"""processing activity: validation despite missing items (the DPO's reason)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 19:30:00

Validating an activity requires its Art. 30 items and a DPIA screening, or the DPO's written
reason for validating despite them; the reason and what was missing then are kept.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch rebuild of the table on SQLite would cascade-delete its rows'
    # children.
    op.add_column(
        "processing_activity",
        sa.Column("validation_override_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    )
    op.add_column(
        "processing_activity",
        sa.Column("validation_override_gaps", sa.JSON(), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("processing_activity", "validation_override_gaps")
    op.drop_column("processing_activity", "validation_override_reason")
