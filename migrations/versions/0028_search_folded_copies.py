"""the searched text's folded copies, stored, on PostgreSQL

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05 22:00:00

Migration 0026 indexed `translate(column, …)` for the accent-blind search; the index found the
rows, but the planner counts `translate` as cheap and, on tables of a few thousand rows, scanned
them all and folded every row at ~10 µs each (60 ms a search of 5 000 incidents, twice a page).
Each searched column now has a stored generated copy, `<column>_folded`, folded by the database
on every write, with its trigram index (the name of 0026's expression index, which it replaces);
the search reads the copies (compliance/search.py). Nothing changes on SQLite, whose FTS tables
already hold the folded text.
"""

from collections.abc import Sequence

from alembic import op

from compliance import search

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of compliance.search.SEARCHED / TRIGRAM_ONLY at this revision (as in 0020, 0026).
SEARCHED = {
    "processing_activity": ("name", "reference", "responsible_service"),
    "roadmap_action": ("code", "title", "owner", "description"),
    "personal_data_breach": ("reference", "title"),
    "incident": ("reference", "title"),
}
TRIGRAM_ONLY = {
    "application": ("name",),
    "vendor": ("name",),
}


def upgrade() -> None:
    search.install_folded_copies(op.get_bind(), SEARCHED, TRIGRAM_ONLY)


def downgrade() -> None:
    bind = op.get_bind()
    search.uninstall_folded_copies(bind, SEARCHED, TRIGRAM_ONLY)
    search.install(bind, SEARCHED, TRIGRAM_ONLY, fold=True)
