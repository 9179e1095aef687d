"""processing activities keep their completeness and warnings

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 22:45:00

Each processing activity keeps its completeness score, its number of missing items and its
number of warnings other than the live ones (compute.stored_summary), so that a register's
summary is a sum in SQL. The columns are filled for the existing rows, in batches.
"""

from collections.abc import Sequence
from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("completeness_score", "missing_count", "warning_count")
BATCH = 2000
# Child table -> the collection name compute reads.
CHILDREN = {
    "processing_purpose": "purposes",
    "processing_data_category": "data_categories",
    "processing_special_category": "special_categories",
    "processing_subject": "subjects",
    "processing_recipient": "recipients",
    "processing_transfer": "transfers",
    "processing_security_measure": "security_measures",
}
ACTIVITY_COLUMNS = (
    "id",
    "name",
    "responsible_service",
    "role",
    "other_controllers",
    "joint_arrangement",
    "indirect_collection",
    "data_source",
    "criminal_data",
    "criminal_data_basis",
    "nir_used",
    "nir_legal_text",
    "dpia_required",
    "dpia_status",
)


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch rebuild of "processing_activity" on SQLite would
    # cascade-delete the rows that point at it. Its default stays there for the same reason.
    for name in COLUMNS:
        op.add_column(
            "processing_activity",
            sa.Column(name, sa.Integer(), nullable=False, server_default=sa.text("0")),
        )
    bind = op.get_bind()
    _backfill(bind)
    if bind.dialect.name != "sqlite":
        for name in COLUMNS:
            op.alter_column("processing_activity", name, server_default=None)


def _backfill(bind) -> None:
    from registers.processing import compute

    metadata = sa.MetaData()
    activity = sa.Table("processing_activity", metadata, autoload_with=bind)
    organisation = sa.Table("organisation", metadata, autoload_with=bind)
    children = {
        name: sa.Table(table, metadata, autoload_with=bind) for table, name in CHILDREN.items()
    }
    kinds = dict(bind.execute(sa.select(organisation.c.id, organisation.c.kind)).all())
    update = (
        activity.update()
        .where(activity.c.id == sa.bindparam("activity_id"))
        .values({name: sa.bindparam(name) for name in COLUMNS})
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(activity.c.organisation_id, *(activity.c[c] for c in ACTIVITY_COLUMNS))
            .where(activity.c.id > last)
            .order_by(activity.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        ids = [row.id for row in rows]
        last = ids[-1]
        rows_of: dict[str, dict[int, list[dict]]] = {name: {} for name in children}
        for name, table in children.items():
            order = table.c.position if "position" in table.c else table.c.id
            statement = sa.select(table).where(table.c.processing_id.in_(ids)).order_by(order)
            for child in bind.execute(statement).mappings():
                rows_of[name].setdefault(child["processing_id"], []).append(dict(child))
        values = []
        for row in rows:
            data = row._asdict()
            organisation_id = data.pop("organisation_id")
            subject = compute.activity_from_rows(
                data, {name: rows_of[name].get(row.id, []) for name in children}
            )
            owner = SimpleNamespace(kind=kinds.get(organisation_id))
            summary = compute.stored_summary(subject, owner)
            values.append({"activity_id": row.id, **summary})
        bind.execute(update, values)


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column("processing_activity", name)
