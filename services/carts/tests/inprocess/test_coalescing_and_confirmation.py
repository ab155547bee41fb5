"""A store's API quota spent once per burst, a throttled store slowing carts down instead of failing it, and
terminal webhooks confirmed with BigCommerce before they change a cart (see conftest.py for the harness)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from cartio_carts.coalescing import Coalescer
from cartio_carts.refreshes import cart_refreshes
from cartio_platform.testing import wait_until

from .conftest import Carts


async def _usage(carts_app: Carts) -> int:
    usage: dict[str, Any] = (await carts_app.sim.get("/_sim/api_usage", params={"store": carts_app.store})).json()
    return int(usage["requests"])


async def _marker(carts_app: Carts, cart_id: str) -> Any:
    async with carts_app.runtime.db() as session:
        return (await session.execute(sa.select(cart_refreshes).where(
            cart_refreshes.c.store_hash == carts_app.store, cart_refreshes.c.cart_id == uuid.UUID(cart_id),
        ))).mappings().first()


async def _add(carts_app: Carts, cart_id: str, quantity: int) -> None:
    """The shopper changes the cart's first line on the storefront."""
    cart = (await carts_app.sim.get(f"/_sim/carts/{cart_id}", params={"store": carts_app.store})).json()
    item = cart["line_items"]["physical_items"][0]["id"]
    changed = await carts_app.sim.patch(f"/_sim/carts/{cart_id}/items/{item}", params={"store": carts_app.store},
                                      json={"quantity": quantity})
    assert changed.status_code == 200, changed.text


async def test_webhooks_right_after_a_fetch_wait_and_the_settled_burst_is_fetched_once_with_its_last_state(
    carts_app: Carts,
) -> None:
    coalescer = carts_app.handlers.coalescer
    cart = await carts_app.known_cart()
    before = await _usage(carts_app)
    # However slow this machine is, the burst counts as one: a long settle time, read one second after its start.
    coalescer.settle, coalescer.max_delay = timedelta(seconds=60), timedelta(seconds=1)
    try:
        for quantity in range(2, 7):
            await _add(carts_app, cart["id"], quantity)
            await carts_app.webhook("store/cart/updated", cart["id"])
        assert await _usage(carts_app) == before  # every one waits: the cart was read a moment ago
        assert (await carts_app.row(cart["id"]))["item_count"] == 1
        assert (await _marker(carts_app, cart["id"]))["dirty_since"] is not None

        await wait_until(coalescer.flush_due, timeout=10, what="the settled burst fetched")
    finally:
        defaults = Coalescer(carts_app.handlers.service)
        coalescer.settle, coalescer.max_delay = defaults.settle, defaults.max_delay
    row = await carts_app.row(cart["id"])
    assert row["item_count"] == 6  # the last change of the burst
    assert await _usage(carts_app) - before == 2  # one fetch: the cart and its checkout
    assert (await _marker(carts_app, cart["id"]))["dirty_since"] is None
    assert await carts_app.handlers.coalescer.flush_due() == 0  # nothing left to fetch


async def test_a_throttled_store_puts_the_fetch_off_until_the_window_resets_and_loses_no_change(
    carts_app: Carts,
) -> None:
    cart = await carts_app.shopper_cart()
    assert (await carts_app.sim.post("/_sim/faults", json={"rate_limit_per_30s": 1})).status_code == 200
    try:
        await carts_app.webhook("store/cart/created", cart["id"])  # handled: no error, nothing to retry
        marker = await _marker(carts_app, cart["id"])
        assert await carts_app.row(cart["id"]) is None
        assert marker["dirty_since"] is not None
        wait = (marker["due_at"] - marker["dirty_since"]).total_seconds()
        assert 0.5 <= wait <= 30  # when BigCommerce's window resets
    finally:
        await carts_app.sim.post("/_sim/faults", json={})
        # The store's client paused for the window after the 429: a fresh one does not wait 30 s.
        carts_app.handlers.service.clients.forget(carts_app.store)
    # The window "resets" (a test cannot wait 30 s): the pending fetch is due now.
    async with carts_app.runtime.db() as session, session.begin():
        await session.execute(cart_refreshes.update().where(cart_refreshes.c.cart_id == uuid.UUID(cart["id"]))
                              .values(due_at=sa.func.now()))
    assert await carts_app.handlers.coalescer.flush_due() == 1
    assert (await carts_app.row(cart["id"]))["status"] == "active"


