"""the PDF copy of an export: its SHA-256 and size, so that verification recognises it

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("export_record", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pdf_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(sa.Column("pdf_size", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_export_record_pdf_sha256"), ["pdf_sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("export_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_export_record_pdf_sha256"))
        batch_op.drop_column("pdf_size")
        batch_op.drop_column("pdf_sha256")
