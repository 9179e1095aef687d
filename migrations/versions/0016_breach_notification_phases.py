"""notification kinds in phases (complete) and the announced complementary notification

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 19:40:00

Art. 33(4) GDPR: a notification may be given in phases. The CNIL's online service knows the
initial, complementary and complete notifications; an initial one announces a complementary
one by a date (`follow_up_by`), which the register keeps as a reminder.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "breach_notification"
CONSTRAINT = "ck_breach_notification_notificationkind"
BEFORE = ("initial", "complementary")
AFTER = ("initial", "complementary", "complete")


def _kinds(kinds) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def _set_kinds(kinds) -> None:
    # On SQLite the table is rebuilt (nothing points at it, so no row is lost elsewhere).
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CONSTRAINT), type_="check")
        batch_op.create_check_constraint(op.f(CONSTRAINT), _kinds(kinds))


def upgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.add_column(sa.Column("follow_up_by", sa.Date(), nullable=True))
    _set_kinds(AFTER)


def downgrade() -> None:
    op.execute(f"UPDATE {TABLE} SET kind = 'complementary' WHERE kind = 'complete'")
    _set_kinds(BEFORE)
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_column("follow_up_by")
