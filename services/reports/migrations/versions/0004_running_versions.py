"""Running totals' marker gets a version (a new one from a sequence at every build): the export caches by it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # IF NOT EXISTS: 0001 creates the tables (and the sequence) from their current definitions, which have them.
    # Existing markers keep version 0 until the periodic job's next build gives them one.
    op.execute("CREATE SEQUENCE IF NOT EXISTS running_versions")
    op.execute("ALTER TABLE running_marks ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 0")


def downgrade() -> None:
    op.execute("ALTER TABLE running_marks DROP COLUMN IF EXISTS version")
    op.execute("DROP SEQUENCE IF EXISTS running_versions")