async def test_a_deleted_webhook_for_a_cart_bigcommerce_still_has_changes_nothing(carts_app: Carts) -> None:
    cart = await carts_app.known_cart()
    await carts_app.webhook("store/cart/deleted", cart["id"])
    assert (await carts_app.row(cart["id"]))["status"] == "active"
    assert [e for e in await carts_app.events("cart.deleted") if e.data["cart_id"] == cart["id"]] == []


async def test_a_converted_webhook_naming_no_order_of_this_cart_changes_nothing(carts_app: Carts) -> None:
    cart = await carts_app.known_cart()
    other = await carts_app.shopper_cart()
    paid = await carts_app.sim.post(f"/_sim/carts/{other['id']}/checkout", params={"store": carts_app.store},
                                    json={"email": "bo@buyer.example"})
    assert paid.status_code == 201, paid.text
    for order_id in (987654, paid.json()["id"]):  # no such order; another cart's order
        await carts_app.deliver(carts_app.hook("store/cart/converted", cart["id"], orderId=order_id))
    row = await carts_app.row(cart["id"])
    assert (row["status"], row["order_id"]) == ("active", None)
    assert [e for e in await carts_app.events("cart.converted") if e.data["cart_id"] == cart["id"]] == []


async def test_an_abandoned_webhook_whose_token_is_not_the_carts_changes_nothing(carts_app: Carts) -> None:
    cart = await carts_app.known_cart()
    other = await carts_app.known_cart()
    token = (await carts_app.sim.post(f"/_sim/carts/{other['id']}/abandon",
                                      params={"store": carts_app.store})).json()["token"]
    for forged in ("4f9a0c-made-up", token):
        await carts_app.deliver(carts_app.hook("store/cart/abandoned", cart["id"], token=forged))
    assert (await carts_app.row(cart["id"]))["status"] == "active"
    await carts_app.deliver(carts_app.hook("store/cart/abandoned", other["id"], token=token))
    assert (await carts_app.row(other["id"]))["status"] == "abandoned"  # the true one is believed


async def test_an_incomplete_order_keeps_the_cart_open_and_converts_it_once_paid(carts_app: Carts) -> None:
    cart = await carts_app.known_cart()
    placed = await carts_app.sim.post(f"/_sim/carts/{cart['id']}/checkout", params={"store": carts_app.store},
                                      json={"email": "cy@buyer.example", "pay": False})
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["id"]
    await carts_app.deliver(carts_app.hook("store/order/created", cart["id"]).model_copy(
        update={"data": {"type": "order", "id": order_id}}))
    assert (await carts_app.row(cart["id"]))["status"] == "active"
    assert [e for e in await carts_app.events("order.placed") if e.data["order_id"] == order_id] == []

    assert (await carts_app.sim.post(f"/_sim/orders/{order_id}/pay",
                                     params={"store": carts_app.store})).status_code == 200
    status = {"previous_status_id": 0, "new_status_id": 11}
    await carts_app.deliver(carts_app.hook("store/order/statusUpdated", cart["id"]).model_copy(
        update={"data": {"type": "order", "id": order_id, "status": status}}))
    row = await carts_app.row(cart["id"])
    assert (row["status"], row["order_id"]) == ("converted", order_id)
    assert len([e for e in await carts_app.events("order.placed") if e.data["order_id"] == order_id]) == 1
