"""Counters (funnel, product, variant per day), products, cart facts, counted orders, stores, inbox, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

from cartio_reports.tables import metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The first revision creates the tables as tables.py defines them (inbox and outbox included);
    # later revisions must spell out their own changes.
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
