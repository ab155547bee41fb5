"""Orders judged as they are placed: the shopper's own by their billing email, IP, geoip and billing country; the
ones Cartio created through the Checkout API (no shopper IP in a real store) by the cart's session instead."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import aio_pika
import pytest

from cartio_contracts import Topology
from cartio_contracts.messages import OrderPlaced
from cartio_platform.testing import wait_until

from .conftest import Blacklist


@pytest.fixture(autouse=True)
async def consuming(bl: Blacklist) -> None:
    """Both replicas consume their events queue (an event published before it is bound would go unrouted)."""
    connection = await aio_pika.connect(bl.settings.amqp_url)
    try:
        name = Topology(bl.settings.namespace).queue("blacklist", "events")

        async def both() -> bool:
            channel = await connection.channel()  # a passive declare of a missing queue closes its channel
            try:
                queue = await channel.declare_queue(name, passive=True)
            except aio_pika.exceptions.ChannelClosed:
                return False
            await channel.close()
            return bool(queue.declaration_result.consumer_count >= 2)

        await wait_until(both, timeout=10, what="both replicas consuming")
    finally:
        await connection.close()


def order(order_id: int, cart_id: uuid.UUID | None = None, **fields: Any) -> OrderPlaced:
    return OrderPlaced(**{
        "order_id": order_id, "cart_id": cart_id, "status_id": 11, "currency": "USD", "subtotal": Decimal("10.00"),
        "grand_total": Decimal("12.50"), "items": [], "placed_at": datetime.now(UTC), **fields,
    })


async def test_a_shoppers_order_is_matched_by_its_billing_country_as_well_as_its_geoip_country(
    bl: Blacklist,
) -> None:
    rule = (await bl.add(kind="country", value="KP")).json()
    await bl.handled(await bl.send(order(501, email="a@buyer.example", ip="81.2.69.160", country="GB",
                                         billing_country="kp")))
    [match] = await bl.matched(1, "the order matched by its billing country")
    assert (match.data["subject"], match.data["order_id"], match.data["rule_id"]) == ("order", 501, rule["id"])
    assert match.data["matched"] == "KP"
    # The preview of the same rule finds the order by that country too.
    preview = (await bl.a.post(bl.path("/rules/preview"), json={"kind": "country", "value": "KP"})).json()
    assert [(o["order_id"], o["billing_country"]) for o in preview["orders"]] == [(501, "KP")]


async def test_an_order_cartio_created_is_judged_by_its_carts_session_not_the_billing_country_staff_typed(
    bl: Blacklist,
) -> None:
    ip_rule = (await bl.add(kind="ip", value="89.160.20.112")).json()
    await bl.add(kind="country", value="US")
    cart_id = await bl.cart(email="b@buyer.example", country="SE")  # no IP seen yet: not blocked
    await bl.handled(await bl.send(order(
        502, cart_id, email="b@buyer.example", country="US", billing_country="US", created_by="staff@shop.example",
    )))
    assert await bl.matches.of(bl.store) == []  # the country staff typed (or the default) is not the shopper's

    seen = await bl.cart(email="c@buyer.example", ip="89.160.20.112", country="SE")
    [cart_match] = await bl.matched(1, "the cart matched by its session IP")
    assert cart_match.data["cart_id"] == str(seen)
    await bl.handled(await bl.send(order(503, seen, email="c@buyer.example", created_by="staff@shop.example")))
    matches = await bl.matched(2, "Cartio's order matched by the cart's session IP")
    assert [(m.data["subject"], m.data.get("order_id"), m.data["rule_id"]) for m in matches] == [
        ("cart", None, ip_rule["id"]), ("order", 503, ip_rule["id"]),
    ]
    assert matches[1].data["matched"] == "89.160.20.112"
