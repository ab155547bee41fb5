"""The gateway's own database: stores, their staff, sessions, replay protection, audit log, live feed."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from cartio_platform.tables import inbox_table, outbox_table

metadata = sa.MetaData()

stores = sa.Table(
    "stores",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("store_id", sa.String(32)),
    # Fernet token (cartio_platform.security.TokenCipher); NULL once the app is uninstalled.
    sa.Column("access_token_encrypted", sa.Text),
    sa.Column("scope", sa.Text, nullable=False, server_default=""),
    sa.Column("owner_id", sa.BigInteger),
    sa.Column("owner_email", sa.String(320)),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("uninstalled_at", sa.DateTime(timezone=True)),
    sa.Column("purge_after", sa.DateTime(timezone=True)),
    # This install's random nonce in the webhook secret (cartio_platform.security); NULL: an older install.
    sa.Column("webhook_nonce", sa.String(64)),
    # The nonce of an install under way: the hooks may already carry its secret (set before they are rewritten,
    # cleared when the install is saved and it becomes webhook_nonce).
    sa.Column("webhook_nonce_pending", sa.String(64)),
    sa.Column("timezone", sa.String(64)),  # IANA name from the store's information at install (/api/me)
    sa.Index("stores_purge_after", "purge_after", postgresql_where=sa.text("purge_after IS NOT NULL")),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.BigInteger, primary_key=True),
    sa.Column("email", sa.String(320)),
    sa.Column("role", sa.String(16), nullable=False, server_default="user"),  # owner | user
    sa.Column("added_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("last_seen_at", sa.DateTime(timezone=True)),
    sa.Column("removed_at", sa.DateTime(timezone=True)),
    sa.CheckConstraint("role IN ('owner', 'user')", name="users_role"),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("store_hash", sa.String(64), nullable=False),
    sa.Column("user_id", sa.BigInteger, nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("sessions_store_user", "store_hash", "user_id"),
    sa.Index("sessions_expires_at", "expires_at"),
)

# jti of every signed_payload_jwt accepted, until it expires: a token seen before is refused.
used_jtis = sa.Table(
    "used_jtis",
    metadata,
    sa.Column("jti", sa.String(200), primary_key=True),
    sa.Column("store_hash", sa.String(64), nullable=False),
    sa.Column("exp", sa.DateTime(timezone=True), nullable=False),
    sa.Index("used_jtis_exp", "exp"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("store_hash", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("actor_id", sa.BigInteger),
    sa.Column("actor_email", sa.String(320)),
    sa.Column("action", sa.String(200), nullable=False),
    sa.Column("target", sa.String(200)),
    sa.Column("request", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Index("audit_log_store_id", "store_hash", "id"),
)

# Cart events of each store, kept a while so that a reconnecting live feed resumes with no gap. `seq` is the
# SSE event id: a per-store advisory lock makes ids commit in order within a store (see live.py).
live_events = sa.Table(
    "live_events",
    metadata,
    sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("store_hash", sa.String(64), nullable=False),
    sa.Column("type", sa.String(200), nullable=False),
    sa.Column("data", JSONB, nullable=False),
    sa.Column("message_id", sa.Uuid, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Index("live_events_store_seq", "store_hash", "seq"),
    sa.Index("live_events_at", "at"),
)

inbox = inbox_table(metadata)
outbox = outbox_table(metadata)

# Tables holding a store's rows, purged once its grace period after uninstall is over (stores last).
STORE_TABLES = (sessions, users, used_jtis, audit_log, live_events, inbox, outbox)
