"""Coalesced cart fetches: per cart, when BigCommerce was last read and whether webhooks wait for a fetch.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cart_refreshes",
        sa.Column("store_hash", sa.String(64), primary_key=True),
        sa.Column("cart_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("fetched_at", TS),
        sa.Column("dirty_since", TS),
        sa.Column("due_at", TS),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("claimed_until", TS),
    )
    op.create_index("cart_refreshes_due", "cart_refreshes", ["due_at"],
                    postgresql_where=sa.text("dirty_since IS NOT NULL"))


def downgrade() -> None:
    op.drop_table("cart_refreshes")
