"""Blacklist enforcement, end to end: a `blacklist.matched` event on the events exchange makes carts delete the
shopper's cart in the (simulated) store and show it blocked, or decline the shopper's order, through every real
process. The test publishes the event itself, as the blacklist service does, so that carts' side of the contract
is pinned on its own; `test_blacklist_rules.py` drives the same promise from a merchant's rule."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aio_pika
import pytest

from cartio_contracts import Envelope
from cartio_contracts.messages import BlacklistMatched
from cartio_platform.testing import wait_until
from cartio_platform.testing.system import Merchant, System

pytestmark = pytest.mark.e2e

FEED_KEYS = ("cart.upserted", "cart.deleted", "cart.converted", "order.placed")
OUTCOMES = ("handled", "duplicate", "ignored", "parked")


@pytest.fixture(scope="module")
async def store(system: System) -> str:
    return await system.install()


@pytest.fixture(scope="module")
async def merchant(system: System, store: str) -> Merchant:
    return await system.merchant(store, user_id=9101, email="staff@shop.example")


@dataclass
class Feed:
    """Every cart and order event carts publishes, as the gateway's live feed and the other services see it."""

    queue: aio_pika.abc.AbstractQueue
    seen: list[Envelope] = field(default_factory=list)

    async def drain(self) -> list[Envelope]:
        while (message := await self.queue.get(no_ack=True, fail=False)) is not None:
            self.seen.append(Envelope.from_bytes(message.body))
        return self.seen

    async def of(self, type_: str, **data: Any) -> list[Envelope]:
        await self.drain()
        return [e for e in self.seen
                if e.type == type_ and all(_field(e.data, k) == v for k, v in data.items())]


