"""The gateway's first tables: stores, users, sessions, used_jtis, audit_log, live_events, inbox, outbox.

Revision ID: 0001
Revises:
Create Date: 2025-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from cartio_platform.migrate import create_platform_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stores",
        sa.Column("store_hash", sa.String(64), primary_key=True),
        sa.Column("store_id", sa.String(32)),
        sa.Column("access_token_encrypted", sa.Text),
        sa.Column("scope", sa.Text, nullable=False, server_default=""),
        sa.Column("owner_id", sa.BigInteger),
        sa.Column("owner_email", sa.String(320)),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("uninstalled_at", sa.DateTime(timezone=True)),
        sa.Column("purge_after", sa.DateTime(timezone=True)),
    )
    op.create_index("stores_purge_after", "stores", ["purge_after"], postgresql_where=sa.text("purge_after IS NOT NULL"))

    op.create_table(
        "users",
        sa.Column("store_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.BigInteger, primary_key=True),
        sa.Column("email", sa.String(320)),
        sa.Column("role", sa.String(16), nullable=False, server_default="user"),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("last_seen_at", sa.DateTime(timezone=True)),
        sa.Column("removed_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("role IN ('owner', 'user')", name="users_role"),
    )

    op.create_table(
        "sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("store_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("sessions_store_user", "sessions", ["store_hash", "user_id"])
    op.create_index("sessions_expires_at", "sessions", ["expires_at"])

    op.create_table(
        "used_jtis",
        sa.Column("jti", sa.String(200), primary_key=True),
        sa.Column("store_hash", sa.String(64), nullable=False),
        sa.Column("exp", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("used_jtis_exp", "used_jtis", ["exp"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("store_hash", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("actor_id", sa.BigInteger),
        sa.Column("actor_email", sa.String(320)),
        sa.Column("action", sa.String(200), nullable=False),
        sa.Column("target", sa.String(200)),
        sa.Column("request", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("status", sa.Integer, nullable=False),
    )
    op.create_index("audit_log_store_id", "audit_log", ["store_hash", "id"])

    op.create_table(
        "live_events",
        sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("store_hash", sa.String(64), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("data", JSONB, nullable=False),
        sa.Column("message_id", sa.Uuid, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("live_events_store_seq", "live_events", ["store_hash", "seq"])
    op.create_index("live_events_at", "live_events", ["at"])

    create_platform_tables(op.get_bind())


def downgrade() -> None:
    for table in ("outbox", "inbox", "live_events", "audit_log", "used_jtis", "sessions", "users", "stores"):
        op.drop_table(table)
