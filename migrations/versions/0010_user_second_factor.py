"""user: second factor (TOTP secret, enrolment, last step) and hashed recovery codes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import compliance.crypto
import compliance.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch rebuild of "user" on SQLite would drop the table and let
    # ON DELETE CASCADE empty every table that points at it.
    op.add_column("user", sa.Column("mfa_secret", compliance.crypto.EncryptedText(), nullable=True))
    op.add_column(
        "user",
        sa.Column("mfa_enabled_at", compliance.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column("user", sa.Column("mfa_last_step", sa.BigInteger(), nullable=True))
    op.create_table(
        "mfa_recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", compliance.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", compliance.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_mfa_recovery_code_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_recovery_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_mfa_recovery_code_code_hash")),
    )
    op.create_index(
        op.f("ix_mfa_recovery_code_user_id"), "mfa_recovery_code", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_mfa_recovery_code_user_id"), table_name="mfa_recovery_code")
    op.drop_table("mfa_recovery_code")
    op.drop_column("user", "mfa_last_step")
    op.drop_column("user", "mfa_enabled_at")
    # SQLite drops a column since 3.35; older versions need a batch rebuild, avoided here.
    op.drop_column("user", "mfa_secret")