def _field(data: dict[str, Any], dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("__"):
        value = value.get(part) if isinstance(value, dict) else None
    return value


@pytest.fixture
async def broker(system: System) -> AsyncIterator[aio_pika.abc.AbstractRobustConnection]:
    connection = await aio_pika.connect_robust(system.infra.amqp_url)
    yield connection
    await connection.close()


@pytest.fixture
async def feed(system: System, broker: aio_pika.abc.AbstractRobustConnection) -> Feed:
    channel = await broker.channel()
    queue = await channel.declare_queue(exclusive=True)
    for key in FEED_KEYS:
        await queue.bind(f"{system.namespace}.events", key)
    return Feed(queue)


async def publish(system: System, broker: aio_pika.abc.AbstractRobustConnection, store: str,
                  match: BlacklistMatched) -> Envelope:
    """Publish a match as the blacklist service will: persistent, confirmed, on the events exchange."""
    envelope = match.envelope(store)
    channel = await broker.channel(publisher_confirms=True)
    try:
        exchange = await channel.get_exchange(f"{system.namespace}.events")
        await exchange.publish(
            aio_pika.Message(
                body=envelope.to_bytes(), message_id=str(envelope.message_id), type=envelope.type,
                content_type="application/json", delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                headers={"version": envelope.version, "store_hash": store},
            ),
            routing_key=BlacklistMatched.TYPE,
            mandatory=True,  # unroutable (carts not bound to blacklist.matched) fails here
        )
    finally:
        await channel.close()
    return envelope


def cart_match(cart_id: str, **overrides: Any) -> BlacklistMatched:
    return BlacklistMatched(**{
        "rule_id": 41, "kind": "email", "value": "fraud@bad.example", "subject": "cart",
        "cart_id": uuid.UUID(cart_id), "matched_at": datetime.now(UTC), **overrides,
    })


async def consumed(system: System, purpose: str) -> int:
    total = 0
    for outcome in OUTCOMES:
        total += await system.consumed("carts", purpose, outcome)
    return total


async def deliveries(system: System, store: str, scope: str | None = None) -> list[dict[str, Any]]:
    params = {"scope": scope} if scope else {}
    answer = await system.sim_call("GET", "/_sim/webhooks", store=store, params=params)
    return [d for d in answer.json() if d["state"] == "delivered"]


async def webhooks_settled(system: System, store: str, extra: int = 0) -> None:
    """Wait until carts has consumed every webhook the store delivered (plus `extra` posted by the test)."""
    async def caught_up() -> bool:
        return await consumed(system, "webhooks") >= len(await deliveries(system, store)) + extra

    await wait_until(caught_up, timeout=15, what="carts consuming every delivered webhook")


async def cart_in_cartio(system: System, store: str, merchant: Merchant, email: str) -> dict[str, Any]:
    made = await system.shopper_cart(store, [{"product_id": 111, "quantity": 2}], email=email, ip="81.2.69.160")
    await system.wait_for_cart(merchant, made["id"])
    return made


async def in_store(system: System, store: str, cart_id: str) -> int:
    return (await system.sim_call("GET", f"/_sim/carts/{cart_id}", store=store)).status_code


def blocked(cart: dict[str, Any]) -> bool:
    return cart["status"] == "blocked"


async def test_a_blacklisted_cart_is_deleted_in_the_store_and_blocked_in_cartio(
    system: System, store: str, merchant: Merchant, broker: aio_pika.abc.AbstractRobustConnection, feed: Feed
) -> None:
    made = await cart_in_cartio(system, store, merchant, "fraud@bad.example")
    cart_id = made["id"]
    assert await in_store(system, store, cart_id) == 200
    other = await cart_in_cartio(system, store, merchant, "fine@buyer.example")

    await publish(system, broker, store, cart_match(cart_id))

    await wait_until(lambda: _is(in_store(system, store, cart_id), 404), timeout=15,
                     what="the cart deleted in the store")
    cart = await system.wait_for_cart(merchant, cart_id, blocked, timeout=15)
    assert cart["deleted_reason"] == "blocked"
    assert cart["deleted_at"]
    entries = [e for e in cart["timeline"] if e["action"] == "blocked"]
    assert len(entries) == 1
    assert entries[0]["actor"] == "system"
    assert entries[0]["detail"]["rule_id"] == 41
    assert entries[0]["detail"]["kind"] == "email"
    assert entries[0]["detail"]["value"] == "fraud@bad.example"
    # The other shopper's cart is untouched.
    assert await in_store(system, store, other["id"]) == 200
    assert (await merchant.get(f"/api/carts/{other['id']}")).json()["status"] == "active"

    # The listing's filter finds it.
    listed = (await merchant.get("/api/carts", params={"status": "blocked"})).json()["items"]
    assert cart_id in [row["id"] for row in listed]
    assert all(row["status"] == "blocked" for row in listed)
    active = (await merchant.get("/api/carts", params={"status": "active"})).json()["items"]
    assert cart_id not in [row["id"] for row in active]

    # The live feed learns it is gone because it was blocked, and sees it blocked.
    deleted = await wait_until(lambda: feed.of("cart.deleted", cart_id=cart_id), what="cart.deleted")
    assert [e.data["reason"] for e in deleted] == ["blocked"]
    upserted = await wait_until(lambda: feed.of("cart.upserted", cart__id=cart_id, cart__status="blocked"),
                                what="cart.upserted with the blocked status")
    assert len(upserted) == 1

    # The store's own store/cart/deleted for the deletion, then a late shopper webhook: nothing changes.
    await wait_until(lambda: deliveries(system, store, "store/cart/deleted"), timeout=15,
                     what="the store's store/cart/deleted delivered")
    await webhooks_settled(system, store)
    before = await consumed(system, "webhooks")
    answer = await system.post_webhook(store, system.webhook(store, "store/cart/updated", cart_id))
    assert answer.status_code == 200, answer.text
    await wait_until(lambda: _at_least(consumed(system, "webhooks"), before + 1), timeout=15,
                     what="carts consuming the late webhook")
    after = (await merchant.get(f"/api/carts/{cart_id}")).json()
    assert after["status"] == "blocked"
    assert after["timeline"] == cart["timeline"]
    assert after["updated_at"] == cart["updated_at"]

    # Another match on the same cart (a new event): enforcing it again changes nothing.
    events_before = await consumed(system, "events")
    await publish(system, broker, store, cart_match(cart_id, rule_id=42, kind="ip", value="81.2.69.160"))
    await wait_until(lambda: _at_least(consumed(system, "events"), events_before + 1), timeout=15,
                     what="carts consuming the second match")
    again = (await merchant.get(f"/api/carts/{cart_id}")).json()
    assert again["timeline"] == cart["timeline"]
    assert len(await feed.of("cart.deleted", cart_id=cart_id)) == 1

    # A match on a cart Cartio never saw is dropped, not retried or parked.
    parked_before = await system.consumed("carts", "events", "parked")
    handled_before = await system.consumed("carts", "events", "handled")
    await publish(system, broker, store, cart_match(str(uuid.uuid4())))
    await wait_until(lambda: _at_least(system.consumed("carts", "events", "handled"), handled_before + 1),
                     timeout=15, what="the unknown cart's match handled")
    assert await system.consumed("carts", "events", "parked") == parked_before


async def test_a_blacklisted_order_is_declined_in_the_store_and_its_cart_blocked(
    system: System, store: str, merchant: Merchant, broker: aio_pika.abc.AbstractRobustConnection, feed: Feed
) -> None:
    made = await cart_in_cartio(system, store, merchant, "buyer@bad.example")
    cart_id = made["id"]
    checkout = await system.sim_call("POST", f"/_sim/carts/{cart_id}/checkout", store=store, json={})
    assert checkout.status_code == 201, checkout.text
    order_id = checkout.json()["id"]
    assert checkout.json()["status_id"] != 6

    await system.wait_for_cart(merchant, cart_id, lambda c: c["status"] == "converted", timeout=15)
    await wait_until(lambda: feed.of("order.placed", order_id=order_id), timeout=15, what="order.placed")
    # A storefront order starts Incomplete and is paid (statusUpdated 0 -> 11) before carts converts the cart.
    await webhooks_settled(system, store)
    paid = len(await deliveries(system, store, "store/order/statusUpdated"))
    updates = len(await deliveries(system, store, "store/order/updated"))

    # As the blacklist will, from the order.placed it judged: the order (its cart found by carts).
    await publish(system, broker, store, BlacklistMatched(
        rule_id=77, kind="email_domain", value="bad.example", subject="order", order_id=order_id,
        matched_at=datetime.now(UTC),
    ))

    async def order_status() -> int | None:
        orders = (await system.sim_call("GET", "/_sim/orders", store=store)).json()
        return next((o["status_id"] for o in orders if o["id"] == order_id), None)

    await wait_until(lambda: _is(order_status(), 6), timeout=15, what="the order declined in the store")
    in_store = next(o for o in (await system.sim_call("GET", "/_sim/orders", store=store)).json()
                    if o["id"] == order_id)
    assert "blacklist rule #77 (email_domain bad.example)" in in_store["staff_notes"]  # staff see why
    cart = await system.wait_for_cart(merchant, cart_id, blocked, timeout=15)
    assert cart["order_id"] == order_id
    declined = [e for e in cart["timeline"] if e["action"] == "order_declined"]
    assert len(declined) == 1
    assert declined[0]["actor"] == "system"
    assert declined[0]["detail"]["order_id"] == order_id
    assert declined[0]["detail"]["rule_id"] == 77
    entry = next(e for e in cart["timeline"] if e["action"] == "blocked")
    assert entry["actor"] == "system"
    assert entry["detail"]["rule_id"] == 77
    assert entry["detail"]["kind"] == "email_domain"
    assert entry["detail"]["value"] == "bad.example"
    assert entry["detail"]["order_id"] == order_id

    # The decline fires store/order/statusUpdated and store/order/updated: carts takes them in and does
    # nothing more (no second decline, no second order.placed, the cart stays blocked).
    async def decline_delivered() -> bool:
        return (len(await deliveries(system, store, "store/order/statusUpdated")) > paid
                and len(await deliveries(system, store, "store/order/updated")) > updates)

    await wait_until(decline_delivered, timeout=15, what="the decline's statusUpdated and updated delivered")
    await webhooks_settled(system, store)
    assert len(await deliveries(system, store, "store/order/statusUpdated")) == paid + 1
    assert await order_status() == 6
    assert len(await feed.of("order.placed", order_id=order_id)) == 1
    after = (await merchant.get(f"/api/carts/{cart_id}")).json()
    assert after["status"] == "blocked"
    assert after["timeline"] == cart["timeline"]

    # The same match again: the order is declined already, so the store is not touched.
    events_before = await consumed(system, "events")
    await publish(system, broker, store, BlacklistMatched(
        rule_id=77, kind="email_domain", value="bad.example", subject="order", order_id=order_id,
        cart_id=uuid.UUID(cart_id), matched_at=datetime.now(UTC),
    ))
    await wait_until(lambda: _at_least(consumed(system, "events"), events_before + 1), timeout=15,
                     what="carts consuming the repeated match")
    await webhooks_settled(system, store)
    assert len(await deliveries(system, store, "store/order/updated")) == updates + 1
    assert (await merchant.get(f"/api/carts/{cart_id}")).json()["timeline"] == cart["timeline"]


async def _is(value: Any, expected: Any) -> bool:
    return bool(await value == expected)


async def _at_least(value: Any, minimum: int) -> bool:
    return bool(await value >= minimum)
