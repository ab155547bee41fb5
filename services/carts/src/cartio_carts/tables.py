"""The carts service's own database: every table is keyed by store.

Money is NUMERIC (read back as Decimal); times are timestamptz in UTC.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from cartio_platform.tables import inbox_table, outbox_table

metadata = sa.MetaData()

MONEY = sa.Numeric(18, 4)
TS = sa.DateTime(timezone=True)

inbox = inbox_table(metadata)
outbox = outbox_table(metadata)

stores = sa.Table(
    "stores",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    # Fernet ciphertext of the store's API token (the gateway encrypts it; decrypted only to call BigCommerce).
    sa.Column("access_token_encrypted", sa.Text),
    sa.Column("scope", sa.Text, nullable=False, server_default=""),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("installed_at", TS),
    sa.Column("uninstalled_at", TS),
    sa.Column("purge_after", TS),
    sa.Column("purged_at", TS),
    sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
    # The store's name (from store.installed): the cart email is written in it.
    sa.Column("name", sa.Text),
)

carts = sa.Table(
    "carts",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("cart_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("user_type", sa.String(16), nullable=False),
    sa.Column("customer_id", sa.Integer),
    sa.Column("email", sa.Text),
    sa.Column("name", sa.Text),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("channel_id", sa.Integer),
    sa.Column("items", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column("item_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("subtotal", MONEY, nullable=False, server_default="0"),
    sa.Column("discount", MONEY, nullable=False, server_default="0"),
    sa.Column("shipping", MONEY, nullable=False, server_default="0"),
    sa.Column("tax", MONEY, nullable=False, server_default="0"),
    sa.Column("grand_total", MONEY, nullable=False, server_default="0"),
    sa.Column("coupon_codes", ARRAY(sa.Text), nullable=False, server_default="{}"),
    # BigCommerce's times; updated_at also moves when the cart's status changes (the list is sorted by it).
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    # The snapshot's own clock: only a newer (updated_time, version) replaces it.
    sa.Column("bc_updated_time", TS),
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("bc_seq", sa.Integer, nullable=False, server_default="0"),
    sa.Column("order_id", sa.BigInteger),
    sa.Column("session_id", sa.String(128)),
    sa.Column("user_agent", sa.Text),
    sa.Column("browser", sa.Text),
    sa.Column("ip", sa.String(64)),
    sa.Column("country", sa.String(2)),
    sa.Column("deleted_reason", sa.String(16)),
    sa.Column("abandoned_at", TS),
    sa.Column("converted_at", TS),
    sa.Column("deleted_at", TS),
    # A cart Cartio re-created through the Management API to send it (doc 5.3) points at its source.
    sa.Column("source_cart_id", UUID(as_uuid=True)),
    sa.Column("recreated_as", UUID(as_uuid=True)),
    sa.Column("seen_at", TS, nullable=False, server_default=sa.func.now()),
    # Lowercased email, name and id for the text filter (trigram index).
    sa.Column(
        "search",
        sa.Text,
        sa.Computed(
            "lower(coalesce(email, '') || ' ' || coalesce(name, '') || ' ' || cart_id::text)", persisted=True
        ),
    ),
    sa.Index("carts_recent", "store_hash", sa.text("updated_at DESC"), sa.text("cart_id DESC")),
    sa.Index("carts_status_recent", "store_hash", "status", sa.text("updated_at DESC"), sa.text("cart_id DESC")),
    sa.Index(
        "carts_user_type_recent", "store_hash", "user_type", sa.text("updated_at DESC"), sa.text("cart_id DESC")
    ),
    sa.Index("carts_search_trgm", "search", postgresql_using="gin", postgresql_ops={"search": "gin_trgm_ops"}),
    sa.Index(
        "carts_active_idle", "store_hash", "updated_at", postgresql_where=sa.text("status = 'active'")
    ),
)

cart_timeline = sa.Table(
    "cart_timeline",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("store_hash", sa.String(64), nullable=False),
    sa.Column("cart_id", UUID(as_uuid=True), nullable=False),
    sa.Column("at", TS, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("detail", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Index("cart_timeline_cart", "store_hash", "cart_id", "id"),
)

# Storefront beacons for carts not known yet: applied when the cart arrives.
pending_sessions = sa.Table(
    "pending_sessions",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("cart_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("session_id", sa.String(128), nullable=False),
    sa.Column("ip", sa.String(64)),
    sa.Column("user_agent", sa.Text),
    sa.Column("seen_at", TS, nullable=False),
)

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("order_id", sa.BigInteger, primary_key=True),
    sa.Column("cart_id", UUID(as_uuid=True)),
    sa.Column("status_id", sa.Integer, nullable=False),
    sa.Column("customer_id", sa.Integer),
    sa.Column("email", sa.Text),
    sa.Column("ip", sa.String(64)),
    sa.Column("country", sa.String(2)),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("subtotal", MONEY, nullable=False),
    sa.Column("grand_total", MONEY, nullable=False),
    sa.Column("items", JSONB, nullable=False),
    sa.Column("date_created", TS),
    sa.Column("date_modified", TS),
    # order.placed goes out once per order, when it is first seen past status 0 (Incomplete).
    sa.Column("placed_published_at", TS),
    sa.Column("created_by", sa.Text),
    sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
    sa.Index("orders_cart", "store_hash", "cart_id"),
)

# Create-order requests by Idempotency-Key: claimed (committed) before BigCommerce is called.
order_requests = sa.Table(
    "order_requests",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("idempotency_key", sa.String(200), primary_key=True),
    sa.Column("cart_id", UUID(as_uuid=True), nullable=False),
    sa.Column("request_hash", sa.String(64), nullable=False),
    # pending -> done | failed (failed: provably no order was created, so the key may be retried)
    sa.Column("status", sa.String(16), nullable=False),
    # within pending: claimed -> creating (POST orders may have happened) -> created (order id known)
    sa.Column("phase", sa.String(16), nullable=False, server_default="claimed"),
    sa.Column("orders_before", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column("order_id", sa.BigInteger),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="1"),
    sa.Column("status_code", sa.Integer),
    sa.Column("result", JSONB),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
    sa.Column("lease_until", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
    # One unfinished create-order per cart at a time, whatever the key.
    sa.Index(
        "order_requests_one_pending_per_cart",
        "store_hash",
        "cart_id",
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    ),
)

# Send-to-shopper requests by Idempotency-Key: written with the command, so a repeat answers the same result
# and sends nothing more.
send_requests = sa.Table(
    "send_requests",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("idempotency_key", sa.String(200), primary_key=True),
    sa.Column("cart_id", UUID(as_uuid=True), nullable=False),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("command_id", UUID(as_uuid=True), nullable=False),
    sa.Column("result", JSONB, nullable=False),
    sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
)

__all__ = [
    "cart_timeline",
    "carts",
    "inbox",
    "metadata",
    "order_requests",
    "orders",
    "outbox",
    "pending_sessions",
    "send_requests",
    "stores",
]
