"""Pure rules of ingest: what a valid beacon is, a webhook's message id and scopes, the shopper's IP.

The webhook body and the store hash have their one definition in `cartio_bigcommerce`.
"""

from __future__ import annotations

import ipaddress
import time
import uuid
from collections import OrderedDict

from pydantic import BaseModel, ConfigDict, Field

from cartio_bigcommerce.store_hash import StoreHash
from cartio_bigcommerce.webhooks import WebhookPayload

# Every Cartio webhook message id lives in this UUID namespace, so a re-sent webhook maps to the same id.
WEBHOOK_ID_NAMESPACE = uuid.UUID("6f1f6c3e-2d0b-4c55-9d1e-0c1f2a9b7e01")


def webhook_message_id(payload: WebhookPayload, delivery_id: str | None = None) -> uuid.UUID:
    """The delivery's `webhook-id` (Standard Webhooks, stable across retries) names the event: BigCommerce's
    retries of one event become one message, which consumers deduplicate.

    Without it nothing in the body tells two events apart: `hash` is the SHA-1 of `data`, equal for every update
    of one cart, and `created_at` has a resolution of a second. So each delivery is a message of its own; a
    duplicate costs carts one fetch of the newest state, a dropped change would be lost.
    """
    if delivery_id:
        return uuid.uuid5(WEBHOOK_ID_NAMESPACE, f"{payload.producer}|webhook-id|{delivery_id}")
    return uuid.uuid4()


def scope_wanted(scope: str, wanted: list[str]) -> bool:
    """Whether `scope` is one Cartio consumes; `store/cart/*` covers every cart scope, as in a hook."""
    return any(scope.startswith(w[:-1]) if w.endswith("/*") else scope == w for w in wanted)


class SeenDeliveries:
    """The `webhook-id`s this replica published lately (the newest `size`), each with its message id: a
    retry answers 2xx at once and reaches the queue no second time. Another replica's retry is a message with
    the same id, which consumers' inbox drops."""

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self._ids: OrderedDict[str, uuid.UUID] = OrderedDict()

    def get(self, key: str) -> uuid.UUID | None:
        return self._ids.get(key)

    def add(self, key: str, message_id: uuid.UUID) -> None:
        self._ids[key] = message_id
        self._ids.move_to_end(key)
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)


class Beacon(BaseModel):
    """What the storefront script sends: strict, since it comes from anyone's browser."""

    model_config = ConfigDict(extra="forbid", strict=True)

    store_hash: StoreHash
    cart_id: uuid.UUID = Field(strict=False)
    session_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


def client_ip(peer: str | None, forwarded_for: str | None, trusted: list[str]) -> str | None:
    """The shopper's address: the peer's, or — behind trusted proxies — the rightmost X-Forwarded-For address
    that is not a trusted proxy.

    Each proxy appends the address that connected to it, so only the entries our own proxies wrote can be
    believed; the leftmost is whatever the client sent, and a shopper must not choose the IP Cartio records.
    Walking from the right, the first address outside `trusted` is the shopper. An entry that is not an address
    stops the walk at the last hop we could believe.
    """
    if peer is None:
        return None
    try:
        hop = ipaddress.ip_address(peer)
    except ValueError:
        return None
    networks = [ipaddress.ip_network(c, strict=False) for c in trusted]

    def is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(address in network for network in networks)

    for entry in reversed((forwarded_for or "").split(",")):
        if not is_trusted(hop):
            break
        try:
            hop = ipaddress.ip_address(entry.strip())
        except ValueError:
            break
    return str(hop)


class RateLimiter:
    """A token bucket per key (an IP), refilled continuously; the oldest keys are forgotten past `max_keys`."""

    def __init__(self, per_minute: int, *, max_keys: int = 100_000) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return allowed
