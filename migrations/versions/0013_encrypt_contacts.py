"""encrypt the breach contact and the notes of external reports

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 16:30:00

Both columns name people. Existing clear values are encrypted with the instance's key ring,
which `compliance.schema.upgrade` hands over in the Alembic config's attributes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("personal_data_breach", "contact", 500), ("incident_external_report", "notes", 500))


def _keyring():
    ring = op.get_context().config.attributes.get("keyring")
    if ring is not None:
        return ring
    from compliance.crypto import keyring

    return keyring()


def _convert(table: str, column: str, transform, new_type) -> None:
    # Rename, add, copy, drop: no table rebuild, which on SQLite would cascade-delete the rows
    # that point at the table.
    op.execute(f"ALTER TABLE {table} RENAME COLUMN {column} TO {column}_old")
    op.add_column(table, sa.Column(column, new_type, nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(f"SELECT id, {column}_old FROM {table} WHERE {column}_old IS NOT NULL")
    ).all()
    for row_id, value in rows:
        bind.execute(
            sa.text(f"UPDATE {table} SET {column} = :value WHERE id = :id"),
            {"value": transform(value) if value else value, "id": row_id},
        )
    op.execute(f"ALTER TABLE {table} DROP COLUMN {column}_old")


def upgrade() -> None:
    ring = None

    def encrypt(value: str) -> str:
        nonlocal ring
        ring = ring or _keyring()
        return ring.encrypt(value)

    for table, column, _length in COLUMNS:
        _convert(table, column, encrypt, sa.Text())


def downgrade() -> None:
    for table, column, length in COLUMNS:
        _convert(table, column, lambda value: _keyring().decrypt(value), sa.String(length))
