"""The store's API quota spent once per burst of changes, orders as a real store makes them (Incomplete until
paid), and terminal webhooks that carts confirms with BigCommerce before believing them."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from cartio_platform.testing import wait_until

from .conftest import World, api_calls, no_read_pending
from .test_webhooks import _at_least, hook_body, simple_products

BURST = 20
TARGET_CALLS_PER_CHANGE = 1.5


async def test_a_burst_of_20_changes_within_a_second_ends_with_the_last_state_at_most_1_5_calls_per_change(
    world: World,
) -> None:
    store = await world.new_store()
    products = simple_products(await world.products(store), 1)
    cart = await world.shopper_cart(store, [{"product_id": products[0]["id"], "quantity": 1}])
    stored = await world.wait_cart(store, cart["id"])
    await wait_until(lambda: no_read_pending(world, store), what="the first reads done")
    item = stored["items"][0]["id"]
    before = await api_calls(world, store)

    started = time.monotonic()
    quantities = [2 + n % 10 for n in range(BURST)]  # every change differs from the one before
    for quantity in quantities:
        changed = await world.sim.patch(f"/_sim/carts/{cart['id']}/items/{item}", params={"store": store.hash},
                                        json={"quantity": quantity})
        assert changed.status_code == 200, changed.text
    assert time.monotonic() - started < 1.0, "the burst took longer than a second"

    last = (await world.sim.get(f"/_sim/carts/{cart['id']}", params={"store": store.hash})).json()
    held = await world.wait_cart(store, cart["id"], lambda c: c["items"][0]["quantity"] == quantities[-1])
    assert Decimal(held["summary"]["grand_total"]) == Decimal(str(last["cart_amount"]))
    await wait_until(lambda: no_read_pending(world, store), what="no read left pending")
    calls = await api_calls(world, store) - before
    assert calls / BURST <= TARGET_CALLS_PER_CHANGE, f"{calls} BigCommerce calls for {BURST} changes"
    assert (await world.cart(store, cart["id"])).json()["items"][0]["quantity"] == quantities[-1]


async def test_an_incomplete_order_keeps_the_cart_open_and_converts_it_once_paid(world: World) -> None:
    store = await world.new_store()
    products = simple_products(await world.products(store), 1)
    cart = await world.shopper_cart(store, [{"product_id": products[0]["id"], "quantity": 2}],
                                    email="dee@buyer.example")
    await world.wait_cart(store, cart["id"])
    placed = await world.sim.post(f"/_sim/carts/{cart['id']}/checkout", params={"store": store.hash},
                                  json={"pay": False})
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert order["status_id"] == 0

    async def kept_incomplete() -> bool:
        engine = create_async_engine(world.database_url)
        try:
            async with engine.connect() as conn:
                status = await conn.scalar(sa.text(
                    "SELECT status_id FROM orders WHERE store_hash = :s AND order_id = :o"),
                    {"s": store.hash, "o": order["id"]})
        finally:
            await engine.dispose()
        return status == 0

    await wait_until(kept_incomplete, what="the Incomplete order kept")
    assert (await world.cart(store, cart["id"])).json()["status"] == "active"

    def order_placed() -> list[Any]:
        return [e for e in world.events.of(store.hash, "order.placed") if e.data["order_id"] == order["id"]]

    assert order_placed() == []
    paid = await world.sim.post(f"/_sim/orders/{order['id']}/pay", params={"store": store.hash})
    assert paid.status_code == 200, paid.text
    converted = await world.wait_cart(store, cart["id"], lambda c: c["status"] == "converted")
    assert converted["order_id"] == order["id"]
    await wait_until(order_placed, what="order.placed")
    assert order_placed()[0].data["email"] == "dee@buyer.example"
    await wait_until(lambda: world.events.of(store.hash, "cart.converted", cart["id"]), what="cart.converted")
    assert len(world.events.of(store.hash, "cart.converted", cart["id"])) == 1


async def test_forged_terminal_webhooks_with_a_valid_secret_change_nothing_while_the_cart_exists(
    world: World,
) -> None:
    store = await world.new_store()
    products = simple_products(await world.products(store), 1)
    cart = await world.shopper_cart(store, [{"product_id": products[0]["id"], "quantity": 1}],
                                    email="eve@buyer.example")
    before = await world.wait_cart(store, cart["id"])
    consumed = await world.consumed("webhooks")
    forged = [hook_body(store.hash, "store/cart/deleted", cart["id"]),
              hook_body(store.hash, "store/cart/converted", cart["id"], orderId=424242),
              hook_body(store.hash, "store/cart/abandoned", cart["id"], token=uuid.uuid4().hex)]
    for body in forged:
        await world.webhook(body)  # through ingest, with the store's real secret
    await wait_until(lambda: _at_least(world, "webhooks", consumed + len(forged)), what="forged webhooks consumed")
    after = (await world.cart(store, cart["id"])).json()
    assert after["status"] == "active"
    assert after["timeline"] == before["timeline"]
    for event in ("cart.deleted", "cart.converted", "cart.abandoned"):
        assert world.events.of(store.hash, event, cart["id"]) == []
