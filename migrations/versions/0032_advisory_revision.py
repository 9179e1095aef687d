"""advisory revision

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-05 22:58:00

The revision of the document an advisory was imported from (a CSAF document's tracking.version
and current_release_date, a CVE record's dateUpdated): a later revision updates the advisory.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import compliance.db


revision: str = '0032'
down_revision: str | None = '0031'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('advisory', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True))
        batch_op.add_column(sa.Column('revised_at', compliance.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('advisory', schema=None) as batch_op:
        batch_op.drop_column('revised_at')
        batch_op.drop_column('revision')
