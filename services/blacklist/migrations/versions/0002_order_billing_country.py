"""Orders: the billing country, judged beside the geoip country.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # IF NOT EXISTS: 0001 creates the tables from their current definitions, which already have the column.
    op.execute("ALTER TABLE orders ADD COLUMN IF NOT EXISTS billing_country varchar(2)")


def downgrade() -> None:
    op.execute("ALTER TABLE orders DROP COLUMN IF EXISTS billing_country")
