"""The notifier's database: the stores it writes for, and every notice with its delivery state."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID

from cartio_platform.tables import inbox_table, outbox_table

metadata = sa.MetaData()
inbox = inbox_table(metadata)
outbox = outbox_table(metadata)
TS = sa.DateTime(timezone=True)

stores = sa.Table(
    "stores",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("currency", sa.String(3)),
    sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
)

# One row per send command (id = the command's message id): pending -> sending -> sent | failed.
notices = sa.Table(
    "notices",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("cart_id", UUID(as_uuid=True), nullable=False),
    sa.Column("checkout_cart_id", UUID(as_uuid=True)),
    sa.Column("recipient", sa.Text, nullable=False),
    sa.Column("requested_by", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("subject", sa.Text, nullable=False, server_default=""),
    sa.Column("html", sa.Text, nullable=False, server_default=""),
    sa.Column("text", sa.Text, nullable=False, server_default=""),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", TS, nullable=False, server_default=sa.func.now()),
    sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
    sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
    sa.Column("sent_at", TS),
    sa.Column("clicked_at", TS),
    sa.Column("clicks", sa.Integer, nullable=False, server_default="0"),
    sa.Index("notices_cart", "store_hash", "cart_id", "created_at"),
    sa.Index("notices_due", "next_attempt_at", postgresql_where=sa.text("status = 'pending'")),
)
