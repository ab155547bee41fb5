"""Stores, carts, timeline, pending sessions, orders, order requests, inbox and outbox.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from cartio_platform.migrate import create_platform_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

MONEY = sa.Numeric(18, 4)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    create_platform_tables(op.get_bind())
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")

    op.create_table(
        "stores",
        sa.Column("store_hash", sa.String(64), primary_key=True),
        sa.Column("access_token_encrypted", sa.Text),
        sa.Column("scope", sa.Text, nullable=False, server_default=""),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("installed_at", TS),
        sa.Column("uninstalled_at", TS),
        sa.Column("purge_after", TS),
        sa.Column("purged_at", TS),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
    )

    op.create_table(
        "carts",
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
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
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
        sa.Column("source_cart_id", UUID(as_uuid=True)),
        sa.Column("recreated_as", UUID(as_uuid=True)),
        sa.Column("seen_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column(
            "search",
            sa.Text,
            sa.Computed(
                "lower(coalesce(email, '') || ' ' || coalesce(name, '') || ' ' || cart_id::text)", persisted=True
            ),
        ),
    )
    op.execute("CREATE INDEX carts_recent ON carts (store_hash, updated_at DESC, cart_id DESC)")
    op.execute("CREATE INDEX carts_status_recent ON carts (store_hash, status, updated_at DESC, cart_id DESC)")
    op.execute(
        "CREATE INDEX carts_user_type_recent ON carts (store_hash, user_type, updated_at DESC, cart_id DESC)"
    )
    op.execute("CREATE INDEX carts_search_trgm ON carts USING gin (search gin_trgm_ops)")
    op.execute("CREATE INDEX carts_active_idle ON carts (store_hash, updated_at) WHERE status = 'active'")

    op.create_table(
        "cart_timeline",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("store_hash", sa.String(64), nullable=False),
        sa.Column("cart_id", UUID(as_uuid=True), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("detail", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    )
    op.create_index("cart_timeline_cart", "cart_timeline", ["store_hash", "cart_id", "id"])

    op.create_table(
        "pending_sessions",
        sa.Column("store_hash", sa.String(64), primary_key=True),
        sa.Column("cart_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("session_id", sa.String(128), nullable=False),
        sa.Column("ip", sa.String(64)),
        sa.Column("user_agent", sa.Text),
        sa.Column("seen_at", TS, nullable=False),
    )

    op.create_table(
        "orders",
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
        sa.Column("placed_published_at", TS),
        sa.Column("created_by", sa.Text),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
    )
    op.create_index("orders_cart", "orders", ["store_hash", "cart_id"])

    op.create_table(
        "order_requests",
        sa.Column("store_hash", sa.String(64), primary_key=True),
        sa.Column("idempotency_key", sa.String(200), primary_key=True),
        sa.Column("cart_id", UUID(as_uuid=True), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
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
    )
    op.create_index(
        "order_requests_one_pending_per_cart",
        "order_requests",
        ["store_hash", "cart_id"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    for table in ("order_requests", "orders", "pending_sessions", "cart_timeline", "carts", "stores", "outbox", "inbox"):
        op.drop_table(table)
