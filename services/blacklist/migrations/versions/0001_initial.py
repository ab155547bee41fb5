"""Stores, rules, hits, the cart and order projections, inbox and outbox.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cartio_blacklist.tables import carts, hits, orders, rules, stores
from cartio_platform.migrate import create_platform_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_platform_tables(op.get_bind())
    metadata = sa.MetaData()
    for table in (stores, rules, hits, carts, orders):
        table.to_metadata(metadata)
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    for name in ("orders", "carts", "hits", "rules", "stores", "outbox", "inbox"):
        op.drop_table(name)
