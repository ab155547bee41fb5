"""Rolling-window totals per store, window (7, 30, 90 days) and product, and the day they are as of.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

from cartio_reports.tables import product_windows, window_marks

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # checkfirst: 0001 creates the tables from their current definitions, which already have these. Existing
    # stores get their windows built from product_days by the first query or the periodic rollover (no marker).
    for table in (product_windows, window_marks):
        table.create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    for table in (window_marks, product_windows):
        table.drop(op.get_bind(), checkfirst=True)
