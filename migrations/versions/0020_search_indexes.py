"""search indexes: pg_trgm GIN indexes (PostgreSQL), FTS5 trigram tables (SQLite)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 23:00:00

The registers' `q=` searches (compliance/search.py) read these instead of scanning the tables.
PostgreSQL: the pg_trgm extension when the role may install it, and a GIN trigram index per
searched column (skipped without the extension: the search then scans, with the same results).
SQLite: one FTS5 table per searched table (tokenize='trigram', SQLite 3.34 and later), filled
from the existing rows and kept in step by insert/update/delete triggers.
"""

from collections.abc import Sequence

from alembic import op

from compliance import search

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of compliance.search.SEARCHED / TRIGRAM_ONLY at this revision.
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
    search.install(op.get_bind(), SEARCHED, TRIGRAM_ONLY)


def downgrade() -> None:
    search.uninstall(op.get_bind(), SEARCHED, TRIGRAM_ONLY)
