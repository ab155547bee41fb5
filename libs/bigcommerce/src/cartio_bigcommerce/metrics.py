"""What the client exports to Prometheus (served on the using service's /metrics)."""

from prometheus_client import Gauge

# BigCommerce's X-Rate-Limit-Requests-Left as last seen, per store: how close a store is to being throttled
# (150-450 requests per 30 s window by plan). Alert on it (docs/operations.md), since a throttled store's carts
# refresh late whatever the replicas.
REQUESTS_LEFT = Gauge(
    "cartio_bigcommerce_requests_left",
    "Requests left in the store's BigCommerce API window at its last answer (X-Rate-Limit-Requests-Left)",
    ["store_hash"],
)
