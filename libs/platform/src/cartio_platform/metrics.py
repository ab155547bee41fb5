"""Prometheus metrics shared by every service (served on /metrics)."""

from prometheus_client import Counter, Gauge, Histogram

MESSAGES_PUBLISHED = Counter(
    "cartio_messages_published_total", "Messages confirmed by the broker", ["exchange", "type"]
)
MESSAGES_CONSUMED = Counter(
    "cartio_messages_consumed_total",
    "Messages taken from a queue, by outcome (handled, duplicate, dropped, retried, parked)",
    ["queue", "outcome"],
)
HANDLER_SECONDS = Histogram("cartio_handler_seconds", "Time spent handling one message", ["queue"])
OUTBOX_PENDING = Gauge("cartio_outbox_pending", "Outbox rows not yet published at the last relay pass")
HTTP_REQUESTS = Counter("cartio_http_requests_total", "HTTP requests served", ["method", "route", "status"])
