"""an index on the processing activities' default order, for the API's keyset pages

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 22:50:00

The API lists activities by reference then id and reads page N after the last row of page N-1
(`(reference, id) > (…, …)`): with this index the database seeks to the cursor and reads only
the page's rows, instead of sorting every visible activity for each page.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("processing_activity", schema=None) as batch_op:
        batch_op.create_index("ix_processing_activity_reference_id", ["reference", "id"])


def downgrade() -> None:
    with op.batch_alter_table("processing_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_processing_activity_reference_id")
