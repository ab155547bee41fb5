"""Stores, notices, inbox and outbox.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cartio_notifier.tables import notices, stores
from cartio_platform.migrate import create_platform_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_platform_tables(op.get_bind())
    metadata = sa.MetaData()
    for table in (stores, notices):
        table.to_metadata(metadata)
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    op.drop_table("notices")
    op.drop_table("stores")
    op.drop_table("outbox")
    op.drop_table("inbox")
