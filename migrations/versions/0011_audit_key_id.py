"""audit_entry: the id of the key that sealed each entry (keyed chain)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing entries keep key_id NULL: the unkeyed SHA-256 chain, re-sealed with the audit
    # key by `compliance audit rekey` (which verifies it first).
    op.add_column(
        "audit_entry",
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_column("key_id")
