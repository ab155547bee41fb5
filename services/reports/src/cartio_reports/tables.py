"""The reports database: pre-aggregated counters per store and day, and the little state they need.

Every table is keyed by store first, then day, so a period's figures are one index range scan.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID

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
    sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC"),
    sa.Column("currency", sa.String(3)),
)


def _counts(*names: str) -> list[sa.Column[int]]:
    return [sa.Column(n, sa.Integer, nullable=False, server_default="0") for n in names]


funnel_days = sa.Table(
    "funnel_days",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    *_counts("carts_created", "carts_with_email", "carts_abandoned", "carts_converted", "carts_recovered",
             "carts_deleted", "carts_blocked"),
    sa.Column("value_abandoned", MONEY, nullable=False, server_default="0"),
    sa.Column("value_recovered", MONEY, nullable=False, server_default="0"),
)

PRODUCT_COUNTERS = ("times_added", "quantity_added", "times_ordered", "quantity_ordered")

# Per product (the queries) and per variant (finer detail); the same deltas go to both.
product_days = sa.Table(
    "product_days",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("product_id", sa.BigInteger, primary_key=True),
    *_counts(*PRODUCT_COUNTERS),
    sa.Column("revenue", MONEY, nullable=False, server_default="0"),
)

variant_days = sa.Table(
    "variant_days",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("product_id", sa.BigInteger, primary_key=True),
    sa.Column("variant_id", sa.BigInteger, primary_key=True),  # 0: no variant
    *_counts(*PRODUCT_COUNTERS),
    sa.Column("revenue", MONEY, nullable=False, server_default="0"),
)

# Rolling-window totals (windows.py): per store, window (7, 30 or 90 days ending on the marker's day) and
# product, the sum of its product_days rows in the window, so that a top list is one index scan, LIMIT n.
product_windows = sa.Table(
    "product_windows",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("days", sa.SmallInteger, primary_key=True),
    sa.Column("product_id", sa.BigInteger, primary_key=True),
    *_counts(*PRODUCT_COUNTERS),
    sa.Column("revenue", MONEY, nullable=False, server_default="0"),
)
# The top lists' orders (queries.py), product_id last as a tie-break.
sa.Index("product_windows_top_added", product_windows.c.store_hash, product_windows.c.days,
         product_windows.c.times_added.desc(), product_windows.c.quantity_added.desc(), product_windows.c.product_id)
sa.Index("product_windows_top_ordered", product_windows.c.store_hash, product_windows.c.days,
         product_windows.c.times_ordered.desc(), product_windows.c.revenue.desc(), product_windows.c.product_id)

# The store-local day the windows end on (NULL: not built yet); writers of product rows hold it FOR SHARE, the
# rollover FOR UPDATE, so a day row is in the windows exactly once (windows.py).
window_marks = sa.Table(
    "window_marks",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("as_of", sa.Date),
)

# Running totals (running.py): per store and day, every product's totals from the store's first counted day through
# that day, one array per counter in the order of running_marks.product_ids (revenue in ten-thousandths), so that
# any period is one row minus another. Rows are dense from `since` to `through`; running_stale holds the days a late
# event added to after they were built (those rows and all later ones wait for the periodic job's rebuild).
product_running = sa.Table(
    "product_running",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    *(sa.Column(c, ARRAY(sa.Integer), nullable=False) for c in PRODUCT_COUNTERS),
    sa.Column("revenue", ARRAY(sa.BigInteger), nullable=False),
)
# Every build of running rows gives its marker a new version from this sequence (never reused, not even by a store
# installed again after a purge): a version and a day name one row's content, the key of the export's cache.
running_versions = sa.Sequence("running_versions", metadata=metadata)
running_marks = sa.Table(
    "running_marks",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("since", sa.Date),
    sa.Column("through", sa.Date),  # NULL: no rows yet
    sa.Column("product_ids", ARRAY(sa.BigInteger), nullable=False, server_default="{}"),
    sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),  # 0: never built
)
running_stale = sa.Table(
    "running_stale",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
)

# The latest name and thumbnail seen for each product, for the top lists.
products = sa.Table(
    "products",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("product_id", sa.BigInteger, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("image_url", sa.Text),
    sa.Column("seen_at", TS, nullable=False),
)

# What is known of each cart (domain.funnel.CartFacts), so that a cart counts once however many events.
cart_facts = sa.Table(
    "cart_facts",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("cart_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("created_at", TS),
    sa.Column("has_email", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("total", MONEY),
    sa.Column("total_at", TS),
    sa.Column("abandoned_at", TS),
    sa.Column("abandoned_value", MONEY),
    sa.Column("converted_at", TS),
    sa.Column("order_total", MONEY),
    sa.Column("sent_at", TS),
    sa.Column("recovery_of", UUID(as_uuid=True)),
    sa.Column("deleted_at", TS),
    sa.Column("blocked_at", TS),
)

# Orders already counted: order.placed is counted once per order even beyond the inbox's retention.
orders_counted = sa.Table(
    "orders_counted",
    metadata,
    sa.Column("store_hash", sa.String(64), primary_key=True),
    sa.Column("order_id", sa.BigInteger, primary_key=True),
)

STORE_TABLES = (funnel_days, product_days, variant_days, product_windows, window_marks, product_running,
                running_marks, running_stale, products, cart_facts, orders_counted, stores)
