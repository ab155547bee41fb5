"""Running totals per store and day (any period as one row minus another), their marker and stale days.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

from cartio_reports.tables import product_running, running_marks, running_stale

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # checkfirst: 0001 creates the tables from their current definitions, which already have these. Existing
    # stores get their rows from the periodic job (no marker yet: built from product_days).
    for table in (product_running, running_marks, running_stale):
        table.create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    for table in (running_stale, running_marks, product_running):
        table.drop(op.get_bind(), checkfirst=True)
