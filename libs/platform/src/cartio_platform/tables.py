"""The inbox and outbox tables that every service's database holds beside its own."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID


def inbox_table(metadata: sa.MetaData) -> sa.Table:
    """Messages a consumer has handled: recorded in the handler's transaction, so a redelivery is skipped."""
    return sa.Table(
        "inbox",
        metadata,
        sa.Column("consumer", sa.String(200), primary_key=True),
        sa.Column("message_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("store_hash", sa.String(64), nullable=False),
        sa.Column("message_type", sa.String(200), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def outbox_table(metadata: sa.MetaData) -> sa.Table:
    """Events written in the same transaction as the change they describe; the relay publishes them."""
    return sa.Table(
        "outbox",
        metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("store_hash", sa.String(64), nullable=False),
        sa.Column("message_id", UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("exchange", sa.String(200), nullable=False),
        sa.Column("routing_key", sa.String(200), nullable=False),
        sa.Column("envelope", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Index("outbox_unpublished", "id", postgresql_where=sa.text("published_at IS NULL")),
    )
