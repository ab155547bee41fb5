"""Per cart: how many `store/cart/updated` webhooks the pending fetch covers (they explain its version moves).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cart_refreshes", sa.Column("updates", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("cart_refreshes", "updates")
