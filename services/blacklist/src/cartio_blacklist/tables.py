"""The blacklist's database: stores, rules, the hits they made, and projections of the carts and orders it judges.

Shoppers' IPs are `inet`, so that "which carts would this range hit" is one indexed query (`ip <<= range`).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import INET, UUID

from cartio_platform.tables import inbox_table, outbox_table

metadata = sa.MetaData()
inbox = inbox_table(metadata)
outbox = outbox_table(metadata)
TS = sa.DateTime(timezone=True)

stores = sa.Table(
    "stores",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("installed_at", TS),
    sa.Column("uninstalled_at", TS),
    sa.Column("purge_after", TS),
)

rules = sa.Table(
    "rules",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("store_hash", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("value", sa.Text, nullable=False),  # normalised (domain.rules.normalise)
    sa.Column("action", sa.String(8), nullable=False, server_default="block"),
    sa.Column("note", sa.Text),
    sa.Column("expires_at", TS),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("hits", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("last_hit_at", TS),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    # One rule per value: a second (even with the other action) is a duplicate the merchant is told about.
    sa.UniqueConstraint("store_hash", "kind", "value", name="rules_one_per_value"),
)

# What each rule enforced. `subject_key` (`cart:<id>` / `order:<id>`) makes a rule hit a cart or order once.
hits = sa.Table(
    "hits",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("store_hash", sa.String(64), nullable=False),
    sa.Column("rule_id", sa.BigInteger, nullable=False),  # no foreign key: hits outlive a deleted rule
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("subject", sa.String(8), nullable=False),
    sa.Column("subject_key", sa.Text, nullable=False),
    sa.Column("cart_id", UUID(as_uuid=True)),
    sa.Column("order_id", sa.BigInteger),
    sa.Column("matched", sa.Text, nullable=False),
    sa.Column("hit_at", TS, nullable=False),
    sa.UniqueConstraint("store_hash", "rule_id", "subject_key", name="hits_once_per_subject"),
    sa.Index("hits_by_store_time", "store_hash", "hit_at"),
)

carts = sa.Table(
    "carts",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("cart_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("email", sa.Text),  # lower case
    sa.Column("email_domain", sa.Text),
    sa.Column("ip", INET),
    sa.Column("country", sa.String(2)),
    sa.Column("grand_total", sa.Numeric(20, 4)),
    sa.Column("currency", sa.String(3)),
    sa.Column("updated_at", TS, nullable=False),  # the snapshot's: an older snapshot never overwrites a newer
    sa.Index("carts_by_email", "store_hash", "email"),
    sa.Index("carts_by_domain", "store_hash", "email_domain"),
    sa.Index("carts_by_ip", "ip", postgresql_using="gist", postgresql_ops={"ip": "inet_ops"}),
    sa.Index("carts_by_country", "store_hash", "country"),
)

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("order_id", sa.BigInteger, primary_key=True),
    sa.Column("cart_id", UUID(as_uuid=True)),
    sa.Column("email", sa.Text),
    sa.Column("email_domain", sa.Text),
    sa.Column("ip", INET),  # the shopper's; for orders staff created, the cart's session IP
    sa.Column("country", sa.String(2)),
    sa.Column("billing_country", sa.String(2)),  # the shopper's own orders only (staff may type any)
    sa.Column("grand_total", sa.Numeric(20, 4)),
    sa.Column("currency", sa.String(3)),
    sa.Column("created_by", sa.Text),
    sa.Column("placed_at", TS, nullable=False),
    sa.Index("orders_by_time", "store_hash", "placed_at"),
)
