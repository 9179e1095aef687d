"""user session token: logout, password change and deactivation end every session

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 11:20:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN: on SQLite a batch rebuild of "user" would drop the table and let
    # ON DELETE CASCADE empty every table that points at it.
    op.add_column(
        "user",
        sa.Column(
            "session_token",
            sqlmodel.sql.sqltypes.AutoString(length=32),
            nullable=False,
            server_default="",
        ),
    )
    user = sa.table("user", sa.column("id", sa.Integer), sa.column("session_token", sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(user.c.id)).all():
        connection.execute(
            user.update().where(user.c.id == user_id).values(session_token=secrets.token_hex(16))
        )
    if connection.dialect.name != "sqlite":
        op.alter_column("user", "session_token", server_default=None)


def downgrade() -> None:
    op.drop_column("user", "session_token")
